"""The merchant's view of pages: whole-page previews (draft or published, on the platform host)
and single sections of a draft for the builder's live preview. Both render with the same
templates as the store, as the merchant audience (demo content while the store has no products,
hints in empty sections), never cached."""

from __future__ import annotations

from . import demo, documents, registry, services
from .data import CatalogData
from .links import Links
from .render import RenderContext, render_page, render_section


def subject_for(handle: str, args, industry: str) -> dict | None:
    """What a preview of ``handle`` shows: the product, category or search words asked for in
    ``args`` (``subject``, ``q``), else the newest product, else a demo product."""
    kind = registry.page_kind(handle)
    subject = str(args.get("subject", "") or "")
    if kind == "product":
        return {"product": _product(subject, industry)}
    if kind == "category":
        return {"category_id": subject}
    if kind == "search":
        return {"q": str(args.get("q", "") or "")[:60]}
    return None


def _product(subject: str, industry: str) -> dict:
    data = CatalogData()
    if subject.startswith("demo-"):
        return demo.product_detail(industry, subject) or demo.product_detail(industry, "demo-1")
    product = data.product(subject) if subject else None
    if product is None:
        latest = data.products("latest", limit=1)
        product = data.product(latest[0]["id"]) if latest else None
    return product or demo.product_detail(industry, "demo-1")


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
    cleaned = documents.validate_section(section, page, tenant.id, check=CatalogData().existing,
                                         path=f"sections.{section_id}")
    theme = services.get_theme(tenant)
    theme_doc = documents.validate_theme(theme_document, tenant.id) if theme_document else theme.draft
    view = documents.section_view(section_id, cleaned)
    ctx = RenderContext(tenant, theme_doc, page, audience="merchant",
                        subject=subject_for(page, {"subject": subject, "q": query}, theme.template),
                        links=Links(tenant, preview="draft"), industry=theme.template)
    return {"section_id": section_id, "type": cleaned["type"], "html": str(render_section(view, ctx))}
