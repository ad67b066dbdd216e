"""Parcel tracking: the carriers Kaidian knows and a pluggable trace provider.

Interface (what orders and the store pages use)::

    shipping_trace.CARRIERS                       # code → Carrier(code, name: a lazy Babel string)
    shipping_trace.carrier_name("SF")             # "顺丰速运" (zh) / "SF Express" (en), by the current locale
    shipping_trace.trace("SF", "SF1234567890")    # [{"time": "2026-11-30 10:02:00", "text": "…"}, …] newest first

Carrier codes: ``SF`` 顺丰速运, ``ZTO`` 中通快递, ``YTO`` 圆通速递, ``YD`` 韵达快递, ``STO`` 申通快递,
``JD`` 京东物流, ``EMS`` 中国邮政EMS. ``trace`` refuses an unknown code or a malformed number with
``UnknownParcel`` (422) and answers ``[]`` when the provider has nothing (yet) or cannot be reached — a
trace is information for the shopper, never a reason for a page to fail.

Providers register by name (``register_provider``); ``SHIPPING_TRACE_PROVIDER`` picks one:
``sandbox`` (the development default: the WeChat sandbox's ``/sandbox/express/trace`` at
``SHIPPING_TRACE_BASE``, a trace that advances with time) or ``none`` (no tracking). A commercial
tracking service (快递100, 快递鸟…) is one more class with a ``trace`` method. Answers are cached for
``CACHE_SECONDS`` per parcel.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import requests
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from .cache import get_cache
from .errors import AppError

log = logging.getLogger(__name__)

CACHE_SECONDS = 300
TRACKING_NO = re.compile(r"[A-Za-z0-9-]{4,40}")


@dataclass(frozen=True)
class Carrier:
    code: str
    name: object  # lazy_gettext: the carrier's name in the current locale (msgid English, zh in the catalogue)

    def names(self) -> set[str]:
        """Its name in every language Kaidian speaks (a CSV may use either, whatever the page's locale)."""
        found = set()
        for locale in ("zh", "en"):
            with force_locale(locale):
                found.add(str(self.name))
        return found


CARRIERS: dict[str, Carrier] = {c.code: c for c in (
    Carrier("SF", _l("SF Express")),
    Carrier("ZTO", _l("ZTO Express")),
    Carrier("YTO", _l("YTO Express")),
    Carrier("YD", _l("Yunda Express")),
    Carrier("STO", _l("STO Express")),
    Carrier("JD", _l("JD Logistics")),
    Carrier("EMS", _l("China Post EMS")),
)}


class UnknownParcel(AppError):
    status = 422
    code = "unknown_parcel"
    message = _l("Choose a carrier from the list and enter its tracking number (4 to 40 letters or digits).")


class TraceProvider(Protocol):
    def trace(self, carrier_code: str, tracking_no: str) -> list[dict]:
        """The parcel's steps, newest first, as ``[{"time": "YYYY-MM-DD HH:MM:SS", "text": …}]``."""


class NoTrace:
    def trace(self, carrier_code: str, tracking_no: str) -> list[dict]:
        return []


class SandboxTrace:
    """The sandbox's tracking endpoint (development and tests)."""

    def __init__(self, config) -> None:
        self.base = config["SHIPPING_TRACE_BASE"].rstrip("/")
        self.timeout = config.get("WECHAT_HTTP_TIMEOUT", 10)

    def trace(self, carrier_code: str, tracking_no: str) -> list[dict]:
        response = requests.get(f"{self.base}/sandbox/express/trace",
                                params={"carrier": carrier_code, "no": tracking_no}, timeout=self.timeout)
        response.raise_for_status()
        return [{"time": str(row["time"]), "text": str(row["text"])} for row in response.json()["traces"]]


PROVIDERS: dict[str, Callable[[dict], TraceProvider]] = {"sandbox": SandboxTrace, "none": lambda config: NoTrace()}


def register_provider(name: str, factory: Callable[[dict], TraceProvider]) -> None:
    PROVIDERS[name] = factory


def provider() -> TraceProvider:
    name = current_app.config["SHIPPING_TRACE_PROVIDER"]
    if name not in PROVIDERS:
        raise ValueError(f"SHIPPING_TRACE_PROVIDER {name!r} is not one of {', '.join(PROVIDERS)}")
    return PROVIDERS[name](current_app.config)


def carrier_name(code: str) -> str:
    carrier = CARRIERS.get(str(code).upper())
    if carrier is None:
        return str(code)
    return str(carrier.name)


def check(carrier_code: str, tracking_no: str) -> tuple[str, str]:
    """The normalised (code, number), or UnknownParcel."""
    code, number = str(carrier_code or "").strip().upper(), str(tracking_no or "").strip()
    if code not in CARRIERS or not TRACKING_NO.fullmatch(number):
        field = "carrier_code" if code not in CARRIERS else "tracking_no"
        raise UnknownParcel(fields={field: [str(UnknownParcel.message)]})
    return code, number


def trace(carrier_code: str, tracking_no: str) -> list[dict]:
    """The parcel's steps, newest first (cached ``CACHE_SECONDS``); ``[]`` when the provider fails."""
    code, number = check(carrier_code, tracking_no)
    key = f"shipping_trace:{code}:{number}"
    cached = get_cache().get(key)
    if cached is not None:
        return json.loads(cached)
    source = provider()
    try:
        steps = source.trace(code, number)
    except (requests.RequestException, ValueError, KeyError, TypeError) as error:
        log.warning("shipping trace %s %s failed: %s", code, number, error)
        return []
    get_cache().set(key, json.dumps(steps, ensure_ascii=False), ttl=CACHE_SECONDS)
    return steps
