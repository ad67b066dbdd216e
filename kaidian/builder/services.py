"""The builder's use cases: thin, delegating to ``kaidian.themes.public`` (the themes package's public
API, the only part of themes the builder imports) for every rule about documents.

What lives here is only what the editor needs on top of the themes services: the state the editor
starts from, the whole-page preview of an unsaved document, the store's media library (the images
its pages already use), renaming a custom page (its title), and wiring the editor's helper script
into the real storefront page shown in the preview frame.
"""

from __future__ import annotations

from markupsafe import Markup

from kaidian.billing import services as billing
from kaidian.themes import public as themes

MEDIA_LISTED = 200
VERSIONS_SCANNED = 200


# --- the page list ------------------------------------------------------------------------------


def page_rows(tenant) -> list[dict]:
    """Every page with what the list shows: its label, address, state and who last edited it."""
    return themes.page_rows(tenant)


def custom_page_usage(tenant) -> dict:
    """How many custom pages the store has and how many its plan allows (None: no limit)."""
    used = themes.custom_page_count(tenant)
    limit = billing.limit_of(tenant, "pages")
    return {"used": used, "limit": limit, "full": limit is not None and used >= limit}


def rename_page(tenant, handle: str, title: str, user):
    """A custom page's title (kept in its draft's page settings, live once published)."""
    page = themes.get_page(tenant, handle)
    document = dict(page.draft)
    document["settings"] = {**(document.get("settings") or {}), "title": str(title or "").strip()}
    return themes.save_draft(tenant, handle, document, page.draft_revision, user)


# --- the editor ---------------------------------------------------------------------------------


def editor_state(tenant, handle: str) -> dict:
    """What the editor starts from: the page, the theme, the section library and the templates."""
    page = themes.page_state(tenant, handle)
    return {
        "page": page,
        "theme": themes.theme_state(tenant),
        "library": themes.describe_library(),
        "templates": themes.describe_templates(),
        "pages": page_rows(tenant),
        "page_kind": themes.page_kind(handle),
    }


def render_preview(tenant, handle: str, document, theme_document=None, subject: str = "", query: str = "") -> str:
    """A whole page rendered from an unsaved document (and theme), exactly as the storefront would,
    for the merchant: the editor swaps it into the preview frame when the theme changes."""
    return themes.render_unsaved_page(tenant, handle, document, theme_document, subject, query)


def preview_html(tenant, handle: str, args, bridge: list[Markup]) -> str:
    """The draft page as the storefront renders it, with the editor's helper tags added to its head."""
    html = themes.preview_page(tenant, handle, "draft", args)
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


def media_library(tenant) -> list[dict]:
    """Images this store's theme and pages use (drafts, live pages and recent history), newest
    documents first, each once: the merchant's media library for image settings."""
    return themes.used_images(tenant, MEDIA_LISTED, VERSIONS_SCANNED)
