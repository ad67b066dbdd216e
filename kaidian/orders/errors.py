"""The orders domain's error codes (one JSON shape, from ``kaidian.platform.errors``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from kaidian.platform.errors import AppError, Conflict, NotFound, ValidationFailed


class IllegalTransition(Conflict):
    """An order (or after-sales request) cannot take this step from its current status."""

    code = "illegal_transition"
    message = _l("This order cannot do that in its current status.")

    def __init__(self, message=None, *, status_from: str = "", action: str = "", **kwargs):
        super().__init__(message, **kwargs)
        self.status_from, self.action = status_from, action


class PricesChanged(Conflict):
    """The totals the shopper saw differ from the server's: nothing was placed; ``preview`` has the
    new figures."""

    code = "prices_changed"
    message = _l("Prices or freight changed since you opened this page. Please check the new total.")

    def __init__(self, preview: dict, **kwargs):
        super().__init__(**kwargs)
        self.preview = preview


class CartUnavailable(Conflict):
    """Some lines cannot be bought (gone, off sale, short on stock): nothing was placed."""

    code = "lines_unavailable"
    message = _l("Some items cannot be bought as they are. Please check your order.")

    def __init__(self, lines: list, **kwargs):
        super().__init__(**kwargs)
        self.lines = lines


class NotDelivered(Conflict):
    code = "not_delivered"
    message = _l("Some items cannot be delivered to this address.")


class CartFull(Conflict):
    code = "cart_full"
    message = _l("Your cart is full. Remove some items first.")


class PaymentUnavailable(AppError):
    status = 503
    code = "payment_unavailable"
    message = _l("Payment is not available right now. Please try again later.")


__all__ = ["AppError", "CartFull", "CartUnavailable", "Conflict", "IllegalTransition", "NotDelivered",
           "NotFound", "PaymentUnavailable", "PricesChanged", "ValidationFailed"]
