"""The subscription JSON API (``/api/v1/subscription…``): plan, limits and usage, state and days left,
payments and receipts, for the token's store only; read-only."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.billing.helpers import notify_paid, open_order
from tests.conftest import api_token

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def alpha(make_store):
    with time_machine.travel(START, tick=False):
        return make_store("alpha")


@pytest.fixture
def bravo(make_store):
    with time_machine.travel(START, tick=False):
        return make_store("bravo", plan="pro")


def test_a_trial_store_reads_its_plan_usage_and_days_left(app, client, alpha):
    with time_machine.travel(START + timedelta(days=2, hours=1), tick=False):
        headers = api_token(client, alpha.login)
        body = client.get("/api/v1/subscription", headers=headers).get_json()
    assert body["state"] == "trial" and body["days_left"] == 5 and body["pending_plan"] == ""
    assert body["plan"]["code"] == "basic" and "api_access" in body["plan"]["features"]
    assert body["plan"]["limits"] == {"products": 100, "staff": 2, "pages": 5}
    staff = next(row for row in body["usage"] if row["limit"] == "staff")
    assert (staff["used"], staff["allowed"], staff["over"]) == (1, 2, False)
    assert body["period_end"].startswith("2026-03-08")


def test_payments_and_receipts_after_paying(app, client, alpha):
    with time_machine.travel(START + timedelta(days=1), tick=False):
        paid = open_order(app, alpha.tenant_id, "basic", "year")
        notify_paid(app, alpha.tenant_id, paid["id"], paid["amount_fen"], "wx-1")
    with time_machine.travel(START + timedelta(days=1, hours=1), tick=False):
        pending = open_order(app, alpha.tenant_id, "pro", "year")  # an upgrade, not paid yet
        headers = api_token(client, alpha.login)
        sub = client.get("/api/v1/subscription", headers=headers).get_json()
        payments = client.get("/api/v1/subscription/payments", headers=headers).get_json()
        receipts = client.get("/api/v1/subscription/receipts", headers=headers).get_json()
    assert sub["state"] == "active" and sub["days_left"] == 365 + 6  # the trial's days kept
    assert [(p["id"], p["status"]) for p in payments] == [(str(pending["id"]), "pending"), (str(paid["id"]), "paid")]
    assert payments[1]["amount_fen"] == 698_00 and payments[1]["amount_text"] == "¥698.00"
    [receipt] = receipts
    assert receipt["payment_id"] == str(paid["id"]) and receipt["receipt_no"].startswith("KD2026-")
    assert receipt["invoice_status"] is None and receipt["amount_text"] == "¥698.00"
    pdf = client.get(receipt["pdf_url"], headers=headers)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_another_store_reads_only_its_own(app, client, alpha, bravo):
    with time_machine.travel(START + timedelta(days=1), tick=False):
        paid = open_order(app, alpha.tenant_id, "basic", "year")
        notify_paid(app, alpha.tenant_id, paid["id"], paid["amount_fen"], "wx-1")
        alpha_receipt = client.get("/api/v1/subscription/receipts",
                                   headers=api_token(client, alpha.login)).get_json()[0]
        headers = api_token(client, bravo.login)
        assert client.get("/api/v1/subscription", headers=headers).get_json()["plan"]["code"] == "pro"
        assert client.get("/api/v1/subscription/payments", headers=headers).get_json() == []
        assert client.get("/api/v1/subscription/receipts", headers=headers).get_json() == []
        assert client.get(alpha_receipt["pdf_url"], headers=headers).status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/subscription", "/api/v1/subscription/payments",
                                  "/api/v1/subscription/receipts"])
def test_read_only_and_token_authenticated(app, client, alpha, path):
    assert client.get(path).status_code == 401
    headers = api_token(client, alpha.login)
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(path, headers=headers, json={}).status_code == 405
    assert client.get(path, headers={"Authorization": "Bearer kd_forged"}).status_code == 401
