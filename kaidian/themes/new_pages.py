"""Stores set up before a page kind existed get it — automatically, once, without undoing merchants' edits.

A system page kind registered after a store's theme was set up (for stores created before selling:
the orders domain's ``cart``, ``checkout``, ``pay``, ``orders``, ``order`` and ``after_sale``) is
added to the store by ``add_to_all_stores`` / ``services.add_missing_pages``: its page from the
store's template (published, version 1), and the template's own links to it that the store lacks —

* the tab bar's tab (``/cart``), placed where the template has it (before the "Me" tab), only when
  the bar has room (``THEME.max_blocks``, 5) and no tab (shown or hidden) already links there;
* the member page's links (``/orders``, ``/cart``), at the top of its link list, when no link there
  already points to them.

The published and the draft document both get them (a merchant's unpublished draft keeps its own
edits and gains the link); the member page's new published version is recorded in its history.

It happens once per store and page kind: the new page's existence records that it was done, so a
merchant who later removes the cart tab keeps it removed (the page exists, nothing is added again).
Automatic: the Alembic data migration ``a7c3newpages`` runs it for every store on deploy
(``flask db upgrade``); ``flask kaidian setup-themes`` runs the same. Both are idempotent. Reads never
write: no store page GET does this.
"""

from __future__ import annotations

import copy

from sqlalchemy import select

from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant
from kaidian.platform.tenancy import all_tenants, tenant_context

from . import industries, page_kinds, registry
from .models import Page, PageKind, PageVersion, ThemeSettings
from .theme_schema import THEME

LINK_SECTIONS = ("member_links",)  # sections whose blocks are links to pages (``link`` setting)


def add_to_all_stores() -> dict:
    """Every store with a theme gets the system pages it lacks and the links to them (``services``)."""
    from . import services

    with all_tenants():
        tenant_ids = list(db.session.execute(select(ThemeSettings.tenant_id)).scalars())
        db.session.rollback()
    upgraded = 0
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            tenant = db.session.get(Tenant, tenant_id)
            if tenant is not None and services.add_missing_pages(tenant):
                upgraded += 1
            db.session.rollback()
    return {"stores": len(tenant_ids), "upgraded": upgraded}


def link_new_pages(template: str, handles: list[str]) -> None:
    """Add the template's links to the newly added pages ``handles`` (in the current store's session;
    the caller commits)."""
    paths = {page_kinds.path_of(h) for h in handles} - {None}
    if not paths:
        return
    theme = db.session.execute(select(ThemeSettings)).scalar_one()
    template_theme = industries.build_theme(template)
    theme.published = _with_tabs(theme.published, template_theme, paths)
    theme.draft = _with_tabs(theme.draft, template_theme, paths)
    for page in db.session.execute(select(Page).where(Page.handle.notin_(handles),
                                                      Page.kind == PageKind.SYSTEM)).scalars():
        _link_page(page, industries.build_page(template, page.handle), paths, handles)


def _with_tabs(document: dict | None, template_theme: dict, paths: set[str]) -> dict | None:
    if not document:
        return document
    document = copy.deepcopy(document)
    blocks, order = document.setdefault("blocks", {}), document.setdefault("block_order", [])
    have = {block.get("settings", {}).get("link") for block in blocks.values()}
    template_order = template_theme.get("block_order", [])
    for index, block_id in enumerate(template_order):
        block = template_theme["blocks"][block_id]
        link = block["settings"].get("link")
        if link not in paths or link in have or len(order) >= THEME.max_blocks:
            continue
        new_id = _free_id(blocks, "tab")
        blocks[new_id] = copy.deepcopy(block)
        order.insert(_position(order, blocks, template_order[index + 1:], template_theme["blocks"]), new_id)
        have.add(link)
    return document


def _position(order: list[str], blocks: dict, later_ids: list[str], template_blocks: dict) -> int:
    """Before the first block that follows it in the template (the "Me" tab after the cart), else last."""
    later_links = [template_blocks[i]["settings"].get("link") for i in later_ids]
    for position, block_id in enumerate(order):
        if blocks[block_id].get("settings", {}).get("link") in later_links:
            return position
    return len(order)


def _free_id(blocks: dict, prefix: str) -> str:
    n = len(blocks) + 1
    while f"{prefix}-{n}" in blocks:
        n += 1
    return f"{prefix}-{n}"


def _link_page(page: Page, template_page: dict, paths: set[str], handles: list[str]) -> None:
    published = _with_links(page.published, template_page, paths)
    draft = _with_links(page.draft, template_page, paths)
    if published == page.published and draft == page.draft:
        return
    page.draft = draft
    if published != page.published:
        in_step = page.draft_base_version == page.published_version
        page.published_version += 1
        page.published = published
        if in_step:
            page.draft_base_version = page.published_version
        db.session.add(PageVersion(page_id=page.id, version=page.published_version, document=published,
                                   note=f"new pages: {', '.join(handles)}"[:200]))


def _with_links(document: dict | None, template_page: dict, paths: set[str]) -> dict | None:
    if not document:
        return document
    document = copy.deepcopy(document)
    for section in document.get("sections", {}).values():
        if section.get("type") not in LINK_SECTIONS:
            continue
        model = next((s for s in template_page.get("sections", {}).values() if s.get("type") == section["type"]),
                     None)
        if model is not None:
            _add_links(section, model, paths)
    return document


def _add_links(section: dict, model: dict, paths: set[str]) -> None:
    blocks, order = section.setdefault("blocks", {}), section.setdefault("block_order", [])
    have = {block.get("settings", {}).get("link") for block in blocks.values()}
    adding = [model["blocks"][i] for i in model.get("block_order", [])
              if model["blocks"][i]["settings"].get("link") in paths - have]
    section_type = registry.get(section["type"])
    limit = min(section_type.max_blocks or registry.MAX_BLOCKS, registry.MAX_BLOCKS) if section_type else 0
    for position, block in enumerate(adding[:max(0, limit - len(order))]):
        new_id = _free_id(blocks, "link")
        blocks[new_id] = copy.deepcopy(block)
        order.insert(position, new_id)
