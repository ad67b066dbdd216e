"""Host → site resolution, once per request.

A request is for the **platform** (its host is ``PLATFORM_HOST``, or an IP literal as used by
health probes) or for a **store** (``SLUG.STORE_DOMAIN`` or a custom domain). Each blueprint
declares the site it serves; a route asked for on the wrong site is a 404.
"""

from __future__ import annotations

import ipaddress
import time

from flask import abort, current_app, g, request
from sqlalchemy import event, select
from sqlalchemy.orm import Session, make_transient_to_detached

from .extensions import db
from .models import Domain, Tenant
from .tenancy import activate, deactivate

PLATFORM, STORE, ANY = "platform", "store", "any"

_BLUEPRINT_SITES: dict[str, str] = {}


def register(app, blueprint, site: str, **options) -> None:
    """Register a blueprint and remember which site it serves."""
    _BLUEPRINT_SITES[blueprint.name] = site
    app.register_blueprint(blueprint, **options)


def site_of(blueprint_name: str | None) -> str:
    return _BLUEPRINT_SITES.get(blueprint_name or "", ANY)


def _hostname(host: str) -> str:
    host = host.lower()
    if host.startswith("["):
        return host[1 : host.find("]")]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def store_slug_for(hostname: str) -> str | None:
    suffix = "." + current_app.config["STORE_DOMAIN"].lower()
    if hostname.endswith(suffix):
        slug = hostname[: -len(suffix)]
        return slug if slug and "." not in slug else None
    return None


# hostname -> (expires, the tenant's column values, or None for an unknown host): a per-process memo
# so a store page does not pay database round trips to learn which store it is. A change to a
# tenant or domain flushed in this process drops its entries at once; other processes see it within
# HOST_CACHE_SECONDS (default 5; 0 turns the memo off).
_HOSTS: dict[str, tuple[float, dict | None]] = {}


def tenant_for_host(hostname: str) -> Tenant | None:
    ttl = current_app.config.get("HOST_CACHE_SECONDS", 5)
    hit = _HOSTS.get(hostname) if ttl else None
    if hit is not None and hit[0] > time.monotonic():
        return _detached(hit[1])
    tenant = _lookup_host(hostname)
    if ttl:
        values = {c.key: getattr(tenant, c.key) for c in Tenant.__mapper__.column_attrs} if tenant else None
        _HOSTS[hostname] = (time.monotonic() + ttl, values)
    return tenant


def _detached(values: dict | None) -> Tenant | None:
    """A Tenant rebuilt from the memo, as if loaded and detached (no SELECT)."""
    if values is None:
        return None
    tenant = Tenant(**values)
    make_transient_to_detached(tenant)
    return tenant


def _forget_changed_hosts(session, flush_context) -> None:
    rows = (*session.new, *session.dirty, *session.deleted)
    changed = {o.id for o in rows if isinstance(o, Tenant)} | {o.tenant_id for o in rows if isinstance(o, Domain)}
    if changed:
        for host, (_, values) in list(_HOSTS.items()):
            if values is None or values["id"] in changed:
                _HOSTS.pop(host, None)


event.listen(Session, "after_flush", _forget_changed_hosts)


def _lookup_host(hostname: str) -> Tenant | None:
    slug = store_slug_for(hostname)
    if slug is not None:
        return db.session.execute(select(Tenant).where(Tenant.slug == slug)).scalar_one_or_none()
    domain = db.session.get(Domain, hostname)
    return db.session.get(Tenant, domain.tenant_id) if domain else None


def resolve_site() -> None:
    deactivate()
    hostname = _hostname(request.host)
    if hostname == _hostname(current_app.config["PLATFORM_HOST"]) or _is_ip(hostname):
        g.site, g.tenant = PLATFORM, None
    else:
        tenant = tenant_for_host(hostname)
        if tenant is None:
            g.site, g.tenant = STORE, None
        else:
            activate(tenant.id)  # before attaching: no transaction is open yet, so no SET round trip
            g.site, g.tenant = STORE, db.session.merge(tenant, load=False) if tenant not in db.session else tenant
    _guard_blueprint_site()


def _guard_blueprint_site() -> None:
    wanted = site_of(request.blueprint)
    if wanted != ANY and wanted != g.site:
        abort(404)
    if g.site == STORE and g.tenant is None and wanted == STORE:
        abort(404)


def store_url(tenant: Tenant, path: str = "/") -> str:
    scheme = current_app.config["PREFERRED_URL_SCHEME"]
    port = ""
    platform_host = current_app.config["PLATFORM_HOST"]
    if ":" in platform_host:
        port = ":" + platform_host.rsplit(":", 1)[1]
    return f"{scheme}://{tenant.slug}.{current_app.config['STORE_DOMAIN']}{port}{path}"


def init_app(app) -> None:
    app.before_request(resolve_site)
    app.teardown_request(lambda exc: deactivate())


def register_api(blueprint, site: str = PLATFORM) -> None:
    """Register a flask-smorest blueprint: documented in the OpenAPI document, CSRF checked by
    ``auth.check_member`` only when the caller uses a session cookie instead of a token."""
    from .extensions import api, csrf

    _BLUEPRINT_SITES[blueprint.name] = site
    csrf.exempt(blueprint)
    api.register_blueprint(blueprint)
