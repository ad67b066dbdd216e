"""Custom domains: a flagship store can be served at its own host name as well as SLUG.STORE_DOMAIN."""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kaidian.billing import services as billing
from kaidian.platform import audit
from kaidian.platform.errors import NotFound, ValidationFailed
from kaidian.platform.extensions import db
from kaidian.platform.models import Domain, Tenant, User

HOST_RE = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def domains_of(tenant: Tenant) -> list[Domain]:
    return list(db.session.execute(select(Domain).where(Domain.tenant_id == tenant.id)).scalars())


def _problem(host: str):
    platform = current_app.config["PLATFORM_HOST"].split(":")[0]
    if not HOST_RE.match(host):
        return _l("Enter a domain name such as shop.example.com.")
    if host == platform or host.endswith("." + current_app.config["STORE_DOMAIN"]):
        return _l("This domain belongs to the platform.")
    if db.session.get(Domain, host) is not None:
        return _l("This domain is already connected to a store.")
    return None


def add(tenant: Tenant, host: str, actor: User) -> Domain:
    billing.require_feature(tenant, "custom_domain")
    host = (host or "").strip().lower().rstrip(".")
    problem = _problem(host)
    if problem:
        raise ValidationFailed(fields={"host": [problem]})
    domain = Domain(host=host, tenant_id=tenant.id)
    db.session.add(domain)
    audit.record("domain.add", host, tenant_id=tenant.id, actor=actor)
    db.session.commit()
    return domain


def remove(tenant: Tenant, host: str, actor: User) -> None:
    domain = db.session.get(Domain, host)
    if domain is None or domain.tenant_id != tenant.id:
        raise NotFound()
    db.session.delete(domain)
    audit.record("domain.remove", host, tenant_id=tenant.id, actor=actor)
    db.session.commit()
