"""Host → site resolution, once per request.

A request is for the **platform** (its host is ``PLATFORM_HOST``, or an IP literal as used by
health probes) or for a **store** (``SLUG.STORE_DOMAIN`` or a custom domain). Each blueprint
declares the site it serves (an endpoint may narrow it, ``serve_only_on``); a route asked for on
the wrong site is a 404, so a store's domain never serves the platform's login or reset pages.

This module is also the one home of absolute URLs: ``platform_url``, ``store_url`` and
``canonical_base_url`` build them from the configured hosts (``PLATFORM_HOST``, ``SLUG.STORE_DOMAIN``,
or the store host the request resolved to, normalised), never from the raw Host header, so a link
sent in a mail, a QR code or to WeChat cannot be pointed elsewhere by whoever sent the request.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import OrderedDict

from flask import abort, current_app, g, request
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, make_transient_to_detached

from .extensions import db
from .models import Domain, Tenant
from .tenancy import activate, deactivate

PLATFORM, STORE, ANY = "platform", "store", "any"

_BLUEPRINT_SITES: dict[str, str] = {}
_ENDPOINT_SITES: dict[str, str] = {}


def register(app, blueprint, site: str, **options) -> None:
    """Register a blueprint and remember which site it serves."""
    _BLUEPRINT_SITES[blueprint.name] = site
    app.register_blueprint(blueprint, **options)


def serve_only_on(site: str, *endpoints: str) -> None:
    """Narrow single endpoints of a blueprint serving ANY site to ``site``."""
    for endpoint in endpoints:
        _ENDPOINT_SITES[endpoint] = site


def site_of(blueprint_name: str | None, endpoint: str | None = None) -> str:
    if endpoint in _ENDPOINT_SITES:
        return _ENDPOINT_SITES[endpoint]
    return _BLUEPRINT_SITES.get(blueprint_name or "", ANY)


def _hostname(host: str) -> str:
    """The canonical host name of a Host header: lower case, no port, no trailing dot."""
    host = host.lower()
    if host.startswith("["):
        return host[1 : host.find("]")]
    return (host.rsplit(":", 1)[0] if host.count(":") == 1 else host).rstrip(".")


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


class _HostMemo:
    """hostname -> (expires, the tenant's column values, or None for an unknown host): a per-process
    memo so a store page does not pay database round trips to learn which store it is. A change to
    a tenant or domain flushed in this process drops its entries at once; other processes see it
    within HOST_CACHE_SECONDS (default 5; 0 turns the memo off).

    Anyone can send any Host header, so the memo is bounded: at most ``MAX_HOSTS`` names, the least
    recently used going first, and unknown names (which cost a visitor nothing to invent) may hold at
    most ``MAX_UNKNOWN`` of those places, so a flood of made-up hosts cannot push the stores out."""

    MAX_HOSTS = 4096
    MAX_UNKNOWN = 512

    def __init__(self):
        self.entries: OrderedDict[str, tuple[float, dict | None]] = OrderedDict()
        self.unknown: OrderedDict[str, None] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, hostname: str):
        with self.lock:
            hit = self.entries.get(hostname)
            if hit is None or hit[0] <= time.monotonic():
                return None
            self.entries.move_to_end(hostname)
            return hit

    def put(self, hostname: str, expires: float, values: dict | None) -> None:
        with self.lock:
            self._drop(hostname)
            if values is None:
                self.unknown[hostname] = None
                while len(self.unknown) > self.MAX_UNKNOWN:
                    self._drop(next(iter(self.unknown)))
            self.entries[hostname] = (expires, values)
            while len(self.entries) > self.MAX_HOSTS:
                self._drop(next(iter(self.entries)))

    def _drop(self, hostname: str) -> None:
        self.entries.pop(hostname, None)
        self.unknown.pop(hostname, None)

    def forget(self, tenant_ids: set) -> None:
        """Drop the entries of these tenants, and every unknown host (one may be theirs now)."""
        with self.lock:
            for host, (_, values) in list(self.entries.items()):
                if values is None or values["id"] in tenant_ids:
                    self._drop(host)

    def __len__(self) -> int:
        return len(self.entries)


_HOSTS = _HostMemo()


def tenant_for_host(hostname: str) -> Tenant | None:
    ttl = current_app.config.get("HOST_CACHE_SECONDS", 5)
    hit = _HOSTS.get(hostname) if ttl else None
    if hit is not None:
        return _detached(hit[1])
    tenant = _lookup_host(hostname)
    if ttl:
        values = {c.key: getattr(tenant, c.key) for c in Tenant.__mapper__.column_attrs} if tenant else None
        _HOSTS.put(hostname, time.monotonic() + ttl, values)
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
        _HOSTS.forget(changed)


event.listen(Session, "after_flush", _forget_changed_hosts)


def _lookup_host(hostname: str) -> Tenant | None:
    slug = store_slug_for(hostname)
    if slug is not None:
        return db.session.execute(select(Tenant).where(Tenant.slug == slug)).scalar_one_or_none()
    domain = db.session.get(Domain, hostname)
    if domain is None or domain.verified_at is None:  # a claimed but unproven domain never routes
        return None
    return db.session.get(Tenant, domain.tenant_id)


def resolve_site() -> None:
    deactivate()
    hostname = _hostname(request.host)
    g.host_name = hostname
    if hostname == _hostname(current_app.config["PLATFORM_HOST"]) or _is_ip(hostname):
        g.site, g.tenant = PLATFORM, None
    else:
        tenant = tenant_for_host(hostname)
        if tenant is None:
            g.site, g.tenant = STORE, None
        else:
            activate(tenant.id)  # before attaching: no transaction is open yet, so no SET round trip
            g.site, g.tenant = STORE, _attached(tenant)
    _guard_blueprint_site()


def _attached(tenant: Tenant) -> Tenant:
    """``tenant`` in this request's session: the one already there, else this detached copy added as
    loaded (no SELECT; cheaper than ``merge``, which copies every attribute into a new instance)."""
    if tenant in db.session:
        return tenant
    present = db.session.identity_map.get(inspect(tenant).key)
    if present is not None:
        return present
    db.session.add(tenant)
    return tenant


def _guard_blueprint_site() -> None:
    wanted = site_of(request.blueprint, request.endpoint)
    if wanted != ANY and wanted != g.site:
        abort(404)
    if g.site == STORE and g.tenant is None and wanted == STORE:
        abort(404)


def platform_url(endpoint: str, **values) -> str:
    """An absolute URL of a platform endpoint on ``PLATFORM_HOST`` (works in jobs too)."""
    config = current_app.config
    adapter = current_app.url_map.bind(config["PLATFORM_HOST"], url_scheme=config["PREFERRED_URL_SCHEME"])
    return adapter.build(endpoint, {k: v for k, v in values.items() if v is not None}, force_external=True)


def _configured_port() -> str:
    platform_host = current_app.config["PLATFORM_HOST"]
    return ":" + platform_host.rsplit(":", 1)[1] if ":" in platform_host else ""


def store_url(tenant: Tenant, path: str = "/") -> str:
    """An absolute URL on ``tenant``'s canonical storefront host, ``SLUG.STORE_DOMAIN`` (the host WeChat
    knows; a custom domain's own pages use ``canonical_base_url``)."""
    scheme = current_app.config["PREFERRED_URL_SCHEME"]
    return f"{scheme}://{tenant.slug}.{current_app.config['STORE_DOMAIN'].lower()}{_configured_port()}{path}"


def canonical_base_url() -> str:
    """This store request's base URL built from the host name that resolved the store (lower case,
    no trailing dot) with the configured scheme and port — never the raw Host header, whose port
    and letter-case variants would otherwise each be a distinct page (and cache entry)."""
    hostname = g.get("host_name") or _hostname(request.host)
    return f"{current_app.config['PREFERRED_URL_SCHEME']}://{hostname}{_configured_port()}"


def return_base_url() -> str:
    """Where a provider (a cashier, a payment page) sends the shopper back on this store request: the
    host they came on, port included. Only for requests that resolved to a store, so the host name is
    one of the store's own (an unknown Host was refused before any view ran)."""
    if g.get("tenant") is None:
        return canonical_base_url()
    return request.host_url.rstrip("/")


def init_app(app) -> None:
    app.before_request(resolve_site)
    app.teardown_request(lambda exc: deactivate())


def register_api(blueprint, site: str = PLATFORM) -> None:
    """Register a flask-smorest blueprint: documented in the OpenAPI document, CSRF checked by
    ``auth.check_staff`` only when the caller uses a session cookie instead of a token."""
    from .extensions import api, csrf

    _BLUEPRINT_SITES[blueprint.name] = site
    csrf.exempt(blueprint)
    api.register_blueprint(blueprint)
