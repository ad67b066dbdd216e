"""The builder's use cases: thin, delegating to ``kaidian.themes`` for every rule about documents.

What lives here is only what the editor needs on top of the themes services: the state the editor
starts from, the whole-page preview of an unsaved document, the store's media library (the images
its pages already use), renaming a custom page (its title), and wiring the editor's helper script
into the real storefront page shown in the preview frame.
"""

from __future__ import annotations

import re

from markupsafe import Markup
from sqlalchemy import select

from kaidian.billing import services as billing
from kaidian.platform.extensions import db
from kaidian.platform.storage import media_url
from kaidian.themes import documents, industries, preview, registry, services
from kaidian.themes.data import CatalogData
from kaidian.themes.images import DIMS_RE
from kaidian.themes.links import Links
from kaidian.themes.models import Page, PageKind, PageVersion, ThemeSettings
from kaidian.themes.render import RenderContext, render_page
from kaidian.themes.schemas import PageSchema, PageSummarySchema, ThemeSchema
from kaidian.themes.settings import ImageSetting

MEDIA_LISTED = 200
VERSIONS_SCANNED = 200


# --- the page list ------------------------------------------------------------------------------


def page_rows(tenant) -> list[dict]:
    """Every page with what the list shows: its label, address, state and who last edited it."""
    return PageSummarySchema(many=True).dump(services.list_pages(tenant))


def custom_page_usage(tenant) -> dict:
    """How many custom pages the store has and how many its plan allows (None: no limit)."""
    pages = services.list_pages(tenant)
    used = sum(1 for p in pages if p.kind == PageKind.CUSTOM)
    limit = billing.limit_of(tenant, "pages")
    return {"used": used, "limit": limit, "full": limit is not None and used >= limit}


def rename_page(tenant, handle: str, title: str, user) -> Page:
    """A custom page's title (kept in its draft's page settings, live once published)."""
    page = services.get_page(tenant, handle)
    document = dict(page.draft)
    document["settings"] = {**(document.get("settings") or {}), "title": str(title or "").strip()}
    return services.save_draft(tenant, handle, document, page.draft_revision, user)


# --- the editor ---------------------------------------------------------------------------------


def editor_state(tenant, handle: str) -> dict:
    """What the editor starts from: the page, the theme, the section library and the templates."""
    page = services.get_page(tenant, handle)
    theme = services.get_theme(tenant)
    return {
        "page": PageSchema().dump(page),
        "theme": ThemeSchema().dump(theme),
        "library": registry.describe_library(),
        "templates": [industries.describe(key) for key in industries.INDUSTRIES],
        "pages": page_rows(tenant),
        "page_kind": registry.page_kind(handle),
    }


def render_preview(tenant, handle: str, document, theme_document=None, subject: str = "", query: str = "") -> str:
    """A whole page rendered from an unsaved document (and theme), exactly as the storefront would,
    for the merchant: the editor swaps it into the preview frame when the theme changes."""
    services.get_page(tenant, handle)
    cleaned = documents.validate_document(document, handle, tenant.id, check=CatalogData().existing)
    theme = services.get_theme(tenant)
    theme_doc = documents.validate_theme(theme_document, tenant.id) if theme_document else theme.draft
    ctx = RenderContext(tenant, theme_doc, handle, audience="merchant",
                        subject=preview.subject_for(handle, {"subject": subject, "q": query}, theme.template),
                        links=Links(tenant, preview="draft"), industry=theme.template)
    return render_page(cleaned, ctx, preview="draft")


def preview_html(tenant, handle: str, args, bridge: list[Markup]) -> str:
    """The draft page as the storefront renders it, with the editor's helper tags added to its head."""
    html = preview.preview_page(tenant, handle, "draft", args)
    return inject_head(html, bridge)


def inject_head(html: str, tags: list[Markup]) -> str:
    snippet = "".join(str(tag) for tag in tags)
    index = html.find("</head>")
    return html[:index] + snippet + html[index:] if index >= 0 else snippet + html


def script_tag(url: str) -> Markup:
    return Markup('<script src="{}" defer></script>').format(url)


def style_tag(url: str) -> Markup:
    return Markup('<link rel="stylesheet" href="{}">').format(url)


# --- the media library --------------------------------------------------------------------------

IMAGE_KEY_RE = re.compile(ImageSetting.KEY_RE.pattern.strip("^$"))


def media_library(tenant) -> list[dict]:
    """Images this store's theme and pages use (drafts, live pages and recent history), newest
    documents first, each once: the merchant's media library for image settings."""
    prefix = f"t/{tenant.id}/"
    found: dict[str, None] = {}
    for document in _documents_with_images():
        for key in _image_keys(document):
            if key.startswith(prefix) and len(found) < MEDIA_LISTED:
                found.setdefault(key, None)
    return [_describe_image(key) for key in found]


def _documents_with_images():
    theme = db.session.execute(select(ThemeSettings.draft, ThemeSettings.published)).first()
    if theme is not None:
        yield from theme
    pages = db.session.execute(select(Page.draft, Page.published).order_by(Page.updated_at.desc())).all()
    for draft, published in pages:
        yield draft
        yield published
    yield from db.session.execute(
        select(PageVersion.document).order_by(PageVersion.created_at.desc()).limit(VERSIONS_SCANNED)).scalars()


def _image_keys(value):
    if isinstance(value, str):
        if IMAGE_KEY_RE.fullmatch(value):
            yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _image_keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _image_keys(item)


def _describe_image(key: str) -> dict:
    match = DIMS_RE.search(key)
    width, height = (int(match[1]), int(match[2])) if match else (None, None)
    return {"key": key, "url": media_url(key), "width": width, "height": height}

