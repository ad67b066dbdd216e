"""Theme and page use cases: set-up, drafts, publishing, history, custom pages, images.

The builder (and its API) calls these; nothing here reads ``request``. Every function works on
the current tenant (``tenant_context``/the request's store) and takes the acting user for the
record. Drafts are saved against a revision: a save based on a stale revision is refused with
``DraftConflict`` (409) and changes nothing.
"""

from __future__ import annotations

import re

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from kaidian.billing import services as billing
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant, utcnow

from . import contrast, documents, images, industries, new_pages, page_kinds, render_cache
from .errors import BadHandle, DraftConflict, PageNotFound, ThemeNotReady, UnknownTemplate
from .models import Page, PageKind, PageVersion, ThemeSettings
from .registry import HANDLE_PATTERN
from .theme_schema import settings_of

HANDLE_RE = re.compile(f"^(?:{HANDLE_PATTERN})$")
RESERVED_HANDLES = frozenset({"custom", "new", "preview", "draft", "published", "index"})  # and every page kind
VERSIONS_LISTED = 50


def _user_id(user):
    return getattr(user, "id", None)


# --- the theme ----------------------------------------------------------------------------------


def get_theme(tenant) -> ThemeSettings:
    """The store's theme. Reads never write: it is set up when the store is created (``tenant.created``,
    see ``on_tenant_created``); a store without one gets ``ThemeNotReady`` (``flask kaidian setup-themes``
    sets up stores created before that)."""
    row = find_theme()
    if row is None:
        raise ThemeNotReady()
    return row


def on_tenant_created(event) -> None:
    """Subscriber of ``tenant.created`` (runs after the signup committed, with the new store current)."""
    tenant = db.session.get(Tenant, event.tenant_id)
    if tenant is not None and find_theme() is None:
        setup(tenant)


def find_theme() -> ThemeSettings | None:
    return db.session.execute(select(ThemeSettings)).scalar_one_or_none()


def setup(tenant, template: str | None = None, user=None) -> ThemeSettings:
    """Give a store without a theme the chosen (or inferred) template: its global settings and a page
    of each system page kind, published as version 1. Safe when two requests race (the second reads the first's)."""
    template = template or industries.industry_for(tenant.category_list)
    if template not in industries.INDUSTRIES:
        raise UnknownTemplate(fields={"template": [UnknownTemplate.message]})
    with force_locale(tenant.default_locale):
        theme_document = industries.build_theme(template)
        pages = {handle: industries.build_page(template, handle) for handle in page_kinds.system_handles()}
    try:
        row = _create_theme(template, theme_document, pages, user)
    except IntegrityError:  # another request set the store up first
        db.session.rollback()
        return db.session.execute(select(ThemeSettings)).scalar_one()
    render_cache.forget_state(tenant.id)
    return row


def add_missing_pages(tenant) -> list[str]:
    """Give a store that has a theme the pages of system page kinds registered after it was set up
    (a new domain's cart, checkout …), from its template, published as version 1, and the template's
    links to them that the store lacks (``new_pages``: the cart tab, the member page's links)."""
    theme = find_theme()
    if theme is None:
        return []
    existing = set(db.session.execute(select(Page.handle)).scalars())
    missing = [h for h in page_kinds.system_handles() if h not in existing]
    if not missing:
        return []
    template = theme.template if theme.template in industries.INDUSTRIES else industries.DEFAULT_INDUSTRY
    with force_locale(tenant.default_locale):
        pages = {handle: industries.build_page(template, handle) for handle in missing}
        _add_pages(pages, template, None)
        new_pages.link_new_pages(template, missing)  # the template's tab and links to them, once
    db.session.commit()
    render_cache.forget_state(tenant.id)
    return missing


def _create_theme(template: str, theme_document: dict, pages: dict, user) -> ThemeSettings:
    now = utcnow()
    row = ThemeSettings(template=template, draft=theme_document, published=theme_document, published_version=1,
                        draft_revision=1, draft_base_version=1, updated_by=_user_id(user), published_at=now)
    db.session.add(row)
    _add_pages(pages, template, user)
    db.session.commit()
    return row


def _add_pages(pages: dict, template: str, user) -> None:
    now = utcnow()
    for handle, document in pages.items():
        page = Page(handle=handle, kind=PageKind.SYSTEM, draft=document, published=document, published_version=1,
                    draft_revision=1, draft_base_version=1, published_at=now, updated_by=_user_id(user),
                    published_by=_user_id(user))
        db.session.add(page)
        db.session.flush()
        db.session.add(PageVersion(page_id=page.id, version=1, document=document, note=f"template:{template}",
                                   created_by=_user_id(user)))


def save_theme_draft(tenant, document, base_revision: int, user) -> ThemeSettings:
    theme = get_theme(tenant)
    cleaned = documents.validate_theme(document, tenant.id)
    _update_revision(ThemeSettings, theme, base_revision, draft=cleaned, updated_by=_user_id(user))
    return theme


def publish_theme(tenant, user, base_revision: int | None = None) -> ThemeSettings:
    """Make the theme draft live. A text colour too faint to read is published as the nearest readable
    shade of it (``contrast.adjust_theme``, which says why adjusting rather than refusing), in the
    draft too, and ``theme.notices`` says what changed."""
    theme = get_theme(tenant)
    if base_revision is not None and base_revision != theme.draft_revision:
        raise DraftConflict(fields={"base_revision": [_current(theme.draft_revision)]})
    adjusted, theme.notices = contrast.adjust_theme(settings_of(theme.draft))
    if theme.notices:
        theme.draft = {**theme.draft, "settings": {**(theme.draft.get("settings") or {}), **adjusted}}
        theme.draft_revision += 1
    theme.published = theme.draft
    theme.published_version += 1
    theme.draft_base_version = theme.published_version
    theme.published_at, theme.updated_by = utcnow(), _user_id(user)
    db.session.commit()
    render_cache.forget_state(tenant.id)
    return theme


def _current(revision: int) -> str:
    return str(_l("The current revision is %(revision)s.", revision=revision))


def _update_revision(model, row, base_revision: int, **values) -> None:
    """Write a draft only if nobody saved since ``base_revision`` (one atomic UPDATE)."""
    result = db.session.execute(
        update(model).where(model.id == row.id, model.draft_revision == base_revision)
        .values(draft_revision=model.draft_revision + 1, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        db.session.refresh(row)
        raise DraftConflict(fields={"base_revision": [_current(row.draft_revision)]})
    db.session.commit()
    db.session.refresh(row)


# --- pages --------------------------------------------------------------------------------------


def list_pages(tenant) -> list[Page]:
    rows = db.session.execute(select(Page)).scalars()
    order = {handle: i for i, handle in enumerate(page_kinds.system_handles())}
    return sorted(rows, key=lambda p: (order.get(p.handle, len(order)), p.handle))


def find_page(handle: str) -> Page | None:
    return db.session.execute(select(Page).where(Page.handle == handle)).scalar_one_or_none()


def get_page(tenant, handle: str) -> Page:
    page = find_page(handle) if isinstance(handle, str) and len(handle) <= 40 else None
    if page is None:
        raise PageNotFound()
    return page


def check_page_exists(tenant, handle: str) -> None:
    """For URL ids: the page must exist in this store."""
    if not isinstance(handle, str) or len(handle) > 40 or find_page(handle) is None:
        raise PageNotFound()


def save_draft(tenant, handle: str, document, base_revision: int, user) -> Page:
    page = get_page(tenant, handle)
    cleaned = documents.validate_document(document, handle, tenant.id, check=page_kinds.store_data().existing)
    _update_revision(Page, page, base_revision, draft=cleaned, updated_by=_user_id(user))
    return page


def publish(tenant, handle: str, user, base_revision: int | None = None, note: str = "") -> Page:
    """Make the draft live: a new published version, recorded in the history."""
    page = get_page(tenant, handle)
    if base_revision is not None and base_revision != page.draft_revision:
        raise DraftConflict(fields={"base_revision": [_current(page.draft_revision)]})
    _publish_document(page, page.draft, user, note)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise DraftConflict() from None
    render_cache.forget_state(tenant.id)
    return page


def _publish_document(page: Page, document: dict, user, note: str) -> None:
    version = page.published_version + 1
    page.published, page.published_version, page.draft_base_version = document, version, version
    page.published_at, page.published_by = utcnow(), _user_id(user)
    db.session.add(PageVersion(page_id=page.id, version=version, document=document, note=note[:200],
                               created_by=_user_id(user)))


def versions(tenant, handle: str) -> list[PageVersion]:
    page = get_page(tenant, handle)
    return list(db.session.execute(
        select(PageVersion).where(PageVersion.page_id == page.id).order_by(PageVersion.version.desc())
        .limit(VERSIONS_LISTED)).scalars())


def get_version(tenant, handle: str, version: int) -> PageVersion:
    page = get_page(tenant, handle)
    row = db.session.execute(select(PageVersion).where(PageVersion.page_id == page.id,
                                                       PageVersion.version == version)).scalar_one_or_none()
    if row is None:
        raise PageNotFound()
    return row


def restore(tenant, handle: str, version: int, user, base_revision: int) -> Page:
    """Put a published version back into the draft (publish it to make it live again)."""
    row = get_version(tenant, handle, version)
    page = get_page(tenant, handle)
    cleaned = documents.validate_document(row.document, handle, tenant.id)
    _update_revision(Page, page, base_revision, draft=cleaned, draft_base_version=version,
                     updated_by=_user_id(user))
    return page


def create_page(tenant, handle: str, title: str, user) -> Page:
    """A custom page at ``/pages/<handle>``, counted against the plan's page limit; starts as a draft."""
    if not isinstance(handle, str) or not HANDLE_RE.match(handle):
        raise BadHandle(fields={"handle": [str(_l("Use 1 to 40 lowercase letters, digits and single hyphens."))]})
    if handle in RESERVED_HANDLES or page_kinds.get(handle) is not None:
        raise BadHandle(fields={"handle": [str(_l("“%(handle)s” is reserved for the store's own pages; choose another "
                                                  "address.", handle=handle))]},
                        status=409)  # taken by the store's own pages: a conflict
    get_theme(tenant)
    if find_page(handle) is not None:
        raise BadHandle(fields={"handle": [str(_l("A page with this address exists."))]}, status=409)
    count = db.session.execute(select(func.count()).select_from(Page).where(Page.kind == PageKind.CUSTOM)).scalar()
    billing.check_limit(tenant, "pages", count)
    with force_locale(tenant.default_locale):
        document = documents.validate_document(_starter(title), handle, tenant.id)
    page = Page(handle=handle, kind=PageKind.CUSTOM, draft=document, published=None, published_version=0,
                draft_revision=1, draft_base_version=0, updated_by=_user_id(user))
    db.session.add(page)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise BadHandle(fields={"handle": [str(_l("A page with this address exists."))]}, status=409) from None
    return page


def _starter(title) -> dict:
    title = str(title or "")[:60]
    return {"sections": {"text": {"type": "rich_text", "settings": {"heading": title[:40]}}}, "order": ["text"],
            "settings": {"title": title}}


def delete_page(tenant, handle: str, user) -> None:
    page = get_page(tenant, handle)
    if page.kind != PageKind.CUSTOM:
        raise BadHandle(fields={"handle": [str(_l("The store's own pages cannot be deleted."))]})
    db.session.delete(page)
    db.session.commit()
    render_cache.forget_state(tenant.id)


def upload_image(tenant, data: bytes) -> dict:
    return images.save_upload(tenant.id, data)


# --- what the storefront reads ------------------------------------------------------------------


def published_state() -> dict | None:
    """Versions of the theme and of every published page (the render cache keys on them)."""
    theme = db.session.execute(select(ThemeSettings.published_version, ThemeSettings.template)).first()
    if theme is None:
        return None
    pages = db.session.execute(select(Page.handle, Page.published_version)).all()
    return {"theme": theme[0], "template": theme[1], "pages": {handle: version for handle, version in pages}}
