"""One rich-text policy (kaidian/platform/richtext.py) on save and on render: a size chart's table
survives both; scripts, event handlers and javascript: links survive neither."""

import pytest

from kaidian.platform import richtext
from tests.catalog.helpers import create, simple

STORE = "http://alpha.localhost"
SIZE_CHART = ("<h3>Size chart</h3><table><thead><tr><th>Size</th><th>Chest</th></tr></thead>"
              "<tbody><tr><td>S</td><td>80cm</td></tr><tr><td>M</td><td>84cm</td></tr></tbody></table>")
HOSTILE = ('<table onclick="steal()"><tr><td onmouseover="x()">S<script>alert(1)</script></td>'
           '<td><a href="javascript:alert(2)">80cm</a><img src="x" onerror="alert(3)"></td></tr></table>')


def _page(client, headers, description):
    product = create(client, headers, simple("Dress", status="on_sale", description=description))
    response = client.get(f"/products/{product['id']}", base_url=STORE)
    assert response.status_code == 200
    return product, response.get_data(as_text=True)


def test_a_size_chart_table_survives_save_and_render(client, headers):
    product, html = _page(client, headers, SIZE_CHART)
    assert "<table>" in product["description"] and "<td>80cm</td>" in product["description"]
    assert "<table>" in html and "<th>Chest</th>" in html and "<td>S</td><td>80cm</td>" in html


def test_scripts_and_handlers_never_survive_save_or_render(client, headers):
    product, html = _page(client, headers, HOSTILE)
    assert "<td>S</td>" in product["description"]  # the table itself is kept
    for stored_or_shown in (product["description"], html.split('id="sku-data"')[0]):
        for needle in ("onclick", "onmouseover", "onerror", "alert(1)", "javascript:", "steal"):
            assert needle not in stored_or_shown


@pytest.mark.parametrize("html", [SIZE_CHART, HOSTILE, "<p>plain</p>"])
def test_cleaning_is_idempotent(html):
    once = richtext.clean(html)
    assert richtext.clean(once) == once


def test_the_catalog_and_the_storefront_share_the_policy():
    import kaidian.catalog.products as products
    import kaidian.catalog.store_data as data
    import kaidian.themes.settings as settings

    assert products.richtext is data.richtext is settings.richtext is richtext
