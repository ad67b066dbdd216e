"""Shopper login inside a store's mini program, over HTTP against the sandbox: ``wx.login`` (the sandbox's
stand-in) → ``POST /api/mp/login`` → jscode2session in component mode → one customer per openid per store,
a bearer token for the mini program's calls, and its single-use hand-off to the web-view's cookie session."""

from __future__ import annotations

import threading
import uuid

import pytest
import requests
from sqlalchemy import select

from kaidian.customers.models import AppSession, Customer
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant, TenantStatus
from kaidian.platform.secrets import token_digest
from kaidian.platform.tenancy import all_tenants
from tests.conftest import login

from .helpers import MINI_PROGRAM, SERVICE_OA, authorize, rows, snapshot

OTHER_MINI_PROGRAM = "wx5a4db0c000000004"  # another principal's mini program: no shared unionid
PLATFORM = "http://localhost"


def wx_login(sandbox, appid: str = MINI_PROGRAM, user: str = "alice") -> str:
    """What ``wx.login()`` gives the mini program (the sandbox stands in for WeChat's client)."""
    return sandbox.post("/sandbox/weapp/login", appid=appid, user=user)["code"]


def mp_login(client, body) -> object:
    return client.post("/api/mp/login", json=body, base_url=PLATFORM, headers={"Accept-Language": "en"})


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def program(app, sandbox, merchant, alpha):
    """alpha's mini program, authorized to the platform."""
    authorize(merchant, MINI_PROGRAM, kind="mini_program")
    return MINI_PROGRAM


@pytest.fixture
def bravo_program(app, sandbox, bravo):
    client = app.test_client()
    login(client, bravo.login)
    authorize(client, OTHER_MINI_PROGRAM, kind="mini_program")
    return OTHER_MINI_PROGRAM


def log_in(app, sandbox, store: str = "alpha", appid: str = MINI_PROGRAM, user: str = "alice") -> dict:
    response = mp_login(app.test_client(), {"appid": appid, "code": wx_login(sandbox, appid, user), "store": store})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_first_login_creates_the_stores_customer_and_a_session(app, sandbox, program, alpha):
    answer = log_in(app, sandbox)
    assert answer["token"].startswith(f"kdmp.{alpha.tenant_id.hex}.") and answer["expires_in"] == 7 * 86400
    [customer] = rows(app, Customer)
    assert (customer.tenant_id, customer.authorizer_appid) == (alpha.tenant_id, MINI_PROGRAM)
    assert customer.openid.startswith("o") and customer.unionid  # a mini program bound to an Open Platform account
    assert answer["customer"]["id"] == str(customer.id) and "openid" not in answer["customer"]
    [session] = rows(app, AppSession)
    assert session.customer_id == customer.id and session.appid == MINI_PROGRAM
    assert session.token_digest == token_digest(answer["token"]) and answer["token"] not in repr(session.__dict__)
    assert sandbox.count("jscode2session") == 1


def test_session_key_is_not_kept_anywhere(app, sandbox, program):
    log_in(app, sandbox)
    call = [c for c in sandbox.state()["calls"] if c["endpoint"] == "jscode2session"][-1]
    assert call["params"]["component_appid"] == "wxsandboxcomponent01" and call["params"]["appid"] == MINI_PROGRAM
    dump = repr(snapshot(app))
    assert "session_key" not in dump


def test_the_same_shopper_again_is_the_same_customer(app, sandbox, program):
    first = log_in(app, sandbox)
    again = log_in(app, sandbox)
    assert first["customer"]["id"] == again["customer"]["id"] and first["token"] != again["token"]
    assert len(rows(app, Customer)) == 1 and len(rows(app, AppSession)) == 2


def test_two_shoppers_are_two_customers(app, sandbox, program):
    log_in(app, sandbox, user="alice")
    log_in(app, sandbox, user="bob")
    assert len({c.openid for c in rows(app, Customer)}) == 2


def test_one_shopper_in_two_stores_is_two_customers(app, sandbox, program, bravo_program, alpha, bravo):
    in_alpha = log_in(app, sandbox, "alpha", MINI_PROGRAM)
    in_bravo = log_in(app, sandbox, "bravo", OTHER_MINI_PROGRAM)
    [a] = rows(app, Customer, tenant_id=alpha.tenant_id)
    [b] = rows(app, Customer, tenant_id=bravo.tenant_id)
    assert in_alpha["customer"]["id"] == str(a.id) and in_bravo["customer"]["id"] == str(b.id)
    assert a.openid != b.openid and a.unionid != b.unionid  # two principals


def test_the_same_openid_in_a_second_store_is_a_second_customer(app, sandbox, program, alpha, bravo):
    """The mini program leaves alpha (cancelled in WeChat) and is authorized by bravo: the shopper's openid is
    the same, the store is not — bravo gets its own customer and alpha's stays as it was."""
    log_in(app, sandbox, "alpha")
    [before] = rows(app, Customer)
    sandbox.revoke(MINI_PROGRAM)
    refused = mp_login(app.test_client(), {"appid": MINI_PROGRAM, "code": wx_login(sandbox), "store": "alpha"})
    assert refused.status_code == 403
    client = app.test_client()
    login(client, bravo.login)
    authorize(client, MINI_PROGRAM, kind="mini_program")
    log_in(app, sandbox, "bravo")
    a, b = sorted(rows(app, Customer), key=lambda c: c.tenant_id != alpha.tenant_id)
    assert (a.tenant_id, b.tenant_id) == (alpha.tenant_id, bravo.tenant_id)
    assert a.openid == b.openid == before.openid and a.id == before.id and b.id != a.id


def test_concurrent_first_logins_of_one_shopper_make_one_customer(app, wechat_env, sandbox, program, backend):
    if backend.kind != "postgresql":
        pytest.skip("the race needs PostgreSQL's concurrent transactions")
    workers = 6
    codes = [wx_login(sandbox) for _ in range(workers)]
    sandbox.fault("jscode2session", count=workers, latency_ms=300)  # all reach the INSERT together
    barrier, answers = threading.Barrier(workers), []

    def run(code):
        barrier.wait(30)
        answers.append(requests.post(f"{wechat_env.platform_url}/api/mp/login", timeout=30,
                                     json={"appid": MINI_PROGRAM, "code": code, "store": "alpha"}))

    threads = [threading.Thread(target=run, args=(code,)) for code in codes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [r.status_code for r in answers] == [200] * workers, [r.text for r in answers]
    [customer] = rows(app, Customer)
    assert {r.json()["customer"]["id"] for r in answers} == {str(customer.id)}
    assert len(rows(app, AppSession)) == workers


# --- refused logins change nothing -------------------------------------------------------------------

def _refused(app, body, status: int, code: str | None = None):
    before = snapshot(app)
    response = mp_login(app.test_client(), body)
    assert response.status_code == status, response.get_json()
    if code:
        assert response.get_json()["error"]["code"] == code
    assert snapshot(app) == before
    return response


def test_a_used_code_is_refused(app, sandbox, program):
    code = wx_login(sandbox)
    assert mp_login(app.test_client(), {"appid": MINI_PROGRAM, "code": code, "store": "alpha"}).status_code == 200
    _refused(app, {"appid": MINI_PROGRAM, "code": code, "store": "alpha"}, 400, "wechat_login_code_invalid")


@pytest.mark.parametrize("case", ["made_up", "expired", "other_program"])
def test_a_bad_code_is_refused(app, sandbox, program, bravo_program, case):
    code = {"made_up": lambda: "0" * 32, "expired": lambda: wx_login(sandbox),
            "other_program": lambda: wx_login(sandbox, OTHER_MINI_PROGRAM)}[case]()
    if case == "expired":
        sandbox.post("/sandbox/weapp/expire_codes")
    response = _refused(app, {"appid": MINI_PROGRAM, "code": code, "store": "alpha"}, 400, "wechat_login_code_invalid")
    assert "expired" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("case", ["other_store", "unknown_appid", "official_account", "no_store"])
def test_a_mini_program_not_authorized_to_the_store_is_refused(app, sandbox, merchant, program, bravo_program, case):
    authorize(merchant, SERVICE_OA)
    appid, store = {"other_store": (OTHER_MINI_PROGRAM, "alpha"), "unknown_appid": ("wx00000000deadbeef", "alpha"),
                    "official_account": (SERVICE_OA, "alpha"), "no_store": (MINI_PROGRAM, "nosuchstore")}[case]
    code = wx_login(sandbox, appid) if appid.startswith("wx5a4db0c") and case != "official_account" else "abc123"
    _refused(app, {"appid": appid, "code": code, "store": store}, 403, "wechat_mini_program_not_authorized")
    assert sandbox.count("jscode2session") == 0  # the code is not spent


def _set_status(app, tenant_id, status) -> None:
    with app.app_context():
        db.session.get(Tenant, tenant_id).status = status
        db.session.commit()
        db.session.remove()


def test_a_suspended_store_refuses_logins_and_tokens(app, sandbox, program, alpha):
    answer = log_in(app, sandbox)
    _set_status(app, alpha.tenant_id, TenantStatus.SUSPENDED)
    _refused(app, {"appid": MINI_PROGRAM, "code": wx_login(sandbox), "store": "alpha"}, 403, "store_read_only")
    me = app.test_client().get("/api/mp/customer", base_url=PLATFORM, headers=bearer(answer["token"]))
    assert me.status_code == 401


@pytest.mark.parametrize("body", [
    None, [], {"appid": MINI_PROGRAM, "store": "alpha"}, {"appid": MINI_PROGRAM, "code": "abc", "store": ""},
    {"appid": "wx5a4db0c\x00000003", "code": "abc", "store": "alpha"},
    {"appid": MINI_PROGRAM, "code": "abc\x00", "store": "alpha"},
    {"appid": MINI_PROGRAM, "code": "abc", "store": "alp\x00ha"},
    {"appid": MINI_PROGRAM, "code": "a" * 129, "store": "alpha"},
    {"appid": MINI_PROGRAM, "code": "abc", "store": "a" * 31},
    {"appid": "x" * 10_000, "code": "abc", "store": "alpha"},
    {"appid": MINI_PROGRAM, "code": "../../etc", "store": "alpha"},
    {"appid": MINI_PROGRAM, "code": 2**40, "store": "alpha"},
], ids=["none", "list", "no_code", "blank_store", "nul_appid", "nul_code", "nul_store", "long_code", "long_store",
        "huge_appid", "odd_code", "int_code"])
def test_bad_input_is_a_422_and_nothing_changes(app, sandbox, program, body):
    _refused(app, body, 422, "validation_failed")
    assert sandbox.count("jscode2session") == 0


def test_wechat_failing_is_a_clear_5xx_and_nothing_changes(app, sandbox, program):
    code = wx_login(sandbox)
    sandbox.fault("jscode2session", errcode=-1, count=3)
    response = _refused(app, {"appid": MINI_PROGRAM, "code": code, "store": "alpha"}, 502, "wechat_-1")
    assert "busy" in response.get_json()["error"]["message"]


# --- the token on the mini program's calls ------------------------------------------------------------

def test_the_token_names_the_customer_on_the_mini_programs_calls(app, sandbox, program):
    answer = log_in(app, sandbox)
    client = app.test_client()
    me = client.get("/api/mp/customer", base_url=PLATFORM, headers=bearer(answer["token"]))
    assert me.status_code == 200 and me.get_json()["id"] == answer["customer"]["id"], me.get_json()
    assert me.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("header", [None, "Bearer ", "Bearer kdmp.x.y", "Basic abc",
                                    "Bearer kdmp.{tenant}." + "A" * 43, "Bearer {token}x",
                                    "Bearer kdmp.{other}.{secret}"])
def test_a_missing_or_wrong_token_is_a_401(app, sandbox, program, bravo, header):
    answer = log_in(app, sandbox)
    tenant, secret = answer["token"].split(".")[1:]
    headers = {}
    if header:
        headers["Authorization"] = header.format(tenant=tenant, token=answer["token"], other=bravo.tenant_id.hex,
                                                 secret=secret)
    response = app.test_client().get("/api/mp/customer", base_url=PLATFORM, headers=headers)
    # an empty bearer token is refused by the staff login already, before the mini program's check
    assert response.status_code == 401
    expected = "unauthorized" if header == "Bearer " else "app_session_required"
    assert response.get_json()["error"]["code"] == expected


def test_logging_out_ends_the_token(app, sandbox, program):
    answer = log_in(app, sandbox)
    client = app.test_client()
    assert client.post("/api/mp/logout", base_url=PLATFORM, headers=bearer(answer["token"])).status_code == 204
    assert client.get("/api/mp/customer", base_url=PLATFORM, headers=bearer(answer["token"])).status_code == 401


def test_an_expired_token_is_a_401(app, sandbox, program):
    answer = log_in(app, sandbox)
    with app.app_context(), all_tenants():
        row = db.session.execute(select(AppSession)).scalar_one()
        row.expires_at = row.created_at
        db.session.commit()
        db.session.remove()
    response = app.test_client().get("/api/mp/customer", base_url=PLATFORM, headers=bearer(answer["token"]))
    assert response.status_code == 401


# --- the hand-off to the web-view ------------------------------------------------------------------------

def _ticket(app, token: str) -> str:
    response = app.test_client().post("/api/mp/web-session", base_url=PLATFORM, headers=bearer(token))
    assert response.status_code == 200 and response.get_json()["expires_in"] == 60
    return response.get_json()["ticket"]


def test_the_web_view_is_logged_in_once_with_a_hand_off_ticket(app, sandbox, program):
    answer = log_in(app, sandbox)
    ticket = _ticket(app, answer["token"])
    assert answer["token"] not in ticket and answer["token"].split(".")[2] not in ticket
    web = app.test_client()
    response = web.get(f"/account/app-handoff?ticket={ticket}&next=/orders", base_url="http://alpha.localhost")
    assert response.status_code == 302 and response.headers["Location"] == "/orders"
    with web.session_transaction(base_url="http://alpha.localhost") as session:
        assert session["kd_customer"]["id"] == answer["customer"]["id"]
    me = web.get("/api/store/customer", base_url="http://alpha.localhost")
    assert me.status_code == 200 and me.get_json()["id"] == answer["customer"]["id"], me.get_json()
    # the same ticket a second time (a copied address bar, a replay) logs nobody in
    again = app.test_client()
    replay = again.get(f"/account/app-handoff?ticket={ticket}&next=/orders", base_url="http://alpha.localhost")
    assert replay.status_code == 400
    assert again.get("/api/store/customer", base_url="http://alpha.localhost").status_code == 401


@pytest.mark.parametrize("case", ["other_store", "forged", "ended_session", "nul", "huge", "unsafe_next"])
def test_a_bad_hand_off_logs_nobody_in(app, sandbox, program, bravo, case):
    answer = log_in(app, sandbox)
    ticket = _ticket(app, answer["token"])
    host, next_path = "http://alpha.localhost", "/member"
    if case == "other_store":
        host = "http://bravo.localhost"
    elif case == "forged":
        ticket = ticket[:-2] + ("AA" if not ticket.endswith("AA") else "BB")
    elif case == "ended_session":
        app.test_client().post("/api/mp/logout", base_url=PLATFORM, headers=bearer(answer["token"]))
    elif case == "nul":
        ticket += "%00"
    elif case == "huge":
        ticket = "A" * 5000
    web = app.test_client()
    if case == "unsafe_next":
        response = web.get(f"/account/app-handoff?ticket={ticket}&next=//evil.example/x", base_url=host)
        assert response.status_code == 302 and response.headers["Location"] == "/"
        return
    response = web.get(f"/account/app-handoff?ticket={ticket}&next={next_path}", base_url=host)
    assert response.status_code in (400, 422)
    assert web.get("/api/store/customer", base_url=host).status_code == 401


def test_login_routes_are_on_their_sites_only(app, sandbox, program):
    store = app.test_client().post("/api/mp/login", json={}, base_url="http://alpha.localhost")
    assert store.status_code == 404
    platform = app.test_client().get("/account/app-handoff?ticket=x", base_url=PLATFORM)
    assert platform.status_code == 404


def test_customer_ids_in_answers_are_uuids(app, sandbox, program):
    assert uuid.UUID(log_in(app, sandbox)["customer"]["id"])
