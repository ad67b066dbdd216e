"""The token store: a durable ticket, a cached component token refreshed by one process at a time,
cached authorizer tokens, encrypted refresh tokens, the periodic refresh, and the client's retries."""

import json
import multiprocessing
import time

import pytest
from sqlalchemy import create_engine, delete, text

from kaidian.platform.cache import get_cache
from kaidian.platform.config import SETTINGS
from kaidian.platform.extensions import db
from kaidian.platform.secrets import decrypt_secret
from kaidian.platform.tenancy import tenant_context
from kaidian.wechat import client as client_module
from kaidian.wechat import tasks, tokens
from kaidian.wechat.errors import TicketInvalid
from kaidian.wechat.models import Authorizer, AuthorizerStatus, ComponentTicket
from tests.conftest import api_token

from . import race_worker
from .helpers import SERVICE_OA, authorize, rows

COMPONENT_KEY = "wechat:component_token:wxsandboxcomponent01"


def _make_due(app, key: str, seconds_left: int = 60) -> None:
    with app.app_context():
        entry = json.loads(get_cache().get(key))
        entry["expires_at"] = time.time() + seconds_left
        get_cache().set(key, json.dumps(entry), ttl=seconds_left)


def _publish(app, merchant, authorizer_id, **kwargs):
    headers = api_token(app.test_client(), "alpha@example.com")
    return merchant.post(f"/api/v1/wechat/authorizers/{authorizer_id}/menu/publish", headers=headers, **kwargs)


def test_the_component_token_is_cached(app, sandbox):
    with app.app_context():
        first, second = tokens.component_token(), tokens.component_token()
    assert first == second
    assert sandbox.count("api_component_token") == 1


def test_the_ticket_is_durable_so_a_flushed_cache_only_costs_one_token_call(app, sandbox):
    with app.app_context():
        tokens.component_token()
        get_cache().delete(tokens.component_key())
        tokens.component_token()
    assert sandbox.count("api_component_token") == 2
    assert sandbox.count("api_start_push_ticket") == 0


def test_without_any_ticket_wechat_is_asked_to_push_one(app, sandbox):
    with app.app_context():
        db.session.execute(delete(ComponentTicket))
        db.session.commit()
        with pytest.raises(TicketInvalid):
            tokens.component_token()
    assert sandbox.count("api_start_push_ticket") == 1
    deadline = time.monotonic() + 5
    while not rows(app, ComponentTicket) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert rows(app, ComponentTicket), "the sandbox's answering push was not stored"


def test_a_token_due_for_refresh_is_replaced_ahead_of_expiry(app, sandbox):
    with app.app_context():
        old = tokens.component_token()
    _make_due(app, COMPONENT_KEY, seconds_left=tokens.REFRESH_AHEAD - 1)
    with app.app_context():
        assert tokens.component_token() != old
    assert sandbox.count("api_component_token") == 2


@pytest.mark.parametrize("situation", ["expired", "due"])
def test_two_processes_racing_to_refresh_make_one_token_call(app, sandbox, situation):
    with app.app_context():
        tokens.component_token()
        if situation == "expired":
            sandbox.post("/sandbox/expire_tokens")
            get_cache().delete(tokens.component_key())
    if situation == "due":
        _make_due(app, COMPONENT_KEY)
    before = sandbox.count("api_component_token")
    sandbox.fault("api_component_token", count=2, latency_ms=700)  # a slow WeChat widens the race
    config = {name: app.config[name] for name in SETTINGS} | {"TESTING": True, "LOG_JSON": False}
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(3), spawn.Queue()
    workers = [spawn.Process(target=race_worker.fetch_component_token, args=(config, barrier, results))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    barrier.wait(60)
    answers = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(30)
    assert [status for status, _ in answers] == ["ok", "ok"], answers
    assert answers[0][1] == answers[1][1]
    assert sandbox.count("api_component_token") - before == 1


# --- authorizer tokens -----------------------------------------------------------------------------


def test_refresh_tokens_are_stored_encrypted(app, backend, sandbox, merchant):
    authorize(merchant, SERVICE_OA)
    refresh_token = sandbox.state()["authorizers"][SERVICE_OA]["refresh_token"]
    [row] = rows(app, Authorizer)
    assert refresh_token not in row.refresh_token_encrypted
    with app.app_context():
        assert decrypt_secret(row.refresh_token_encrypted) == refresh_token
    if backend.kind == "postgresql":
        engine = create_engine(backend.owner_url.replace("postgresql://", "postgresql+psycopg://"))
        with engine.connect() as connection:
            dump = connection.execute(text("SELECT wechat_authorizers::text FROM wechat_authorizers")).scalar_one()
        engine.dispose()
        assert refresh_token not in dump


def test_a_new_refresh_token_from_wechat_replaces_the_stored_one(app, sandbox, merchant, alpha):
    authorize(merchant, SERVICE_OA)
    with app.app_context(), tenant_context(alpha.tenant_id):
        row = db.session.query(Authorizer).one()
        before = row.refresh_token_encrypted
        tokens.remember_authorizer_tokens(row, None, None, "refreshtoken@@@rotated")
        db.session.commit()
        assert row.refresh_token_encrypted != before
        assert decrypt_secret(row.refresh_token_encrypted) == "refreshtoken@@@rotated"


def test_rotating_the_data_key_re_encrypts_refresh_tokens(app, sandbox, merchant):
    from cryptography.fernet import Fernet

    authorize(merchant, SERVICE_OA)
    [row] = rows(app, Authorizer)
    old_key, new_key = app.config["DATA_KEY"], Fernet.generate_key().decode()
    app.config["DATA_KEY"] = f"{new_key},{old_key}"
    try:
        with app.app_context():
            result = app.test_cli_runner().invoke(args=["kaidian", "rotate-data-key"])
        assert result.exit_code == 0 and "re-encrypted" in result.output, result.output
        app.config["DATA_KEY"] = new_key
        [rotated] = rows(app, Authorizer)
        with app.app_context():
            assert decrypt_secret(rotated.refresh_token_encrypted) == \
                sandbox.state()["authorizers"][SERVICE_OA]["refresh_token"]
    finally:
        app.config["DATA_KEY"] = old_key
    assert rotated.refresh_token_encrypted != row.refresh_token_encrypted


def test_the_periodic_job_refreshes_only_what_is_about_to_expire(app, sandbox, merchant):
    authorize(merchant, SERVICE_OA)
    with app.app_context():
        assert tasks.refresh_wechat_tokens() == {"component": 0, "authorizers": 0, "failed": 0}
        key = tokens.authorizer_key(SERVICE_OA)
        old = json.loads(get_cache().get(key))["token"]
    _make_due(app, key)
    with app.app_context():
        assert tasks.refresh_wechat_tokens() == {"component": 0, "authorizers": 1, "failed": 0}
        assert json.loads(get_cache().get(key))["token"] != old
    assert sandbox.count("api_authorizer_token") == 1


def test_the_periodic_job_marks_a_refused_refresh_token_broken(app, sandbox, merchant):
    authorize(merchant, SERVICE_OA)
    with app.app_context():
        tokens.forget_authorizer_token(SERVICE_OA)
    sandbox.fault("api_authorizer_token", errcode=61023)
    with app.app_context():
        assert tasks.refresh_wechat_tokens()["failed"] == 1
    assert rows(app, Authorizer)[0].status == AuthorizerStatus.BROKEN


def test_a_lost_unauthorized_push_is_caught_by_the_next_refresh(app, wechat_env, sandbox, merchant):
    """The merchant revoked while the push could not be delivered: the next token refresh meets 61023
    and marks the account broken, so the admin asks to authorize again all the same."""
    authorize(merchant, SERVICE_OA)
    config = wechat_env.server.app.config["SANDBOX"]
    event_url, config["PLATFORM_EVENT_URL"] = config["PLATFORM_EVENT_URL"], ""
    try:
        assert sandbox.revoke(SERVICE_OA)["push"]["error"] == "no URL configured"
    finally:
        config["PLATFORM_EVENT_URL"] = event_url
    assert rows(app, Authorizer)[0].status == AuthorizerStatus.AUTHORIZED  # nobody told the platform
    with app.app_context():
        tokens.forget_authorizer_token(SERVICE_OA)
        assert tasks.refresh_wechat_tokens()["failed"] == 1
    assert rows(app, Authorizer)[0].status == AuthorizerStatus.BROKEN
    assert 'data-status="broken"' in merchant.get("/admin/wechat/").get_data(as_text=True)


# --- the client's retries ----------------------------------------------------------------------------


def test_an_expired_token_is_refreshed_and_the_call_retried_once(app, sandbox, merchant):
    authorize(merchant, SERVICE_OA)
    [row] = rows(app, Authorizer)
    sandbox.fault("menu_create", errcode=40001)
    assert _publish(app, merchant, row.id).status_code == 200
    assert sandbox.count("menu_create") == 2
    assert sandbox.count("api_authorizer_token") == 1


def test_a_token_refused_twice_is_not_retried_again(app, sandbox, merchant):
    authorize(merchant, SERVICE_OA)
    [row] = rows(app, Authorizer)
    sandbox.fault("menu_create", errcode=42001, count=3)
    response = _publish(app, merchant, row.id)
    assert response.status_code == 502 and response.get_json()["error"]["code"] == "wechat_42001"
    assert sandbox.count("menu_create") == 2


@pytest.mark.parametrize(("errcode", "failures", "status", "calls"), [
    (-1, 2, 200, 3), (-1, 3, 502, 3), (45011, 1, 200, 2), (45009, 5, 502, 1),
])
def test_busy_and_quota_errors_are_retried_with_a_bounded_backoff(app, sandbox, merchant, monkeypatch,
                                                                  errcode, failures, status, calls):
    monkeypatch.setattr(client_module, "BACKOFF_DELAYS", (0.01, 0.02))
    authorize(merchant, SERVICE_OA)
    [row] = rows(app, Authorizer)
    sandbox.fault("menu_create", errcode=errcode, count=failures)
    response = _publish(app, merchant, row.id)
    assert response.status_code == status
    assert sandbox.count("menu_create") == calls
    if status != 200:
        assert response.get_json()["error"]["code"] == f"wechat_{errcode}"
