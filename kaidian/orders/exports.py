"""Exports of the merchant's orders to CSV or XLSX, as a background job with a progress bar.

``start`` records an ``OrderExport`` with the list's filters (as loaded by ``AdminOrderQuerySchema``)
and queues ``tasks.run_export`` after the commit. The job counts the orders (created up to the
export's own time, so orders placed meanwhile do not move the target), then reads them in batches by
keyset, committing ``processed`` after each batch so the admin page's bar moves; the file is built
in memory (CSV, or XLSX through openpyxl's write-only mode) and saved through ``platform/storage.py``
at the end. The job is idempotent: a finished export is left alone, a running or failed one starts
over (nothing is saved before the end). The download is served by the admin (the file holds
shoppers' addresses and mobiles; storage URLs may be public), never by a storage URL.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date

from flask_babel import force_locale, get_locale, to_user_timezone
from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from kaidian.platform import shipping_trace
from kaidian.platform.errors import NotFound
from kaidian.platform.extensions import db
from kaidian.platform.jobs import enqueue
from kaidian.platform.models import User, utcnow
from kaidian.platform.money import fen_to_yuan
from kaidian.platform.storage import get_storage, new_private_key
from kaidian.platform.unit import atomic, unit

from . import services, states
from .models import Order, OrderExport
from .schemas import AdminOrderQuerySchema, ExportInSchema, load

BATCH_SIZE = 200
MAX_ROWS = 100_000
AMOUNT = re.compile(r"-?\d+\.\d{2}")
MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@atomic
def start(data: dict, actor: User | None) -> OrderExport:
    """Record the export of the orders the filters select and queue its job (after the commit)."""
    from . import tasks

    values = load(ExportInSchema(), data)
    filters = {key: value.isoformat() if isinstance(value, date) else value
               for key, value in values["filters"].items() if key not in ("page", "per_page")}
    row = OrderExport(file_format=values["file_format"], filters=filters, locale=str(get_locale() or "zh"),
                      created_by=actor.id if actor is not None else None)
    db.session.add(row)
    db.session.flush()
    enqueue(tasks.run_export, row.tenant_id, row.id, queue="low", timeout=1800, job_id=f"order-export-{row.id}")
    return row


def get(export_id: uuid.UUID) -> OrderExport:
    row = db.session.execute(select(OrderExport).where(OrderExport.id == export_id)).scalar_one_or_none()
    if row is None:
        raise NotFound()
    return row


def recent(limit: int = 10) -> list[OrderExport]:
    return list(db.session.execute(select(OrderExport).order_by(OrderExport.created_at.desc()).limit(limit)).scalars())


def progress(row: OrderExport) -> dict:
    return {"status": row.status, "total": row.total, "processed": row.processed, "percent": row.percent,
            "finished": row.finished, "error": row.error}


def read_file(row: OrderExport) -> tuple[bytes, str, str]:
    """(content, mimetype, file name) of a finished export."""
    if row.status != "done" or not row.file_key:
        raise NotFound()
    name = f"orders-{row.created_at:%Y%m%d-%H%M}.{row.file_format}"
    return get_storage().read(row.file_key), MIMETYPES[row.file_format], name


# --- the job ---------------------------------------------------------------------------------------


def run(export_id: uuid.UUID) -> None:
    """Write the export (inside the store's tenant context); see the module's docstring."""
    with unit():
        row = _lock(export_id)
        if row is None or row.status == "done":
            return
        conditions = _conditions(row)
        row.status, row.processed, row.error = "running", 0, ""
        row.total = min(MAX_ROWS, db.session.execute(select(func.count()).select_from(Order).where(*conditions))
                        .scalar())
        total, file_format, locale, tenant_id = row.total, row.file_format, row.locale, row.tenant_id
    try:
        with force_locale(locale):
            sheet = _Sheet(file_format)
            sheet.append(_header())
            after, written = None, 0
            while written < total:
                batch = _batch(conditions, after, min(BATCH_SIZE, total - written))
                if not batch:
                    break
                for order in batch:
                    sheet.append(_row(order))
                written += len(batch)
                after = (batch[-1].created_at, batch[-1].id)
                db.session.rollback()  # the batch's snapshot goes; the progress is one small unit
                with unit():
                    _lock(export_id).processed = written
            data = sheet.close()
        key = new_private_key(tenant_id, "exports", file_format)
        get_storage().save(key, data, MIMETYPES[file_format])
        with unit():
            done = _lock(export_id)
            done.status, done.file_key, done.processed, done.finished_at = "done", key, written, utcnow()
    except Exception as exc:
        db.session.rollback()
        with unit():
            failed = _lock(export_id)
            failed.status, failed.error, failed.finished_at = "failed", str(exc)[:300], utcnow()
        raise


def _lock(export_id: uuid.UUID) -> OrderExport | None:
    return db.session.execute(select(OrderExport).where(OrderExport.id == export_id).with_for_update()
                              .execution_options(populate_existing=True)).scalar_one_or_none()


def _conditions(row: OrderExport) -> list:
    filters = AdminOrderQuerySchema().load(dict(row.filters))
    filters.pop("page", None), filters.pop("per_page", None)
    return [*services.filter_conditions(**filters), Order.created_at <= row.created_at]


def _batch(conditions: list, after, limit: int) -> list[Order]:
    query = select(Order).where(*conditions).options(selectinload(Order.lines))
    if after is not None:
        created, last_id = after
        query = query.where(or_(Order.created_at < created, and_(Order.created_at == created, Order.id > last_id)))
    return list(db.session.execute(query.order_by(Order.created_at.desc(), Order.id).limit(limit)).scalars())


def _header() -> list[str]:
    return [_("Order number"), _("Created"), _("Status"), _("Delivery"), _("Items"), _("Quantity"),
            _("Goods"), _("Freight"), _("Price change"), _("Total"), _("Paid"), _("Refunded"), _("Recipient"),
            _("Mobile"), _("Shipping address"), _("Pickup point"), _("Carrier"), _("Tracking number"), _("Buyer note"),
            _("Merchant remark"), _("Paid at"), _("Shipped at")]


def _row(order: Order) -> list:
    address = order.address or {}
    place = "".join(str(address.get(k) or "") for k in ("province", "city", "district", "detail"))
    items = "; ".join(f"{line.title}{' ' + line.spec_text if line.spec_text else ''} ×{line.quantity}"
                      for line in order.lines)
    return [order.number, _time(order.created_at), str(states.ORDER_STATUS_LABELS.get(order.status, order.status)),
            _("Express") if order.delivery_method == "express" else _("Pickup"), items, order.quantity,
            fen_to_yuan(order.goods_fen), fen_to_yuan(order.freight_fen), fen_to_yuan(order.adjust_fen),
            fen_to_yuan(order.total_fen), fen_to_yuan(order.paid_fen), fen_to_yuan(order.refunded_fen),
            address.get("name", ""), address.get("mobile", ""), place, (order.pickup_point or {}).get("name", ""),
            shipping_trace.carrier_name(order.carrier) if order.carrier else "", order.tracking_number,
            order.note, order.merchant_remark, _time(order.paid_at), _time(order.shipped_at)]


def _time(value) -> str:
    """In the store's time zone (Babel's), as the admin shows it."""
    return to_user_timezone(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _safe(value):
    """A cell a spreadsheet would run as a formula (=, +, -, @ first) is kept as text (amounts stay)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") and not AMOUNT.fullmatch(value):
        return "'" + value
    return value


class _Sheet:
    def __init__(self, file_format: str):
        self.format = file_format
        if file_format == "csv":
            self.buffer = io.StringIO()
            self.writer = csv.writer(self.buffer)
        else:
            self.book = Workbook(write_only=True)
            self.sheet = self.book.create_sheet("orders")

    def append(self, values: list) -> None:
        values = [_safe(value) for value in values]
        if self.format == "csv":
            self.writer.writerow(values)
        else:
            self.sheet.append(values)

    def close(self) -> bytes:
        if self.format == "csv":
            return ("\ufeff" + self.buffer.getvalue()).encode("utf-8")  # the BOM: Excel reads UTF-8
        out = io.BytesIO()
        self.book.save(out)
        return out.getvalue()
