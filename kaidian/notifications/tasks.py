"""The notifications package's jobs."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant
from kaidian.platform.tenancy import current_tenant_id, tenant_context
from kaidian.platform.unit import unit

from . import channels, services
from .models import Notification


def deliver_notification(tenant_id, notification_id) -> dict:
    """Send one notification on each configured channel not done yet (``channels.send_all``: a channel that
    succeeded is never sent again; one that fails is recorded and does not stop the others)."""
    with tenant_context(tenant_id), unit():
        row = db.session.get(Notification, (current_tenant_id(), notification_id))
        tenant = db.session.get(Tenant, tenant_id)
        if row is None or tenant is None:
            return {}
        locale = tenant.default_locale or "zh"
        with force_locale(locale):
            subject = _("%(store)s: a new notification", store=tenant.name)
        body = services.text(row, locale)
        row.deliveries = channels.send_all(tenant, subject, body, previous=row.deliveries,
                                           topic=services.topic(row, locale))
        return row.deliveries
