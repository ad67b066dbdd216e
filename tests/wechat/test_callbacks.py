"""The push endpoints refuse what is not WeChat's, change nothing when they do, answer ``success``
otherwise, and take replays calmly."""

import time

import pytest
import requests

from kaidian.wechat import events
from kaidian.wechat.crypto import MessageCrypto, signature
from kaidian.wechat.errors import WeChatError
from kaidian.wechat.models import Authorizer, ComponentTicket

from .helpers import AES_KEY, COMPONENT_APPID, SERVICE_OA, TOKEN, authorize, rows, seal_push, signed_raw, snapshot

COMPONENT_URL = "/wechat/component/events"


def _ticket_push(ticket="ticket@@@abc", create_time=None):
    return {"AppId": COMPONENT_APPID, "CreateTime": create_time or int(time.time()),
            "InfoType": "component_verify_ticket", "ComponentVerifyTicket": ticket}


def _post(client, body, query, path=COMPONENT_URL, **kwargs):
    return client.post(path, query_string=query, data=body, content_type="text/xml", **kwargs)


@pytest.fixture
def platform(app):
    return app.test_client()


def test_a_signed_ticket_push_is_stored_and_answered_success(app, platform):
    body, query = seal_push(_ticket_push("ticket@@@first"))
    response = _post(platform, body, query)
    assert (response.status_code, response.get_data(as_text=True)) == (200, "success")
    [row] = rows(app, ComponentTicket)
    assert (row.component_appid, row.ticket) == (COMPONENT_APPID, "ticket@@@first")


def test_a_replayed_push_is_harmless(app, platform):
    body, query = seal_push(_ticket_push("ticket@@@once"))
    assert _post(platform, body, query).get_data(as_text=True) == "success"
    before = snapshot(app)
    again = _post(platform, body, query)
    assert (again.status_code, again.get_data(as_text=True)) == (200, "success")
    assert snapshot(app) == before
    assert len(rows(app, ComponentTicket)) == 1


@pytest.mark.parametrize("stamp", [lambda now: 1_000_000_000, lambda now: now - 3600, lambda now: now - 320,
                                   lambda now: now + 320, lambda now: now + 86400],
                         ids=["2001", "an hour ago", "past the window", "ahead of the window", "tomorrow"])
def test_a_push_stamped_outside_the_five_minute_window_is_refused(app, platform, stamp):
    """A captured push (the attack replayed one stamped in 2001) is refused, however well signed."""
    stamp = stamp(int(time.time()))
    body, query = seal_push(_ticket_push("ticket@@@stale"), timestamp=stamp)
    before = snapshot(app)
    response = _post(platform, body, query)
    assert response.status_code == 403
    assert response.get_data(as_text=True) != "success"
    assert snapshot(app) == before


@pytest.mark.parametrize("stamp", ["", "abc", "-5", "1e9", "9" * 30])
def test_a_push_with_a_malformed_timestamp_is_refused(app, platform, stamp):
    body, query = seal_push(_ticket_push("ticket@@@odd"))
    query = {**query, "timestamp": stamp}
    before = snapshot(app)
    assert _post(platform, body, query).status_code == 403
    assert snapshot(app) == before


def test_a_push_replayed_within_the_window_is_answered_but_not_handled_again(app, platform, monkeypatch):
    handled = []
    monkeypatch.setattr(events, "dispatch_component", handled.append)
    body, query = seal_push(_ticket_push("ticket@@@twice"))
    first, again = _post(platform, body, query), _post(platform, body, query)
    assert [r.get_data(as_text=True) for r in (first, again)] == ["success", "success"]
    assert len(handled) == 1


def test_a_push_whose_handling_failed_is_handled_when_wechat_retries(app, platform, monkeypatch):
    calls = []

    def flaky(message):
        calls.append(message)
        if len(calls) == 1:
            raise WeChatError(-1, "transient")

    monkeypatch.setattr(events, "dispatch_component", flaky)
    body, query = seal_push(_ticket_push("ticket@@@retry"))
    assert _post(platform, body, query).status_code == 503
    assert _post(platform, body, query).get_data(as_text=True) == "success"
    assert len(calls) == 2


def test_the_newest_ticket_wins_over_a_late_older_push(app, platform):
    now = int(time.time())
    _post(platform, *seal_push(_ticket_push("ticket@@@new", now)))
    _post(platform, *seal_push(_ticket_push("ticket@@@old", now - 600)))
    [row] = rows(app, ComponentTicket)
    assert row.ticket == "ticket@@@new"


def _forged(body_query):
    body, query = body_query
    return body, {**query, "msg_signature": "0" * 40}


def _unsigned(body_query):
    body, query = body_query
    return body, {k: v for k, v in query.items() if k != "msg_signature"}


def _other_token(body_query):
    return seal_push(_ticket_push(), token="not-our-token")


def _sealed_for_another_appid(_):
    return seal_push(_ticket_push(), crypto=MessageCrypto(TOKEN, [AES_KEY], "wxanothercomponent"))


def _wrong_appid_field(_):
    return seal_push({**_ticket_push(), "AppId": "wxanothercomponent"})


def _malformed(_):
    body = b"<xml><Encrypt>abc</Encrypt"
    return body, signed_raw(body, "abc")


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
                  b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
                  b"<xml><AppId>&c;</AppId><Encrypt>abc</Encrypt></xml>")
XXE = (b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       b"<xml><AppId>&x;</AppId><Encrypt>abc</Encrypt></xml>")


def _entity_expansion(_):
    return BILLION_LAUGHS, signed_raw(BILLION_LAUGHS, "abc")


def _external_entity(_):
    return XXE, signed_raw(XXE, "abc")


def _inner_entities(_):
    crypto = MessageCrypto(TOKEN, [AES_KEY], COMPONENT_APPID)
    encrypt = crypto.encrypt(XXE.decode())
    body = f"<xml><AppId>{COMPONENT_APPID}</AppId><Encrypt>{encrypt}</Encrypt></xml>".encode()
    query = signed_raw(body, encrypt)
    query["msg_signature"] = signature(TOKEN, query["timestamp"], query["nonce"], encrypt)
    return body, query


def _not_encrypted(_):
    body = b"<xml><AppId>x</AppId><Encrypt>bm90IGFlcyBibG9ja3M=</Encrypt></xml>"
    return body, signed_raw(body, "bm90IGFlcyBibG9ja3M=")


REFUSALS = [
    (_forged, 403), (_unsigned, 403), (_other_token, 403),
    (_sealed_for_another_appid, 400), (_wrong_appid_field, 400), (_malformed, 400),
    (_entity_expansion, 400), (_external_entity, 400), (_inner_entities, 400), (_not_encrypted, 400),
]


@pytest.mark.parametrize(("make", "status"), REFUSALS, ids=[make.__name__.strip("_") for make, _ in REFUSALS])
def test_a_refused_push_gets_its_status_and_changes_nothing(app, platform, make, status):
    body, query = make(seal_push(_ticket_push("ticket@@@evil")))
    before = snapshot(app)
    response = _post(platform, body, query)
    assert response.status_code == status
    assert response.get_data(as_text=True) != "success"
    assert snapshot(app) == before


def test_an_oversized_push_is_refused_with_413_before_reading_it(app, platform):
    limit = app.config["WECHAT_MAX_PUSH_BYTES"]
    body, query = seal_push({**_ticket_push(), "Padding": "x" * limit})
    before = snapshot(app)
    assert len(body) > limit
    assert _post(platform, body, query).status_code == 413
    assert snapshot(app) == before


def test_an_oversized_chunked_push_without_content_length_is_refused(app, wechat_env):
    limit = app.config["WECHAT_MAX_PUSH_BYTES"]
    body, query = seal_push({**_ticket_push(), "Padding": "x" * limit})
    before = snapshot(app)

    def chunks():
        for start in range(0, len(body), 4096):
            yield body[start:start + 4096]

    response = requests.post(wechat_env.platform_url + COMPONENT_URL, params=query, data=chunks(), timeout=10)
    assert response.status_code == 413
    assert snapshot(app) == before


def test_the_previous_aes_key_is_still_accepted_during_a_rotation(app, platform):
    new_key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
    app.config.update(WECHAT_COMPONENT_AES_KEY=new_key, WECHAT_COMPONENT_AES_KEY_PREVIOUS=AES_KEY)
    try:
        assert _post(platform, *seal_push(_ticket_push("ticket@@@old-key"))).status_code == 200
        crypto = MessageCrypto(TOKEN, [new_key], COMPONENT_APPID)
        assert _post(platform, *seal_push(_ticket_push("ticket@@@new-key"), crypto=crypto)).status_code == 200
    finally:
        app.config.update(WECHAT_COMPONENT_AES_KEY=AES_KEY, WECHAT_COMPONENT_AES_KEY_PREVIOUS="")
    assert rows(app, ComponentTicket)[0].ticket == "ticket@@@new-key"


def test_pushes_are_only_served_on_the_platform_host(app, platform):
    response = _post(platform, *seal_push(_ticket_push()), base_url="http://alpha.localhost")
    assert response.status_code == 404


# --- messages to an authorizer -----------------------------------------------------------------


def test_authorizer_events_reach_registered_handlers_in_the_store(app, wechat_env, sandbox, merchant, alpha):
    from kaidian.platform.tenancy import current_tenant_id

    seen = []

    def handler(authorizer, message):
        seen.append((authorizer.appid, current_tenant_id(), message["Event"], message["Reason"]))

    events.register_event_handler("weapp_audit_fail", handler)
    try:
        authorize(merchant, SERVICE_OA)
        result = sandbox.post("/sandbox/push_authorizer_event", appid=SERVICE_OA,
                              event={"Event": "weapp_audit_fail", "Reason": "bad", "FailTime": 1})
    finally:
        events.EVENT_HANDLERS["weapp_audit_fail"].remove(handler)
    assert result["push"]["answered_success"], result["push"]
    assert seen == [(SERVICE_OA, alpha.tenant_id, "weapp_audit_fail", "bad")]


def test_an_authorizer_message_for_another_account_is_refused(app, sandbox, merchant):
    authorize(merchant, SERVICE_OA)
    body, query = seal_push({"ToUserName": "gh_someoneelse", "FromUserName": "o1", "CreateTime": 1,
                             "MsgType": "event", "Event": "weapp_audit_success"})
    before = snapshot(app)
    response = _post(app.test_client(), body, query, path=f"/wechat/authorizers/{SERVICE_OA}/events")
    assert response.status_code == 400
    assert snapshot(app) == before


def test_an_authorizer_message_with_a_forged_signature_is_refused(app, sandbox, merchant):
    authorize(merchant, SERVICE_OA)
    [row] = rows(app, Authorizer)
    body, query = seal_push({"ToUserName": row.user_name, "MsgType": "event", "Event": "x"})
    response = _post(app.test_client(), body, {**query, "msg_signature": "f" * 40},
                     path=f"/wechat/authorizers/{SERVICE_OA}/events")
    assert response.status_code == 403


def test_a_stale_unauthorized_push_does_not_unbind_a_newer_authorization(app, sandbox, merchant):
    authorize(merchant, SERVICE_OA)
    body, query = seal_push({"AppId": COMPONENT_APPID, "CreateTime": int(time.time()) - 3600,
                             "InfoType": "unauthorized", "AuthorizerAppid": SERVICE_OA})
    assert _post(app.test_client(), body, query).get_data(as_text=True) == "success"
    assert rows(app, Authorizer)[0].status.value == "authorized"


def test_without_redis_the_in_process_cache_remembers_a_push_once():
    from kaidian.platform.cache import MemoryCache

    cache = MemoryCache()
    assert cache.add("wechat:push:1:2", "1", ttl=600) is True
    assert cache.add("wechat:push:1:2", "1", ttl=600) is False
    cache._data["wechat:push:1:2"] = ("1", 0.0)  # expired
    assert cache.add("wechat:push:1:2", "1", ttl=600) is True
