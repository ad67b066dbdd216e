"""The catalog's error codes (one JSON shape, from ``kaidian.platform.errors``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from kaidian.platform.errors import AppError, Conflict, ValidationFailed


class InsufficientStock(Conflict):
    """A decrement would take a SKU's stock below zero; nothing was changed."""

    code = "insufficient_stock"
    message = _l("Not enough stock.")

    def __init__(self, message=None, *, sku_id=None, available: int | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.sku_id, self.available = sku_id, available


class SkuCodeTaken(Conflict):
    code = "sku_code_taken"
    message = _l("This SKU code is already used by another product of the store.")


class ImportRefused(ValidationFailed):
    """The uploaded import file as a whole is refused (not a real CSV/XLSX, too large, bad header)."""

    code = "import_refused"


__all__ = ["AppError", "ImportRefused", "InsufficientStock", "SkuCodeTaken"]
