"""The order admin in a real browser: ship an order from its page, and an export's progress bar
polling its status until the download appears."""

from __future__ import annotations

import re

from kaidian.orders.models import OrderExport
from kaidian.platform.extensions import db
from tests import factories
from tests.orders.test_admin import goods, load  # noqa: F401 - a fixture and a helper


def test_ship_from_the_order_page(app, store, goods, logged_in):  # noqa: F811 - the fixture
    page = logged_in(store.login)
    page.goto("/admin/orders/?tab=paid")
    page.click(f"text={goods['paid'].number}")
    page.select_option("select[name=carrier_code]", "ZTO")
    page.fill("input[name=tracking_number]", "ZT20261130")
    with page.expect_navigation():
        page.click("#ship button[type=submit]")
    assert "Order shipped." in page.content()
    assert page.locator(".timeline strong", has_text="Shipped").count() == 1
    order = load(app, goods["paid"].id)
    assert (order.status, order.carrier, order.tracking_number) == ("shipped", "ZTO", "ZT20261130")


def test_the_export_page_follows_the_job(app, store, goods, logged_in):  # noqa: F811 - the fixture
    from kaidian.orders import tasks

    with factories.in_store(app, store.tenant_id):  # queued, as if the worker had not taken it yet
        row = OrderExport(file_format="csv", filters={"tab": "all"})
        db.session.add(row)
        db.session.commit()
        export_id = row.id
    page = logged_in(store.login)
    page.goto(f"/admin/orders/exports/{export_id}")
    assert page.locator("#export-progress progress").get_attribute("value") == "0"
    assert page.locator("text=Download").count() == 0
    with app.app_context():
        tasks.run_export(store.tenant_id, export_id)  # the worker runs it; the page reloads when done
        db.session.remove()
    page.wait_for_selector("a.button:has-text('Download')")
    assert page.locator("[data-progress=processed]").inner_text() == "3"
    assert re.search(r"100\s*%", page.locator("#export-progress").inner_text())
