"""Custom domains: a flagship store can be served at its own host name as well as SLUG.STORE_DOMAIN —
once the merchant has proved control of it.

Claiming a domain proves nothing, so a claim starts **pending** and never routes to the store. The
merchant publishes a TXT record ``_kaidian-verify.<host>`` holding ``kaidian-verify=<token>`` (the
token is an HMAC of the store and the host under ``SECRET_KEY``: the same claim always shows the
same record, and no other store can produce it). A job (``tasks.check_domain``) looks the record
up — queued when the domain is added, by the merchant's "check now", and every ten minutes for a
week by ``tasks.recheck_pending_domains`` — and marks the domain verified when it matches.

The platform's own names are refused: its host's domain (``kaidian.example.com`` → ``example.com``
and every name under it) and ``STORE_DOMAIN`` with its subdomains. A pending claim does not block a
domain: another store may claim it, replacing the pending claim, and whoever controls the DNS wins.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from rq import Retry
from sqlalchemy import select

from kaidian.billing import services as billing
from kaidian.platform import audit
from kaidian.platform.errors import NotFound, ValidationFailed
from kaidian.platform.extensions import db
from kaidian.platform.jobs import enqueue
from kaidian.platform.models import Domain, Tenant, User, utcnow
from kaidian.platform.unit import atomic, unit

from . import dns

HOST_RE = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
TXT_LABEL = "_kaidian-verify"
TXT_PREFIX = "kaidian-verify="
PENDING_FOR = timedelta(days=7)  # how long the periodic job keeps checking a pending claim
SECOND_LEVEL = {"com", "net", "org", "gov", "edu", "co", "ac"}  # com.cn, co.uk… are public suffixes


def domains_of(tenant: Tenant) -> list[Domain]:
    return list(db.session.execute(select(Domain).where(Domain.tenant_id == tenant.id)
                                   .order_by(Domain.created_at)).scalars())


# --- the rules --------------------------------------------------------------------------------


def normalise(host: str) -> str:
    host = (host or "").strip().lower().rstrip(".")
    try:
        return host.encode("idna").decode("ascii") if host and not host.isascii() else host
    except UnicodeError:
        return host


def platform_domains() -> set[str]:
    """The names under which nothing but the platform may live."""
    config = current_app.config
    platform = config["PLATFORM_HOST"].lower().rsplit(":", 1)[0].rstrip(".")
    labels = platform.split(".")
    owned = {platform, config["STORE_DOMAIN"].lower().rstrip(".")}
    if len(labels) >= 3 and labels[1] not in SECOND_LEVEL:
        owned.add(".".join(labels[1:]))  # kaidian.example.com → example.com
    return owned


def is_platform_domain(host: str) -> bool:
    return any(host == name or host.endswith("." + name) for name in platform_domains())


def _problem(tenant: Tenant, host: str):
    if not HOST_RE.match(host):
        return _l("Enter a domain name such as shop.example.com.")
    if is_platform_domain(host):
        return _l("This domain belongs to the platform.")
    existing = db.session.get(Domain, host)
    if existing is not None and existing.tenant_id == tenant.id:
        return _l("This domain is already added to your store.")
    if existing is not None and existing.verified:
        return _l("This domain is already connected to a store.")
    return None


# --- the proof --------------------------------------------------------------------------------


def token_for(tenant_id: uuid.UUID, host: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"domain-verification:{tenant_id}:{host}".encode(), hashlib.sha256).hexdigest()[:32]


def txt_record(domain: Domain) -> dict:
    """What the merchant must publish: ``{"name", "type", "value"}``."""
    return {"name": f"{TXT_LABEL}.{domain.host}", "type": "TXT",
            "value": TXT_PREFIX + token_for(domain.tenant_id, domain.host)}


# --- use cases --------------------------------------------------------------------------------


@atomic
@billing.requires_feature("custom_domain")
def add(tenant: Tenant, host: str, actor: User) -> Domain:
    host = normalise(host)
    problem = _problem(tenant, host)
    if problem:
        raise ValidationFailed(fields={"host": [problem]})
    pending = db.session.get(Domain, host)
    if pending is not None:  # another store's unproven claim: it blocks nobody
        db.session.delete(pending)
        db.session.flush()
    domain = Domain(host=host, tenant_id=tenant.id, check_error="")
    db.session.add(domain)
    audit.record("domain.add", host + (" (replacing an unverified claim)" if pending else ""), tenant_id=tenant.id,
                 actor=actor)
    queue_check(domain.tenant_id, domain.host)
    return domain


@atomic
def check_now(tenant: Tenant, host: str) -> Domain:
    """The merchant's "check now": queue a lookup of the TXT record."""
    domain = _own(tenant, host)
    if not domain.verified:
        queue_check(domain.tenant_id, domain.host)
    return domain


def queue_check(tenant_id: uuid.UUID, host: str) -> None:
    from .tasks import check_domain

    enqueue(check_domain, tenant_id, host, queue="default", timeout=60,
            retry=Retry(max=2, interval=[30, 120]), job_id=f"domain-check-{host}")


def _own(tenant: Tenant, host: str) -> Domain:
    domain = db.session.get(Domain, normalise(host))
    if domain is None or domain.tenant_id != tenant.id:
        raise NotFound()
    return domain


@atomic
def remove(tenant: Tenant, host: str, actor: User) -> None:
    domain = _own(tenant, host)
    db.session.delete(domain)
    audit.record("domain.remove", domain.host, tenant_id=tenant.id, actor=actor)


def verify(tenant_id: uuid.UUID, host: str) -> bool:
    """Look the TXT record up and record the outcome (the job's body). True once verified."""
    domain = db.session.get(Domain, host)
    if domain is None or domain.tenant_id != tenant_id:
        return False  # removed, or replaced by another store's claim, meanwhile
    if domain.verified:
        return True
    expected = txt_record(domain)
    try:
        found = dns.txt_values(expected["name"])
    except dns.LookupFailed as exc:
        _checked(domain, _("The DNS lookup failed (%(reason)s); it will be tried again.", reason=str(exc)))
        raise
    if expected["value"] in (value.strip() for value in found):
        with unit():
            domain.verified_at = domain.checked_at = utcnow()
            domain.check_error = ""
            audit.record("domain.verified", host, tenant_id=tenant_id)
        return True
    _checked(domain, _("No TXT record %(name)s with the value shown was found yet.", name=expected["name"])
             if not found else _("The TXT record %(name)s holds another value.", name=expected["name"]))
    return False


@atomic
def _checked(domain: Domain, error: str) -> None:
    domain.checked_at, domain.check_error = utcnow(), error[:200]


def pending_hosts() -> list[tuple[uuid.UUID, str]]:
    since = utcnow() - PENDING_FOR
    rows = db.session.execute(select(Domain.tenant_id, Domain.host).where(
        Domain.verified_at.is_(None), Domain.created_at > since))
    return [(tenant_id, host) for tenant_id, host in rows]
