"""Staff notifications: a paid order becomes one notification per order (bell count, list in the reader's
language, email and SMS through the channels), read marks, another store sees none, a failing channel
does not stop the others."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from kaidian.notifications import channels
from kaidian.notifications.models import Notification
from kaidian.platform import events
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant
from kaidian.platform.tenancy import all_tenants, tenant_context
from tests.conftest import login, post_form


def paid(app, tenant_id, order_id=None, amount_fen=12800) -> str:
    order_id = str(order_id or uuid.uuid4())
    with app.app_context(), tenant_context(tenant_id):
        db.session.get(Tenant, tenant_id)  # a transaction, as the publisher's would be
        events.publish("order.paid", order_id=order_id, order_no="KD202611300001", customer_id=str(uuid.uuid4()),
                       amount_fen=amount_fen, summary="连衣裙 等2件")
        db.session.commit()
        db.session.remove()
    return order_id


def notifications(app, tenant_id=None) -> list[Notification]:
    with app.app_context(), all_tenants():
        query = select(Notification)
        if tenant_id is not None:
            query = query.where(Notification.tenant_id == tenant_id)
        found = list(db.session.execute(query).scalars())
        for row in found:
            db.session.expunge(row)
        db.session.remove()
    return found


def staff_client(app, store, lang="en"):
    client = app.test_client()
    client.set_cookie("lang", lang, domain="localhost")
    login(client, store.login)
    return client


def bell(client) -> str:
    page = client.get("/admin/notifications/")
    assert page.status_code == 200
    return page.get_data(as_text=True)


@pytest.fixture
def alpha(make_store):
    return make_store("alpha")


@pytest.fixture
def bravo(make_store):
    return make_store("bravo")


def test_a_paid_order_notifies_the_store_once(app, alpha):
    order_id = paid(app, alpha.tenant_id)
    paid(app, alpha.tenant_id, order_id)  # the event again (a retried job): still one
    [row] = notifications(app)
    assert (row.tenant_id, row.kind, row.read_at) == (alpha.tenant_id, "order.paid", None)
    assert row.params == {"order_id": order_id, "order_no": "KD202611300001", "amount_fen": 12800,
                          "summary": "连衣裙 等2件"}


def test_the_bell_counts_unread_and_the_list_reads_in_each_language(app, alpha):
    paid(app, alpha.tenant_id)
    paid(app, alpha.tenant_id, amount_fen=990)
    english = bell(staff_client(app, alpha))
    assert 'data-unread="2"' in english and "Notifications: 2 unread" in english
    assert "New paid order KD202611300001: ¥128.00, 连衣裙 等2件" in english and "¥9.90" in english
    order_ids = [row.params["order_id"] for row in notifications(app)]
    assert all(f'href="/admin/orders/{order_id}' in english for order_id in order_ids)  # each links its order
    chinese = bell(staff_client(app, alpha, "zh"))
    assert "新的已付款订单 KD202611300001：¥128.00，连衣裙 等2件" in chinese and "通知：2 条未读" in chinese


def test_reading_the_list_changes_nothing(app, alpha):
    paid(app, alpha.tenant_id)
    client = staff_client(app, alpha)
    bell(client)
    bell(client)
    assert [row.read_at for row in notifications(app)] == [None]


def test_marking_one_and_then_all_read(app, alpha):
    first, second = paid(app, alpha.tenant_id), paid(app, alpha.tenant_id)
    client = staff_client(app, alpha)
    ids = {row.params["order_id"]: row.id for row in notifications(app)}
    response = post_form(client, "/admin/notifications/read", {"id": str(ids[first])})
    assert response.status_code == 302
    assert {r.params["order_id"]: r.read_at is not None for r in notifications(app)} == {first: True, second: False}
    assert 'data-unread="1"' in bell(client)
    post_form(client, "/admin/notifications/read", {})
    page = bell(client)
    assert 'data-unread="0"' in page and 'class="count"' not in page
    assert all(row.read_at is not None for row in notifications(app))


def test_a_malformed_id_is_refused_and_changes_nothing(app, alpha):
    paid(app, alpha.tenant_id)
    client = staff_client(app, alpha)
    response = post_form(client, "/admin/notifications/read", {"id": "not-an-id"})
    assert response.status_code == 400
    assert [row.read_at for row in notifications(app)] == [None]


def test_another_store_sees_and_marks_none_of_them(app, alpha, bravo):
    paid(app, alpha.tenant_id)
    [row] = notifications(app)
    client = staff_client(app, bravo)
    page = bell(client)
    assert 'data-unread="0"' in page and "KD202611300001" not in page
    response = post_form(client, "/admin/notifications/read", {"id": str(row.id)})
    assert response.status_code == 302
    assert [r.read_at for r in notifications(app)] == [None]


def test_the_notification_is_emailed_to_the_store(app, alpha):
    app.extensions.pop("kaidian_outbox", None)  # the welcome mail
    paid(app, alpha.tenant_id)
    [(to, subject, body)] = app.extensions.get("kaidian_outbox", [])
    assert to == alpha.login and subject.endswith("：新通知")
    assert body == "新的已付款订单 KD202611300001：¥128.00，连衣裙 等2件"  # in the store's language (zh)
    [row] = notifications(app)
    assert row.deliveries == {"email": "sent", "sms": "skipped: no mobile number",
                              "wechat": "skipped: no official account"}


def test_a_failing_channel_does_not_stop_the_others(app, alpha, monkeypatch):
    def boom(tenant, subject, text, topic=""):
        raise channels.ChannelFailed("provider down")

    monkeypatch.setitem(channels.CHANNELS, "boom", boom)
    monkeypatch.setitem(app.config, "NOTIFY_CHANNELS", "boom,email")
    app.extensions.pop("kaidian_outbox", None)  # the welcome mail
    paid(app, alpha.tenant_id)
    [row] = notifications(app)
    assert row.deliveries == {"boom": "failed: provider down", "email": "sent"}
    assert len(app.extensions.get("kaidian_outbox", [])) == 1


def test_every_admin_page_carries_the_bell(app, alpha):
    paid(app, alpha.tenant_id)
    page = staff_client(app, alpha).get("/admin/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="notification-bell"' in html and 'data-unread="1"' in html and '<span class="count">1</span>' in html
