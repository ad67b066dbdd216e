"""The merchant's view of pages: whole-page previews (draft or published, on the platform host)
and single sections of a draft for the builder's live preview. Both render with the same
templates as the store, as the merchant audience (demo content while the store has no products,
hints in empty sections), never cached."""

from __future__ import annotations

from . import documents, page_kinds, services
from .links import Links
from .render import RenderContext, render_page, render_section


def subject_for(handle: str, args, industry: str) -> dict | None:
    """What a preview of ``handle`` shows: its page kind's ``preview`` provider reads what was asked
    for in ``args`` (``subject``, ``q``); e.g. the product page shows that product, else the newest,
    else a demo product."""
    kind = page_kinds.get(page_kinds.kind_of(handle))
    if kind is None or kind.preview is None:
        return None
    return kind.preview(args, industry)


def preview_page(tenant, handle: str, version: str, args) -> str:
    theme = services.get_theme(tenant)
    page = services.get_page(tenant, handle)
    draft = version != "published"
    document = page.draft if draft or page.published is None else page.published
    theme_document = theme.draft if draft else theme.published
    ctx = RenderContext(tenant, theme_document, handle, audience="merchant",
                        subject=subject_for(handle, args, theme.template),
                        links=Links(tenant, preview="draft" if draft else "published"), industry=theme.template)
    return render_page(document, ctx, preview="draft" if draft else "published")


def render_draft_section(tenant, page: str, section_id: str, section: dict, theme_document: dict | None = None,
                         subject: str = "", query: str = "") -> dict:
    """One section of a draft, validated, rendered exactly as the page would show it."""
    cleaned = documents.validate_section(section, page, tenant.id, check=page_kinds.store_data().existing,
                                         path=f"sections.{section_id}")
    theme = services.get_theme(tenant)
    theme_doc = documents.validate_theme(theme_document, tenant.id) if theme_document else theme.draft
    view = documents.section_view(section_id, cleaned)
    ctx = RenderContext(tenant, theme_doc, page, audience="merchant",
                        subject=subject_for(page, {"subject": subject, "q": query}, theme.template),
                        links=Links(tenant, preview="draft"), industry=theme.template)
    return {"section_id": section_id, "type": cleaned["type"], "html": str(render_section(view, ctx))}
