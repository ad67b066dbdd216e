"""The merchant admin's order pages: the list (tabs with counts, filters), the detail with its
timeline, 改价, cancel, remarks, shipping one order or many from a CSV, exports with their progress,
after-sales handling, permissions and a read-only store."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from kaidian.orders.models import AfterSale, Order, OrderEvent, OrderExport
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant, TenantStatus
from kaidian.platform.tenancy import all_tenants
from tests import factories
from tests.conftest import csrf_token, login
from tests.orders.helpers import ADDRESS, checkout_body, make_customer, product, sku_stock

EN = {"Accept-Language": "en"}
SHANGHAI = ZoneInfo("Asia/Shanghai")


def place(app, store, customer_id, sku, quantity=1, price=1990, **extra) -> Order:
    from kaidian.orders import checkout

    with factories.in_store(app, store.tenant_id):
        order, _ = checkout.place(customer_id, checkout_body([(sku, quantity)], total=price * quantity, **extra))
        db.session.commit()
        return _plain(order)


def pay(app, store, order) -> None:
    from kaidian.orders import services

    with factories.in_store(app, store.tenant_id):
        services.apply_payment(order.id, payment_id=f"pay-{order.number}", amount_fen=order.total_fen,
                               transaction_id=f"wx-{order.number}")


def _plain(order) -> Order:
    db.session.refresh(order)
    db.session.expunge(order)
    return order


def load(app, order_id) -> Order:
    with app.app_context(), all_tenants():
        order = db.session.execute(select(Order).where(Order.id == order_id)).scalar_one()
        db.session.expunge(order)
        db.session.remove()
        return order


def events(app, order_id) -> list[str]:
    with app.app_context(), all_tenants():
        rows = db.session.execute(select(OrderEvent.action).where(OrderEvent.order_id == order_id)
                                  .order_by(OrderEvent.created_at, OrderEvent.id)).scalars().all()
        db.session.remove()
        return list(rows)


@pytest.fixture
def merchant(client, store):
    login(client, store.login)
    return client


@pytest.fixture
def goods(app, store, payments):
    """Three orders of one customer: pending (mug), paid (mug ×2), paid pickup-less teapot, plus the ids."""
    customer = make_customer(app, store.tenant_id)
    _, mug = product(app, store.tenant_id, title="Mug", price=1990, stock=20)
    _, teapot = product(app, store.tenant_id, title="Teapot", price=5000, stock=20)
    pending = place(app, store, customer, mug)
    paid = place(app, store, customer, mug, 2, address=dict(ADDRESS, name="李四", mobile="13900139000"))
    pay(app, store, paid)
    tea = place(app, store, customer, teapot, 1, price=5000)
    pay(app, store, tea)
    return {"customer": customer, "mug": mug, "teapot": teapot, "pending": pending, "paid": paid, "tea": tea}


def form(client, path, data=None, **kwargs):
    body = {"csrf_token": csrf_token(client, "/admin/orders/"), **(data or {})}
    return client.post(path, data=body, headers=EN, **kwargs)


# --- the list ----------------------------------------------------------------------------------------


def test_the_list_has_tabs_with_counts_and_filters(app, merchant, goods):
    page = merchant.get("/admin/orders/", headers=EN).get_data(as_text=True)
    assert "All (3)" in page and "Pending payment (1)" in page and "To ship (2)" in page and "Shipped (0)" in page
    assert goods["pending"].number in page and "¥19.90" in page
    to_ship = merchant.get("/admin/orders/?tab=paid", headers=EN).get_data(as_text=True)
    assert goods["paid"].number in to_ship and goods["pending"].number not in to_ship
    for q, expected in [("李四", {"paid"}), ("13900139000", {"paid"}), ("teapot", {"tea"}),
                        (goods["pending"].number, {"pending"}), ("nobody", set())]:
        page = merchant.get("/admin/orders/", query_string={"q": q}, headers=EN).get_data(as_text=True)
        assert {key for key in ("pending", "paid", "tea") if goods[key].number in page} == expected, q
    today = goods["paid"].created_at.astimezone(SHANGHAI).date()  # the store's day (Babel's time zone)
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert goods["paid"].number not in merchant.get(f"/admin/orders/?created_from={tomorrow}").get_data(as_text=True)
    assert goods["paid"].number in merchant.get(f"/admin/orders/?created_to={today}").get_data(as_text=True)
    assert goods["paid"].number in merchant.get(f"/admin/orders/?created_from={today}").get_data(as_text=True)
    assert goods["paid"].number not in merchant.get("/admin/orders/?delivery_method=pickup").get_data(as_text=True)
    # a malformed filter is ignored (the tab kept), never a 500
    response = merchant.get("/admin/orders/?tab=paid&created_from=yesterday&page=-3", headers=EN)
    assert response.status_code == 200 and goods["pending"].number not in response.get_data(as_text=True)


def test_dates_are_the_stores_days_and_times(app, merchant, store, goods):
    """An order placed at 00:30 on 1 December in Beijing (16:30 UTC the day before) is a December order."""
    from sqlalchemy import update

    late = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)
    with app.app_context(), all_tenants():
        db.session.execute(update(Order).where(Order.id == goods["paid"].id).values(created_at=late))
        db.session.commit()
    december = merchant.get("/admin/orders/?created_from=2026-12-01&created_to=2026-12-01").get_data(as_text=True)
    november = merchant.get("/admin/orders/?created_from=2026-11-30&created_to=2026-11-30").get_data(as_text=True)
    assert goods["paid"].number in december and goods["paid"].number not in november
    assert "2026-12-01 00:30" in merchant.get(f"/admin/orders/{goods['paid'].id}").get_data(as_text=True)


def test_the_list_pages(app, merchant, store, payments):
    customer = make_customer(app, store.tenant_id)
    _, mug = product(app, store.tenant_id, stock=30)
    numbers = [place(app, store, customer, mug).number for _ in range(22)]
    first = merchant.get("/admin/orders/").get_data(as_text=True)
    second = merchant.get("/admin/orders/?page=2").get_data(as_text=True)
    assert "1 / 2" in first and sum(n in first for n in numbers) == 20 and sum(n in second for n in numbers) == 2


def test_the_after_sales_tab_counts_orders_with_open_requests(app, merchant, store, goods):
    from kaidian.orders import aftersales

    with factories.in_store(app, store.tenant_id):
        line = db.session.execute(select(Order).where(Order.id == goods["tea"].id)).scalar_one().lines[0]
        aftersales.request(goods["customer"], goods["tea"].id, {"kind": "refund_only", "reason": "broken",
                                                               "items": [{"line_id": str(line.id), "quantity": 1}]})
    page = merchant.get("/admin/orders/?tab=after_sale", headers=EN).get_data(as_text=True)
    assert "After-sales (1)" in page and goods["tea"].number in page and goods["paid"].number not in page


# --- one order ---------------------------------------------------------------------------------------


def test_the_detail_shows_lines_delivery_payment_and_the_timeline(app, merchant, store, goods):
    order = goods["paid"]
    page = merchant.get(f"/admin/orders/{order.id}", headers=EN).get_data(as_text=True)
    assert "Mug" in page and "¥39.80" in page and "李四" in page and "13900139000" in page
    assert f"wx-{order.number}" in page  # the payment's transaction
    assert "Order placed" in page and "Paid" in page and "Customer" in page and "System" in page
    response = form(merchant, f"/admin/orders/{order.id}/remark", {"remark": "VIP, gift wrap"})
    assert response.status_code == 302
    page = merchant.get(f"/admin/orders/{order.id}", headers=EN).get_data(as_text=True)
    assert "VIP, gift wrap" in page and '<span class="who">Staff Alpha</span>' in page
    from kaidian.platform.console import entry_url

    with app.test_request_context():  # where a platform page (the new-order bell) links an order
        assert entry_url("order_admin", order_id=order.id) == f"/admin/orders/{order.id}"
    assert events(app, order.id)[-1] == "remark"


def test_price_change_before_payment_is_recorded_and_refused_after(app, merchant, store, goods):
    pending, paid = goods["pending"], goods["paid"]
    response = form(merchant, f"/admin/orders/{pending.id}/price", {"total_yuan": "15.00", "freight_yuan": "0"})
    assert response.status_code == 302
    changed = load(app, pending.id)
    assert (changed.total_fen, changed.adjust_fen) == (1500, -490)
    assert events(app, pending.id)[-1] == "change_price"
    page = merchant.get(f"/admin/orders/{pending.id}", headers=EN).get_data(as_text=True)
    assert "<strong>Price changed</strong>" in page and "¥19.90 → ¥15.00 (freight ¥0.00)" in page
    assert "-¥4.90" in page
    # after payment: refused, nothing changed
    before = events(app, paid.id)
    response = form(merchant, f"/admin/orders/{paid.id}/price", {"total_yuan": "1.00"}, follow_redirects=True)
    assert "cannot" in response.get_data(as_text=True)
    assert load(app, paid.id).total_fen == 3980 and events(app, paid.id) == before
    # a malformed amount: 422 with the reason, nothing changed
    response = form(merchant, f"/admin/orders/{pending.id}/price", {"total_yuan": "abc"})
    assert response.status_code == 422 and load(app, pending.id).total_fen == 1500


def test_cancel_with_a_reason_returns_the_stock(app, merchant, store, goods):
    before = sku_stock(app, goods["mug"])
    response = form(merchant, f"/admin/orders/{goods['pending'].id}/cancel", {"reason": "Out of stock"})
    assert response.status_code == 302
    assert load(app, goods["pending"].id).status == "cancelled" and sku_stock(app, goods["mug"]) == before + 1
    page = merchant.get(f"/admin/orders/{goods['pending'].id}", headers=EN).get_data(as_text=True)
    assert "Out of stock" in page and "Cancelled" in page


@pytest.mark.parametrize("tracking", ["", "SF-123", "X" * 33, "运单123"])
def test_shipping_refuses_a_bad_tracking_number(app, merchant, goods, tracking):
    order = goods["paid"]
    response = form(merchant, f"/admin/orders/{order.id}/ship", {"carrier_code": "SF", "tracking_number": tracking})
    assert response.status_code == 422
    assert load(app, order.id).status == "paid" and "ship" not in events(app, order.id)


def test_ship_one_order_and_see_its_trace(app, merchant, goods, monkeypatch):
    from kaidian.platform import shipping_trace

    monkeypatch.setattr(shipping_trace, "trace", lambda code, number: [
        {"time": "2026-11-30 10:00:00", "text": f"{code} {number} picked up"}])
    order = goods["paid"]
    assert form(merchant, f"/admin/orders/{order.id}/ship",
                {"carrier_code": "XX", "tracking_number": "SF1234567890"}).status_code == 422
    response = form(merchant, f"/admin/orders/{order.id}/ship",
                    {"carrier_code": "SF", "tracking_number": "SF1234567890"})
    assert response.status_code == 302
    shipped = load(app, order.id)
    assert (shipped.status, shipped.carrier, shipped.tracking_number) == ("shipped", "SF", "SF1234567890")
    page = merchant.get(f"/admin/orders/{order.id}", headers=EN).get_data(as_text=True)
    assert "SF SF1234567890 picked up" in page and "SF Express" in page


# --- many orders -------------------------------------------------------------------------------------


def csv_file(rows, header=("订单号", "快递公司", "运单号")) -> tuple:
    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    return io.BytesIO(out.getvalue().encode()), "ship.csv"


def test_ship_many_from_a_csv_with_bad_rows(app, merchant, store, goods):
    paid, tea, pending = goods["paid"], goods["tea"], goods["pending"]
    rows = [(paid.number, "SF", "SF0001"), (pending.number, "ZTO", "ZT1"), ("NOPE123", "SF", "SF2"),
            (tea.number, "UPS", "1Z999"), (tea.number, "中通快递", "ZT-bad"), (tea.number, "中通快递", "ZT0002"),
            (paid.number, "SF", "SF0003")]
    response = form(merchant, "/admin/orders/ship-csv", {"file": csv_file(rows)})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "1 shipped" not in page and "2 shipped, 5 skipped" in page
    assert "No such order" in page and "Unknown carrier" in page and "earlier row" in page
    assert (load(app, paid.id).status, load(app, paid.id).tracking_number) == ("shipped", "SF0001")
    assert (load(app, tea.id).carrier, load(app, tea.id).tracking_number) == ("ZTO", "ZT0002")
    assert load(app, pending.id).status == "pending_payment" and "ship" not in events(app, pending.id)
    assert events(app, tea.id).count("ship") == 1


def test_a_csv_file_is_bounded(app, merchant, goods, monkeypatch):
    from kaidian.orders import bulk_ship

    monkeypatch.setattr(bulk_ship, "MAX_ROWS", 3)
    rows = [(goods["paid"].number, "SF", f"SF{i}") for i in range(4)]
    response = form(merchant, "/admin/orders/ship-csv", {"file": csv_file(rows)})
    assert response.status_code == 422 and "At most 3 rows" in response.get_data(as_text=True)
    response = form(merchant, "/admin/orders/ship-csv", {"file": (io.BytesIO(b"\x00\xff\xfe" * 10), "x.csv")})
    assert response.status_code == 422
    assert load(app, goods["paid"].id).status == "paid"


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_writes_the_filtered_orders_with_progress(app, merchant, store, goods, monkeypatch, file_format):
    from kaidian.orders import exports

    monkeypatch.setattr(exports, "BATCH_SIZE", 1)
    seen = []
    real_lock = exports._lock

    def watch(export_id):  # the progress each batch commits
        row = real_lock(export_id)
        seen.append(row.processed if row is not None else None)
        return row

    monkeypatch.setattr(exports, "_lock", watch)
    response = form(merchant, "/admin/orders/exports", {"tab": "paid", "file_format": file_format})
    assert response.status_code == 302
    export_id = response.headers["Location"].rstrip("/").split("/")[-1]
    progress = merchant.get(f"/admin/orders/exports/{export_id}/progress").get_json()
    assert progress == {"status": "done", "total": 2, "processed": 2, "percent": 100, "finished": True, "error": ""}
    assert 1 in seen  # the first batch's progress was committed before the second
    page = merchant.get(f"/admin/orders/exports/{export_id}", headers=EN).get_data(as_text=True)
    assert "Download" in page and "export-progress" in page
    download = merchant.get(f"/admin/orders/exports/{export_id}/download", headers={"Accept-Encoding": "br, gzip"})
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert "Content-Encoding" not in download.headers  # a download goes as it is, never recompressed
    if file_format == "csv":
        table = list(csv.reader(io.StringIO(download.data.decode("utf-8-sig"))))
    else:
        table = [[str(c) if c is not None else "" for c in row]
                 for row in load_workbook(io.BytesIO(download.data)).active.iter_rows(values_only=True)]
    numbers = {row[0] for row in table[1:]}
    assert numbers == {goods["paid"].number, goods["tea"].number}
    paid_row = next(row for row in table if row[0] == goods["paid"].number)
    assert "李四" in paid_row and "13900139000" in paid_row and "39.80" in paid_row
    # the job is idempotent: running it again leaves the finished export alone
    from kaidian.orders import tasks

    with app.app_context():
        tasks.run_export(store.tenant_id, uuid.UUID(export_id))
        with all_tenants():
            row = db.session.execute(select(OrderExport)).scalar_one()
            assert (row.status, row.processed) == ("done", 2)
        db.session.remove()


def test_an_unfinished_export_has_no_file(app, merchant, store):
    with factories.in_store(app, store.tenant_id):
        row = OrderExport(file_format="csv", filters={})
        db.session.add(row)
        db.session.commit()
        export_id = row.id
    assert merchant.get(f"/admin/orders/exports/{export_id}/download").status_code == 404
    assert merchant.get(f"/admin/orders/exports/{export_id}/progress").get_json()["finished"] is False


# --- after-sales -------------------------------------------------------------------------------------


def _request(app, store, goods, kind, order_key="tea"):
    from kaidian.orders import aftersales

    with factories.in_store(app, store.tenant_id):
        order = db.session.execute(select(Order).where(Order.id == goods[order_key].id)).scalar_one()
        row = aftersales.request(goods["customer"], order.id, {
            "kind": kind, "reason": "Broken", "items": [{"line_id": str(order.lines[0].id), "quantity": 1}]})
        return row.id


def _after_sale(app, after_sale_id) -> AfterSale:
    with app.app_context(), all_tenants():
        row = db.session.execute(select(AfterSale).where(AfterSale.id == after_sale_id)).scalar_one()
        db.session.expunge(row)
        db.session.remove()
        return row


def test_approve_a_refund_only_request_refunds_through_payments(app, merchant, store, goods, payments):
    after_sale_id = _request(app, store, goods, "refund_only")
    page = merchant.get("/admin/orders/after-sales", headers=EN).get_data(as_text=True)
    assert "Broken" in page and goods["tea"].number in page and "Approve and refund" in page
    assert form(merchant, f"/admin/orders/after-sales/{after_sale_id}/approve").status_code == 302
    assert _after_sale(app, after_sale_id).status == "approved"
    refund_number = _after_sale(app, after_sale_id).refund_number
    assert [call["out_refund_no"] for call in payments.named("refund")] == [refund_number]


def test_a_return_gets_an_address_then_goods_received_refunds(app, merchant, store, goods, payments):
    from kaidian.orders import aftersales

    form(merchant, f"/admin/orders/{goods['tea'].id}/ship", {"carrier_code": "SF", "tracking_number": "SF77"})
    after_sale_id = _request(app, store, goods, "return_refund")
    response = form(merchant, f"/admin/orders/after-sales/{after_sale_id}/approve", {"return_address": ""},
                    follow_redirects=True)
    assert "address" in response.get_data(as_text=True) and _after_sale(app, after_sale_id).status == "requested"
    form(merchant, f"/admin/orders/after-sales/{after_sale_id}/approve", {"return_address": "深圳市南山区 退货仓"})
    assert _after_sale(app, after_sale_id).return_address == "深圳市南山区 退货仓" and payments.named("refund") == []
    with factories.in_store(app, store.tenant_id):
        aftersales.ship_return(goods["customer"], after_sale_id, {"carrier": "SF", "tracking_number": "SF88"})
    assert "Goods received" in merchant.get("/admin/orders/after-sales", headers=EN).get_data(as_text=True)
    assert form(merchant, f"/admin/orders/after-sales/{after_sale_id}/received").status_code == 302
    assert len(payments.named("refund")) == 1


def test_reject_needs_a_reason(app, merchant, store, goods):
    after_sale_id = _request(app, store, goods, "refund_only")
    form(merchant, f"/admin/orders/after-sales/{after_sale_id}/reject", {"reason": ""})
    assert _after_sale(app, after_sale_id).status == "requested"
    form(merchant, f"/admin/orders/after-sales/{after_sale_id}/reject", {"reason": "Used already"})
    row = _after_sale(app, after_sale_id)
    assert (row.status, row.reject_reason) == ("rejected", "Used already")


# --- who may -----------------------------------------------------------------------------------------


def test_staff_without_the_orders_permission_gets_403(app, client, store, goods):
    factories.member(app, store, "clerk@example.com")
    factories.member(app, store, "shipper@example.com", ["orders.manage"])
    login(client, "clerk@example.com")
    order = goods["paid"]
    assert client.get("/admin/orders/").status_code == 200  # seeing is store.view
    ship = {"carrier_code": "SF", "tracking_number": "SF1"}
    for path, data in [(f"/admin/orders/{order.id}/ship", ship), (f"/admin/orders/{order.id}/remark", {"remark": "x"}),
                       (f"/admin/orders/{goods['pending'].id}/price", {"total_yuan": "1"}),
                       ("/admin/orders/exports", {"tab": "all"}),
                       ("/admin/orders/ship-csv", {"file": csv_file([(order.number, "SF", "SF1")])})]:
        assert form(client, path, data).status_code == 403, path
    assert load(app, order.id).status == "paid" and load(app, goods["pending"].id).total_fen == 1990
    client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/orders/")})
    other = app.test_client()
    login(other, "shipper@example.com")
    assert form(other, f"/admin/orders/{order.id}/ship", ship).status_code == 302
    assert load(app, order.id).status == "shipped"


def test_another_stores_order_is_a_404(app, merchant, other_store, payments):
    customer = make_customer(app, other_store.tenant_id)
    _, mug = product(app, other_store.tenant_id)
    theirs = place(app, other_store, customer, mug)
    assert merchant.get(f"/admin/orders/{theirs.id}").status_code == 404
    assert form(merchant, f"/admin/orders/{theirs.id}/price", {"total_yuan": "1"}).status_code == 404
    assert load(app, theirs.id).total_fen == 1990
    page = merchant.get(f"/admin/orders/?q={theirs.number}", headers=EN).get_data(as_text=True)
    assert str(theirs.id) not in page and "No orders here." in page


def test_a_read_only_store_refuses_writes(app, merchant, store, goods):
    with app.app_context(), all_tenants():
        db.session.get(Tenant, store.tenant_id).status = TenantStatus.SUSPENDED
        db.session.commit()
    order = goods["paid"]
    assert merchant.get(f"/admin/orders/{order.id}").status_code == 200
    response = form(merchant, f"/admin/orders/{order.id}/ship", {"carrier_code": "SF", "tracking_number": "SF1"})
    assert response.status_code in (302, 403)
    assert load(app, order.id).status == "paid" and "ship" not in events(app, order.id)
    form(merchant, "/admin/orders/exports", {"tab": "all"})
    with app.app_context(), all_tenants():
        assert db.session.execute(select(OrderExport)).first() is None
        db.session.remove()
