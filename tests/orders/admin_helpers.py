"""Ids of the merchant admin's own order rows, for the cross-tenant walker."""

from __future__ import annotations


def seed_orders_admin_ids(tenant) -> dict:
    """An order export (finished, with its file), made through the service and its job. Call inside
    the store's tenant context, after ``seed_order_ids``."""
    from kaidian.orders import exports
    from kaidian.platform.extensions import db

    row = exports.start({"file_format": "csv", "filters": {}}, None)
    db.session.commit()  # the job runs after the commit (inline in tests)
    return {"export_id": row.id}
