"""Template messages: sent with the store account's authorizer token and recorded; the template added
once per store; what each WeChat answer does to the send job; delivery reports (TEMPLATESENDJOBFINISH);
order events that send them without the publisher ever waiting for (or failing with) WeChat."""

from __future__ import annotations

import uuid

import pytest
import requests
from rq import Queue
from sqlalchemy import select

from kaidian.customers.models import Customer
from kaidian.platform import audit, events, jobs
from kaidian.platform.extensions import db
from kaidian.platform.models import AuditEvent
from kaidian.platform.tenancy import tenant_context
from kaidian.wechat import tasks, template_messages
from kaidian.wechat.template_models import AccountTemplate, MessageStatus, TemplateMessage
from tests.conftest import login

from .helpers import SECOND_OA, SERVICE_OA, authorize, rows, shopper_login, snapshot

ALPHA = "alpha.localhost"
DATA = {"first": "已收到付款", "keyword1": "KD202611300001", "keyword2": "连衣裙 等2件", "keyword3": "¥128.00"}


@pytest.fixture
def customer(app, sandbox, merchant, alpha) -> Customer:
    """alice, logged in to alpha's store through alpha's service account."""
    authorize(merchant, SERVICE_OA)
    shopper_login(app.test_client(), ALPHA, "alice")
    [row] = rows(app, Customer)
    return row


def send(app, tenant_id, openid, kind="paid", reference="order-1", **options):
    with app.app_context():
        message_id = template_messages.send_template_message(tenant_id, openid, kind, DATA, "http://alpha.localhost/o",
                                                             reference=reference, **options)
        db.session.remove()
    return message_id


def message(app, message_id) -> TemplateMessage:
    [row] = rows(app, TemplateMessage, id=message_id)
    return row


def sent_by_sandbox(sandbox, openid="") -> list[dict]:
    return requests.get(f"{sandbox.base_url}/sandbox/template_messages", params={"openid": openid},
                        timeout=10).json()["messages"]


def authorizer_tokens(sandbox, appid) -> set[str]:
    return set(sandbox.state()["authorizers"][appid]["access_tokens"])


def test_a_message_is_sent_with_the_authorizer_token_and_recorded(app, sandbox, customer, alpha):
    message_id = send(app, alpha.tenant_id, customer.openid)
    row = message(app, message_id)
    assert (row.status, row.appid, row.openid, row.kind, row.reference) == (
        MessageStatus.SENT, SERVICE_OA, customer.openid, "paid", "order-1")
    assert row.msgid and row.errcode == 0 and row.attempts == 1 and row.sent_at is not None
    [delivered] = sent_by_sandbox(sandbox, customer.openid)
    assert delivered["msgid"] == row.msgid and delivered["appid"] == SERVICE_OA
    assert delivered["data"]["keyword1"] == {"value": "KD202611300001"} and delivered["url"] == "http://alpha.localhost/o"
    [call] = [c for c in sandbox.state()["calls"] if c["endpoint"] == "message_template_send"]
    assert call["params"]["access_token"] in authorizer_tokens(sandbox, SERVICE_OA)


def test_the_same_request_twice_is_one_message(app, sandbox, customer, alpha):
    first = send(app, alpha.tenant_id, customer.openid)
    again = send(app, alpha.tenant_id, customer.openid)
    assert first == again and len(rows(app, TemplateMessage)) == 1 and sandbox.count("message_template_send") == 1


def test_the_template_is_added_once_per_store_and_kind(app, sandbox, customer, alpha, bravo):
    for n in range(3):
        send(app, alpha.tenant_id, customer.openid, reference=f"order-{n}")
    send(app, alpha.tenant_id, customer.openid, kind="shipped")
    other = app.test_client()
    login(other, bravo.login)
    authorize(other, SECOND_OA)
    send(app, bravo.tenant_id, "o-bravo-shopper", reference="order-b")
    assert sandbox.count("api_add_template") == 3  # alpha paid, alpha shipped, bravo paid
    templates = {(t.tenant_id, t.appid, t.kind): t.template_id for t in rows(app, AccountTemplate)}
    assert set(templates) == {(alpha.tenant_id, SERVICE_OA, "paid"), (alpha.tenant_id, SERVICE_OA, "shipped"),
                              (bravo.tenant_id, SECOND_OA, "paid")}
    assert set(sandbox.state()["templates"][SERVICE_OA]) == {templates[(alpha.tenant_id, SERVICE_OA, "paid")],
                                                             templates[(alpha.tenant_id, SERVICE_OA, "shipped")]}


def test_busy_is_retried_by_the_job(app, sandbox, customer, alpha, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_RAISE", False)  # as under RQ: the job's failure is the worker's
    sandbox.fault("message_template_send", errcode=-1, count=3)  # every in-call backoff attempt is busy
    message_id = send(app, alpha.tenant_id, customer.openid)
    row = message(app, message_id)
    assert (row.status, row.errcode, row.attempts, row.msgid) == (MessageStatus.QUEUED, -1, 1, None)
    with app.app_context(), pytest.raises(template_messages.RetryLater):
        sandbox.fault("message_template_send", errcode=-1, count=3)
        tasks.deliver_template_message(alpha.tenant_id, message_id)  # RQ's first retry: busy again
    with app.app_context():
        assert tasks.deliver_template_message(alpha.tenant_id, message_id) == "sent"  # the second one
    row = message(app, message_id)
    assert (row.status, row.attempts, row.errcode) == (MessageStatus.SENT, 3, 0) and row.msgid
    assert len(sent_by_sandbox(sandbox, customer.openid)) == 1


def test_the_send_job_is_queued_with_a_retry_policy_after_commit(app, sandbox, customer, alpha, backend, monkeypatch):
    if not backend.redis_url:
        pytest.skip("needs Redis")
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    message_id = send(app, alpha.tenant_id, customer.openid)
    with app.app_context():
        queue = Queue("default", connection=jobs.get_redis())
        [job] = [j for j in queue.get_jobs() if j.id == f"wechat-template-message-{message_id}"]
        assert job.func_name == "kaidian.wechat.tasks.deliver_template_message"
        assert job.retries_left == template_messages.MAX_ATTEMPTS - 1
        assert job.retry_intervals == template_messages.SEND_RETRY_INTERVALS
        assert message(app, message_id).status == MessageStatus.QUEUED and sandbox.count("message_template_send") == 0
        assert tasks.deliver_template_message(*job.args) == "sent"  # what the worker runs
        queue.empty()


def test_a_shopper_who_does_not_follow_the_account_fails_without_retry(app, sandbox, customer, alpha):
    sandbox.fault("message_template_send", errcode=43004, count=5)
    message_id = send(app, alpha.tenant_id, customer.openid)
    row = message(app, message_id)
    assert (row.status, row.errcode, row.attempts) == (MessageStatus.FAILED, 43004, 1)
    with app.app_context():
        assert tasks.deliver_template_message(alpha.tenant_id, message_id) == "failed"  # a late retry: nothing
    assert sandbox.count("message_template_send") == 1 and sent_by_sandbox(sandbox) == []


def test_the_daily_quota_fails_the_message_without_retrying_blindly(app, sandbox, customer, alpha):
    sandbox.fault("message_template_send", errcode=45009, count=5)
    row = message(app, send(app, alpha.tenant_id, customer.openid))
    assert (row.status, row.errcode) == (MessageStatus.FAILED, 45009)
    assert sandbox.count("message_template_send") == 1


def test_a_store_without_an_official_account_records_the_message_as_failed(app, sandbox, alpha):
    row = message(app, send(app, alpha.tenant_id, "o-someone"))
    assert row.status == MessageStatus.FAILED and "official account" in row.errmsg
    assert sandbox.count("message_template_send") == 0


# --- delivery reports ---------------------------------------------------------------------------


def finish(sandbox, msgid, status="success") -> dict:
    push = sandbox.post("/sandbox/template/finish", msgid=msgid, status=status)["push"]
    assert push["answered_success"], push
    return push


@pytest.mark.parametrize(("reported", "expected"), [
    ("success", MessageStatus.DELIVERED),
    ("failed:user block", MessageStatus.USER_BLOCKED),
    ("failed: system failed", MessageStatus.FAILED),
])
def test_the_delivery_report_updates_the_message(app, sandbox, customer, alpha, reported, expected):
    row = message(app, send(app, alpha.tenant_id, customer.openid))
    push = finish(sandbox, row.msgid, reported)
    assert push["payload"]["FromUserName"] == customer.openid and push["payload"]["MsgID"] == str(row.msgid)
    after = message(app, row.id)
    assert after.status == expected and after.finished_at is not None


def test_a_report_for_an_unknown_msgid_changes_nothing(app, sandbox, customer, alpha):
    row = message(app, send(app, alpha.tenant_id, customer.openid))
    before = snapshot(app)
    push = sandbox.post("/sandbox/push_authorizer_event", appid=SERVICE_OA,
                        event={"Event": "TEMPLATESENDJOBFINISH", "MsgID": str(row.msgid + 999), "Status": "success"})
    assert push["push"]["answered_success"]
    assert snapshot(app) == before and message(app, row.id).status == MessageStatus.SENT


def test_a_forged_report_is_refused_and_changes_nothing(app, sandbox, wechat_env, customer, alpha):
    from .helpers import seal_push

    row = message(app, send(app, alpha.tenant_id, customer.openid))
    fields = {"ToUserName": "gh_5a4db0c00001", "FromUserName": customer.openid, "CreateTime": "1",
              "MsgType": "event", "Event": "TEMPLATESENDJOBFINISH", "MsgID": str(row.msgid), "Status": "success"}
    body, query = seal_push(fields, token="not-the-component-token")
    before = snapshot(app)
    response = requests.post(f"{wechat_env.platform_url}/wechat/authorizers/{SERVICE_OA}/events", params=query,
                             data=body, timeout=10)
    assert response.status_code == 403
    assert snapshot(app) == before and message(app, row.id).status == MessageStatus.SENT


def test_a_second_report_for_the_same_message_changes_nothing(app, sandbox, customer, alpha):
    row = message(app, send(app, alpha.tenant_id, customer.openid))
    finish(sandbox, row.msgid, "failed:user block")
    sandbox.post("/sandbox/push_authorizer_event", appid=SERVICE_OA, event={
        "Event": "TEMPLATESENDJOBFINISH", "MsgID": str(row.msgid), "Status": "success"})
    assert message(app, row.id).status == MessageStatus.USER_BLOCKED


# --- order events ---------------------------------------------------------------------------------


def publish_paid(app, tenant_id, customer_id, order_id=None) -> uuid.UUID:
    """A stand-in for orders: mark something in the store and publish order.paid in one transaction."""
    order_id = order_id or uuid.uuid4()
    with app.app_context(), tenant_context(tenant_id):
        audit.record("order.paid", str(order_id))
        events.publish("order.paid", order_id=str(order_id), order_no="KD202611300001", customer_id=str(customer_id),
                       amount_fen=12800, summary="连衣裙 等2件")
        db.session.commit()
        db.session.remove()
    return order_id


def paid_audits(app, tenant_id) -> list[str]:
    with app.app_context(), tenant_context(tenant_id):
        found = list(db.session.execute(select(AuditEvent.detail).where(AuditEvent.action == "order.paid")).scalars())
        db.session.remove()
    return found


def test_order_paid_sends_the_payment_message(app, sandbox, customer, alpha):
    order_id = publish_paid(app, alpha.tenant_id, customer.id)
    [row] = rows(app, TemplateMessage)
    assert (row.kind, row.reference, row.status, row.openid) == ("paid", str(order_id), MessageStatus.SENT,
                                                                 customer.openid)
    [delivered] = sent_by_sandbox(sandbox, customer.openid)
    assert delivered["title"] == "订单支付成功" and delivered["data"]["keyword3"]["value"] == "¥128.00"
    assert delivered["data"]["first"]["value"] == "我们已收到您的付款，正在为您备货。"  # the store speaks zh
    assert delivered["url"] == f"http://alpha.localhost/orders/{order_id}"


def test_order_shipped_and_an_order_refund_send_their_messages(app, sandbox, customer, alpha):
    order_id = uuid.uuid4()
    with app.app_context(), tenant_context(alpha.tenant_id):
        events.publish("order.shipped", order_id=str(order_id), order_no="KD1", customer_id=str(customer.id),
                       carrier_code="SF", tracking_no="SF1234567890", summary="连衣裙")
        events.publish("refund.succeeded", refund_id=str(uuid.uuid4()), purpose="order", reference_id=str(order_id),
                       amount_fen=5000, customer_id=str(customer.id), order_no="KD1")
        events.publish("refund.succeeded", refund_id=str(uuid.uuid4()), purpose="plan", reference_id="x",
                       amount_fen=100)
        db.session.commit()
        db.session.remove()
    by_title = {m["title"]: m["data"] for m in sent_by_sandbox(sandbox, customer.openid)}
    assert set(by_title) == {"订单发货提醒", "退款通知"}
    assert by_title["订单发货提醒"]["keyword2"]["value"] == "顺丰速运"
    assert by_title["订单发货提醒"]["keyword3"]["value"] == "SF1234567890"
    assert by_title["退款通知"]["keyword2"]["value"] == "¥50.00"


def test_a_failing_send_leaves_the_triggering_transaction_untouched(app, sandbox, customer, alpha, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_RAISE", False)  # as under RQ
    sandbox.fault("message_template_send", errcode=-1, count=3)
    order_id = publish_paid(app, alpha.tenant_id, customer.id)
    assert paid_audits(app, alpha.tenant_id) == [str(order_id)]
    [row] = rows(app, TemplateMessage)
    assert (row.status, row.errcode) == (MessageStatus.QUEUED, -1)
    sandbox.fault("api_authorizer_token", errcode=-1, count=20)  # WeChat unusable: the publisher still commits
    from kaidian.wechat import tokens

    with app.app_context():
        tokens.forget_authorizer_token(SERVICE_OA)
    second = publish_paid(app, alpha.tenant_id, customer.id)
    assert sorted(paid_audits(app, alpha.tenant_id)) == sorted([str(order_id), str(second)])


def test_a_customer_without_an_openid_gets_no_message(app, sandbox, alpha):
    publish_paid(app, alpha.tenant_id, uuid.uuid4())
    assert rows(app, TemplateMessage) == [] and sandbox.count("message_template_send") == 0
