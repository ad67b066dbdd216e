"""The tenants package's jobs: importable functions that take ids and are safe to run again."""

from __future__ import annotations

import uuid

from kaidian.platform.jobs import periodic


def check_domain(tenant_id: uuid.UUID | str, host: str) -> None:
    """Look up a claimed domain's TXT record; mark it verified when it matches (no-op once verified)."""
    from kaidian.platform.tenancy import tenant_context

    from . import domains

    with tenant_context(uuid.UUID(str(tenant_id))):
        domains.verify(uuid.UUID(str(tenant_id)), host)


@periodic(interval=600, queue="low", timeout=120)
def recheck_pending_domains() -> None:
    """Queue a check of every domain still pending (claimed within the last week)."""
    from kaidian.platform.tenancy import all_tenants
    from kaidian.platform.unit import unit

    from . import domains

    with all_tenants(), unit():
        for tenant_id, host in domains.pending_hosts():
            domains.queue_check(tenant_id, host)
