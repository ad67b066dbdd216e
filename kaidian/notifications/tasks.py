"""The notifications package's jobs."""

from __future__ import annotations

import logging

from flask_babel import force_locale
from flask_babel import gettext as _

from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant
from kaidian.platform.tenancy import current_tenant_id, tenant_context
from kaidian.platform.unit import unit

from . import channels, services
from .models import Notification

log = logging.getLogger(__name__)


def deliver_notification(tenant_id, notification_id) -> dict:
    """Send one notification on each configured channel not tried yet (idempotent per channel); a channel
    that fails is recorded and does not stop the others."""
    with tenant_context(tenant_id), unit():
        row = db.session.get(Notification, (current_tenant_id(), notification_id))
        tenant = db.session.get(Tenant, tenant_id)
        if row is None or tenant is None:
            return {}
        locale = tenant.default_locale or "zh"
        with force_locale(locale):
            subject = _("%(store)s: a new notification", store=tenant.name)
        body = services.text(row, locale)
        done = dict(row.deliveries or {})
        for name in channels.configured():
            if name in done:
                continue
            try:
                done[name] = channels.CHANNELS[name](tenant, subject, body)
            except channels.ChannelFailed as error:
                log.warning("notification %s: %s", row.id, error)
                done[name] = f"failed: {error}"[:200]
        row.deliveries = done
        return done
