"""The themes package's public surface for the builder (and any other editor of store pages).

Everything outside ``kaidian.themes`` that reads or changes pages, the theme or their previews
goes through these names (``from kaidian.themes import public as themes``); the modules behind
them (documents, registry, render, models …) are private and may change. Domains that *own* store
pages use ``kaidian.themes.page_kinds`` (the page-kind registry) instead. Functions take the store
(``tenant``) and work on the current tenant; changes validate, commit and refuse stale drafts
(``DraftConflict``, 409) exactly as the HTTP API does. ``API.md`` documents the document shape.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from kaidian.platform.extensions import db
from kaidian.platform.storage import media_url

from . import documents, industries, page_kinds, preview, registry, services
from .images import DIMS_RE
from .links import Links
from .models import Page, PageKind, PageVersion, ThemeSettings
from .render import RenderContext, render_page
from .schemas import PageSchema, PageSummarySchema, ThemeSchema
from .services import (  # noqa: F401  (re-exported: the builder's use cases)
    check_page_exists,
    create_page,
    delete_page,
    get_page,
    get_theme,
    save_draft,
)
from .settings import ImageSetting
from .storefront import STORE_CSP  # noqa: F401  (the preview frame answers with the store's policy)

__all__ = [
    "STORE_CSP", "check_page_exists", "create_page", "custom_page_count", "delete_page", "describe_library",
    "describe_templates", "get_page", "get_theme", "page_kind", "page_label", "page_rows", "page_state",
    "preview_page", "render_unsaved_page", "save_draft", "store_path", "theme_state", "used_images",
]


# --- pages and the theme, as the editor sees them ----------------------------------------------


def page_rows(tenant) -> list[dict]:
    """Every page of the store (system pages in their kinds' order, then custom pages): handle, kind
    (``system``/``custom``), label, title, address, state and who last edited it."""
    return PageSummarySchema(many=True).dump(services.list_pages(tenant))


def custom_page_count(tenant) -> int:
    return sum(1 for p in services.list_pages(tenant) if p.kind == PageKind.CUSTOM)


def page_state(tenant, handle: str) -> dict:
    """A page as the API returns it (drafts, versions, revisions)."""
    return PageSchema().dump(get_page(tenant, handle))


def theme_state(tenant) -> dict:
    return ThemeSchema().dump(get_theme(tenant))


def describe_library() -> dict:
    """The section schemas, page kinds, limits and the global theme schema as JSON."""
    return registry.describe_library()


def describe_templates() -> list[dict]:
    """The industry templates a store may switch to."""
    return [industries.describe(key) for key in industries.INDUSTRIES]


def page_kind(handle: str) -> str:
    """The kind of the page with this handle (its system kind's handle, or ``"custom"``)."""
    return page_kinds.kind_of(handle)


def page_label(handle: str) -> str:
    return page_kinds.label(handle)


def store_path(handle: str) -> str | None:
    """Where shoppers find the page on the store (None for a kind with no single address, such as the
    product page, which shows one product at a time)."""
    return page_kinds.path_of(handle)


# --- previews ----------------------------------------------------------------------------------


def preview_page(tenant, handle: str, version: str, args) -> str:
    """The saved draft (``version="draft"``) or the published page, rendered for the merchant."""
    return preview.preview_page(tenant, handle, version, args)


def render_unsaved_page(tenant, handle: str, document, theme_document=None, subject: str = "",
                        query: str = "") -> str:
    """A whole page rendered from an unsaved document (and theme), validated as a save would be and
    rendered exactly as the storefront would, for the merchant (never cached)."""
    get_page(tenant, handle)
    cleaned = documents.validate_document(document, handle, tenant.id, check=page_kinds.store_data().existing)
    theme = get_theme(tenant)
    theme_doc = documents.validate_theme(theme_document, tenant.id) if theme_document else theme.draft
    ctx = RenderContext(tenant, theme_doc, handle, audience="merchant",
                        subject=preview.subject_for(handle, {"subject": subject, "q": query}, theme.template),
                        links=Links(tenant, preview="draft"), industry=theme.template)
    return render_page(cleaned, ctx, preview="draft")


# --- images the store's pages use --------------------------------------------------------------

IMAGE_KEY_RE = ImageSetting.KEY_RE.pattern.strip("^$")


def used_images(tenant, limit: int = 200, versions_scanned: int = 200) -> list[dict]:
    """Images this store's theme and pages use (drafts, live pages and recent history), newest
    documents first, each once: ``{"key", "url", "width", "height"}``."""
    key_re = re.compile(IMAGE_KEY_RE)
    prefix = f"t/{tenant.id}/"
    found: dict[str, None] = {}
    for document in _documents_with_images(versions_scanned):
        for key in _image_keys(document, key_re):
            if key.startswith(prefix) and len(found) < limit:
                found.setdefault(key, None)
    return [_describe_image(key) for key in found]


def _documents_with_images(versions_scanned: int):
    theme = db.session.execute(select(ThemeSettings.draft, ThemeSettings.published)).first()
    if theme is not None:
        yield from theme
    pages = db.session.execute(select(Page.draft, Page.published).order_by(Page.updated_at.desc())).all()
    for draft, published in pages:
        yield draft
        yield published
    yield from db.session.execute(
        select(PageVersion.document).order_by(PageVersion.created_at.desc()).limit(versions_scanned)).scalars()


def _image_keys(value, key_re):
    if isinstance(value, str):
        if key_re.fullmatch(value):
            yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _image_keys(item, key_re)
    elif isinstance(value, list):
        for item in value:
            yield from _image_keys(item, key_re)


def _describe_image(key: str) -> dict:
    match = DIMS_RE.search(key)
    width, height = (int(match[1]), int(match[2])) if match else (None, None)
    return {"key": key, "url": media_url(key), "width": width, "height": height}
