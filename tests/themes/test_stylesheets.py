"""The storefront's CSS is split by page kind: ``storefront.css`` on every page, and a page kind's own
sheet (``PageKind.stylesheet``) only on that kind's pages, holding the rules of the sections made for it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kaidian.themes import page_kinds, registry
from kaidian.themes.render import TEMPLATES
from tests.themes.helpers import add_product, store_get

STATIC = TEMPLATES.parent / "static"


def _classes(css: str) -> set[str]:
    return set(re.findall(r"\.(kd-[\w-]+)", re.sub(r"/\*.*?\*/", "", css, flags=re.S)))


def _template(section) -> Path:
    for folder in (TEMPLATES, *map(Path, registry.TEMPLATE_FOLDERS)):
        if (folder / section.template).is_file():
            return folder / section.template
    raise AssertionError(f"no template for {section.type}")


def _linked_sheets(page: str) -> list[str]:
    return re.findall(r'<link rel="stylesheet" href="/static/themes/([\w.]+)\?v=[0-9a-f]{10}">', page)


def test_each_kinds_sheet_exists(app):
    sheets = {kind.handle: kind.stylesheet for kind in page_kinds.all_kinds() if kind.stylesheet}
    assert {"product", "category", "search", "member", "cart"} <= set(sheets)
    for handle, sheet in sheets.items():
        assert (STATIC / sheet).is_file(), (handle, sheet)


def test_a_kinds_own_sections_are_styled_by_the_sheets_its_pages_link(app):
    base = _classes((STATIC / "storefront.css").read_text())
    sheets = {name: _classes((STATIC / name).read_text())
              for name in {k.stylesheet for k in page_kinds.all_kinds() if k.stylesheet}}
    defined = base.union(*sheets.values())
    for section in registry.all_sections():
        used = set(re.findall(r"\b(kd-[\w-]+)", _template(section).read_text())) & defined
        for handle in section.pages or ():
            kind = page_kinds.get(handle)
            linked = base | sheets.get(kind.stylesheet if kind else "", set())
            assert used <= linked, (section.type, handle, sorted(used - linked))


def test_general_sections_need_only_the_base_sheet(app):
    base = _classes((STATIC / "storefront.css").read_text())
    kind_only = set().union(*(_classes((STATIC / k.stylesheet).read_text())
                              for k in page_kinds.all_kinds() if k.stylesheet)) - base
    for section in registry.all_sections():
        if section.pages is None:
            used = set(re.findall(r"\b(kd-[\w-]+)", _template(section).read_text()))
            assert not used & kind_only, (section.type, sorted(used & kind_only))


@pytest.mark.parametrize(("path", "sheets"), [("/", ["storefront.css"]),
                                              ("/categories", ["storefront.css", "browse.css"]),
                                              ("/search?q=shirt", ["storefront.css", "browse.css"]),
                                              ("product", ["storefront.css", "product.css"])])
def test_pages_link_the_base_sheet_and_their_kinds_own(app, client, alpha, path, sheets):
    product = add_product(app, alpha.tenant_id, "Shirt", image=True)
    page = store_get(client, "alpha", f"/products/{product}" if path == "product" else path)
    assert page.status_code == 200 and _linked_sheets(page.get_data(as_text=True)) == sheets
