"""The payments package's errors (one JSON shape, from ``kaidian.platform.errors``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from kaidian.platform.errors import AppError, NotFound


class PaymentError(AppError):
    """A payment cannot be started, closed, queried or refunded; the message says why."""

    status = 409
    code = "payment_error"
    message = _l("The payment could not be processed.")


class NotConfigured(PaymentError):
    code = "payment_not_configured"
    message = _l("This store cannot take payments yet: its payment settings are missing or incomplete.")


class ProviderFailed(PaymentError):
    """The provider refused a call or could not be reached (``detail`` keeps its own words)."""

    status = 502
    code = "payment_provider_failed"
    message = _l("The payment provider could not be reached or refused the request.")

    def __init__(self, message=None, *, detail: str = "", provider_code: str = "", http_status: int = 0, **kwargs):
        super().__init__(message, **kwargs)
        self.detail, self.provider_code, self.http_status = detail, provider_code, http_status


class SettingsInUse(PaymentError):
    """A change of who is paid (mode, merchant, sub-merchant) while payments made the old way are open."""

    code = "payment_settings_in_use"
    message = _l("Payments started with the current settings are still open: they can only be closed, checked "
                 "and confirmed with those settings. Wait until they are paid or closed (at most the store's "
                 "payment window), then change the settings.")


class AlreadyPaid(PaymentError):
    code = "payment_already_paid"
    message = _l("This has already been paid.")


class PaymentNotFound(NotFound):
    code = "payment_not_found"
    message = _l("No such payment.")


class RefundRefused(PaymentError):
    code = "refund_refused"
    message = _l("The refund cannot be made.")


class NotificationRefused(Exception):
    """A provider notification that must not be applied: answered with ``status`` and
    ``{"code": "FAIL", "message": …}`` (the provider then retries), and recorded."""

    def __init__(self, message: str, status: int = 400, *, verified: bool = False,
                 audit: tuple[str, str] | None = None) -> None:
        super().__init__(message)
        self.message, self.status, self.verified, self.audit = message, status, verified, audit
