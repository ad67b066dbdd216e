"""The page's first visible images (the LCP element among them) load at once with ``fetchpriority="high"``;
every other image waits for the shopper to scroll near it (``loading="lazy"``)."""

from __future__ import annotations

import re

from tests.themes.helpers import add_product, publish, store_get


def _images(page: str, section_id: str | None = None) -> list[str]:
    if section_id is not None:
        page = re.search(rf'<section [^>]*data-section-id="{section_id}".*?</section>', page, re.S).group(0)
    return re.findall(r"<img [^>]*>", page)


def _eager(tag: str) -> bool:
    return 'fetchpriority="high"' in tag and 'loading="lazy"' not in tag


def _lazy(tag: str) -> bool:
    return 'loading="lazy"' in tag and "fetchpriority" not in tag


def _two_sections(first: dict, second: dict) -> dict:
    return {"sections": {"top": first, "below": second}, "order": ["top", "below"]}


def test_the_first_row_of_the_top_grid_is_eager_and_everything_else_lazy(app, client, alpha, alpha_api):
    for n in range(5):
        add_product(app, alpha.tenant_id, f"Shirt {n}", image=True)
    publish(client, alpha_api, "home", _two_sections(
        {"type": "product_grid", "settings": {"columns": 2, "count": 4}},
        {"type": "product_carousel", "settings": {"count": 4}}))
    page = store_get(client, "alpha").get_data(as_text=True)
    grid, carousel = _images(page, "top"), _images(page, "below")
    assert len(grid) == 4 and len(carousel) == 4
    assert [_eager(tag) for tag in grid] == [True, True, False, False]
    assert all(_lazy(tag) for tag in grid[2:] + carousel)


def test_a_carousel_on_top_loads_the_cards_a_phone_shows_at_once(app, client, alpha, alpha_api):
    for n in range(5):
        add_product(app, alpha.tenant_id, f"Shirt {n}", image=True)
    publish(client, alpha_api, "home", _two_sections(
        {"type": "product_carousel", "settings": {"count": 5, "size": "large"}},
        {"type": "product_grid", "settings": {"columns": 3, "count": 3}}))
    page = store_get(client, "alpha").get_data(as_text=True)
    assert [_eager(tag) for tag in _images(page, "top")] == [True, True, False, False, False]
    assert all(_lazy(tag) for tag in _images(page, "below"))


def test_the_category_page_loads_its_first_row_first(app, client, alpha, alpha_api):
    for n in range(4):
        add_product(app, alpha.tenant_id, f"Shirt {n}", image=True)
    publish(client, alpha_api, "category", {"sections": {"main": {"type": "category_browser",
                                                                  "settings": {"columns": 3}}}, "order": ["main"]})
    page = store_get(client, "alpha", "/categories").get_data(as_text=True)
    assert [_eager(tag) for tag in _images(page, "main")] == [True, True, True, False]


def test_the_product_page_loads_its_first_photo_first(app, client, alpha):
    product = add_product(app, alpha.tenant_id, "Shirt", image=True)
    page = store_get(client, "alpha", f"/products/{product}").get_data(as_text=True)
    gallery = [tag for tag in _images(page) if 'alt="Shirt"' in tag]
    assert gallery and _eager(gallery[0])
