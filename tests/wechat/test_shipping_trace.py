"""Parcel tracking through the pluggable provider: the sandbox's trace over HTTP, advancing with time;
unknown carriers and malformed numbers refused; a provider that fails is an empty trace, not an error."""

from __future__ import annotations

import pytest
import requests

from kaidian.platform import shipping_trace
from kaidian.platform.cache import get_cache


@pytest.fixture
def ctx(app, sandbox):
    with app.test_request_context():
        yield app


def forget(carrier, no):
    get_cache().delete(f"shipping_trace:{carrier}:{no}")


def test_a_new_parcel_has_been_picked_up(ctx):
    [step] = shipping_trace.trace("SF", "SF1234567890")
    assert "顺丰速运已揽收" in step["text"] and len(step["time"]) == 19


def test_the_trace_advances_newest_first_until_signed_for(ctx, sandbox):
    shipping_trace.trace("zto", "7531000001")
    sandbox.post("/sandbox/express/advance", carrier="ZTO", no="7531000001", steps=2)
    forget("ZTO", "7531000001")
    steps = shipping_trace.trace("ZTO", "7531000001")
    assert len(steps) == 3 and "已揽收" in steps[-1]["text"] and "发出" in steps[0]["text"]
    assert [s["time"] for s in steps] == sorted((s["time"] for s in steps), reverse=True)
    sandbox.post("/sandbox/express/advance", carrier="ZTO", no="7531000001", steps=6)
    forget("ZTO", "7531000001")
    assert "已签收" in shipping_trace.trace("ZTO", "7531000001")[0]["text"]


def test_answers_are_cached_per_parcel(ctx, sandbox):
    assert len(shipping_trace.trace("YD", "YD00000001")) == 1
    sandbox.post("/sandbox/express/advance", carrier="YD", no="YD00000001", steps=1)
    assert len(shipping_trace.trace("YD", "YD00000001")) == 1  # the cached answer
    forget("YD", "YD00000001")
    assert len(shipping_trace.trace("YD", "YD00000001")) == 2


def test_the_sandbox_refuses_what_the_platform_refuses(sandbox):
    for params in ({"carrier": "YD", "no": "x"}, {"carrier": "UPS", "no": "YD00000001"}, {}):
        answer = requests.get(f"{sandbox.base_url}/sandbox/express/trace", params=params, timeout=5)
        assert answer.status_code == 400
    assert sandbox.state()["express"] == {}


@pytest.mark.parametrize(("carrier", "number", "field"), [
    ("UPS", "1Z999AA10123456784", "carrier_code"), ("", "SF1234567890", "carrier_code"),
    ("SF", "12", "tracking_no"), ("SF", "SF12345<script>", "tracking_no"), ("SF", "", "tracking_no"),
])
def test_unknown_carriers_and_malformed_numbers_are_refused(ctx, sandbox, carrier, number, field):
    with pytest.raises(shipping_trace.UnknownParcel) as refused:
        shipping_trace.trace(carrier, number)
    assert refused.value.status == 422 and field in refused.value.fields
    assert sandbox.state()["express"] == {}


def test_a_provider_that_cannot_be_reached_is_an_empty_trace(ctx, monkeypatch):
    monkeypatch.setitem(ctx.config, "SHIPPING_TRACE_BASE", "http://127.0.0.1:9")
    assert shipping_trace.trace("EMS", "EMS00000001") == []


def test_no_tracking_and_custom_providers(ctx, monkeypatch):
    monkeypatch.setitem(ctx.config, "SHIPPING_TRACE_PROVIDER", "none")
    assert shipping_trace.trace("JD", "JD00000001") == []

    class Fixed:
        def trace(self, carrier_code, tracking_no):
            return [{"time": "2026-11-30 12:00:00", "text": f"{carrier_code} {tracking_no} ok"}]

    monkeypatch.setitem(shipping_trace.PROVIDERS, "fixed", lambda config: Fixed())
    monkeypatch.setitem(ctx.config, "SHIPPING_TRACE_PROVIDER", "fixed")
    assert shipping_trace.trace("sto", "STO0000001") == [{"time": "2026-11-30 12:00:00", "text": "STO STO0000001 ok"}]


def test_carrier_names_follow_the_locale(ctx):
    from flask_babel import force_locale

    with force_locale("zh"):
        assert [shipping_trace.carrier_name(c) for c in ("SF", "JD")] == ["顺丰速运", "京东物流"]
    with force_locale("en"):
        assert shipping_trace.carrier_name("YTO") == "YTO Express"
    assert set(shipping_trace.CARRIERS) == {"SF", "ZTO", "YTO", "YD", "STO", "JD", "EMS"}
