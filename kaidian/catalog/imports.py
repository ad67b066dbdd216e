"""Bulk import of products from a spreadsheet, as a background job.

One row is one SKU. A row whose SKU code the store already has **updates** that SKU (and its
product's fields given in the row); otherwise the row adds a SKU to the product of the same title
(one created earlier in this import, or an existing one), or creates the product. So importing
the same file twice updates instead of duplicating.

The job commits every ``BATCH_SIZE`` rows, together with the rows' report and the ``processed``
counter, holding a lock on the import row: a worker killed mid-way loses at most the uncommitted
batch, and the next run (RQ's retry, the stale-import sweep, or the merchant's "resume") starts
after the last committed row. Each row runs in a savepoint: a bad row is refused with its reason
and the good ones go on. Rows that would pass the plan's product limit are refused too.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale, get_locale, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from rq import Retry
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from kaidian.billing import services as billing
from kaidian.billing.services import PlanLimitReached
from kaidian.platform import audit, richtext
from kaidian.platform.errors import AppError, NotFound
from kaidian.platform.extensions import db
from kaidian.platform.jobs import enqueue
from kaidian.platform.models import Tenant, User, utcnow
from kaidian.platform.money import BadAmount, parse_yuan
from kaidian.platform.storage import get_storage, read_upload
from kaidian.platform.tenancy import all_tenants, tenant_context
from kaidian.platform.unit import atomic, unit

from . import products, sheets, specs, stock, taxonomy
from .models import ImportJob, ImportRow, ImportStatus, Product, ProductStatus, Sku

BATCH_SIZE = 100
MAX_FILE_BYTES = 5 * 1024 * 1024
STALE_AFTER = timedelta(minutes=10)
YES = {"yes", "y", "true", "1", "on", "是", "上架", "在售"}
NO = {"no", "n", "false", "0", "off", "否", "下架", "仓库中"}


@dataclass
class Memo:
    """What one run of an import remembers between rows (filled only from rows that succeeded, so
    a rolled-back savepoint never leaves a stale entry): products by title, categories by path,
    and the store's product count (re-read at each batch, under the tenant lock)."""

    titles: dict = field(default_factory=dict)
    categories: dict = field(default_factory=dict)
    product_count: int = 0


class RowRefused(ValueError):
    """A row cannot be imported; the message is the reason shown in the report."""


def file_limit() -> int:
    return current_app.config.get("CATALOG_IMPORT_MAX_BYTES") or MAX_FILE_BYTES


# --- starting an import ------------------------------------------------------------------------


@atomic
def start(tenant: Tenant, upload, actor: User | None) -> ImportJob:
    """Check the uploaded file cheaply (by content, never parsing its rows here), keep it, and queue
    the import job, which reads it under the limits (``sheets``) and counts its rows."""
    data = read_upload(upload, max_bytes=file_limit())
    file_format = sheets.sniff(data, upload.filename)
    sheets.inspect(data, file_format)
    key = f"p/{tenant.id}/imports/{uuid.uuid4().hex}.{file_format}"
    get_storage().save(key, data, "text/csv" if file_format == "csv" else
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    job = ImportJob(tenant_id=tenant.id, filename=(upload.filename or "import")[-200:], file_key=key,
                    file_format=file_format, total=0, locale=str(get_locale() or "zh"),
                    created_by=actor.id if actor else None)
    db.session.add(job)
    db.session.flush()
    audit.record("catalog.import", job.filename, tenant_id=tenant.id, actor_id=job.created_by)
    queue_run(job)
    return job


def queue_run(job: ImportJob) -> None:
    from .tasks import run_import

    enqueue(run_import, job.tenant_id, job.id, queue="default", timeout=3600,
            retry=Retry(max=3, interval=[30, 120, 600]), job_id=f"catalog-import-{job.id}")


@atomic
def resume(job: ImportJob) -> ImportJob:
    """Queue an unfinished (or failed) import again; it goes on after its last committed row."""
    if job.status == ImportStatus.DONE:
        return job
    job.status, job.error = ImportStatus.QUEUED, ""
    queue_run(job)
    return job


def get(import_id: uuid.UUID) -> ImportJob:
    row = db.session.execute(select(ImportJob).where(ImportJob.id == import_id)).scalar_one_or_none()
    if row is None:
        raise NotFound()
    return row


def recent(page: int = 1, per_page: int = 20) -> tuple[list[ImportJob], int]:
    total = db.session.execute(select(func.count()).select_from(ImportJob)).scalar()
    rows = db.session.execute(select(ImportJob).order_by(ImportJob.created_at.desc())
                              .offset((page - 1) * per_page).limit(per_page)).scalars()
    return list(rows), total


def report_rows(job: ImportJob) -> list[ImportRow]:
    return list(db.session.execute(
        select(ImportRow).where(ImportRow.import_id == job.id).order_by(ImportRow.row_number)
    ).scalars())


def report_page(job: ImportJob, outcome: str | None = None, page: int = 1,
                per_page: int = 200) -> tuple[list[ImportRow], int]:
    """One page of the report (optionally only created / updated / refused rows) and the row count."""
    query = select(ImportRow).where(ImportRow.import_id == job.id)
    if outcome in ("created", "updated", "refused"):
        query = query.where(ImportRow.outcome == outcome)
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar()
    rows = db.session.execute(query.order_by(ImportRow.row_number).offset((page - 1) * per_page).limit(per_page))
    return list(rows.scalars()), total


def report_csv(job: ImportJob) -> bytes:
    labels = {"created": pgettext("import outcome", "Created"), "updated": _("Updated"), "refused": _("Refused")}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Row"), _("Outcome"), _("Title"), _("SKU code"), _("Reason")])
    for row in report_rows(job):
        writer.writerow([row.row_number, labels.get(row.outcome, row.outcome), _safe(row.title),
                         _safe(row.sku_code), _safe(row.reason)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _safe(text: str) -> str:
    """Spreadsheet apps run cells starting with = + - @ as formulas: quote them."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# --- running it (inside the job) ---------------------------------------------------------------


def run(tenant_id: uuid.UUID, import_id: uuid.UUID) -> None:
    with tenant_context(tenant_id):
        job = db.session.get(ImportJob, (tenant_id, import_id))
        if job is None or job.status == ImportStatus.DONE:
            return
        with force_locale(job.locale or "zh"):
            _run(job)


def _run(job: ImportJob) -> None:
    tenant_id, import_id = job.tenant_id, job.id
    with unit():
        job.status, job.error, job.heartbeat_at = ImportStatus.RUNNING, "", utcnow()
        job.started_at = job.started_at or job.heartbeat_at
    try:
        table = sheets.parse(get_storage().read(job.file_key), job.file_format)
        if job.total != len(table.records):
            with unit():
                job = _lock(tenant_id, import_id)
                job.total = len(table.records)
        memo = _memo_for(job)
        batch = []
        for index, (number, record) in enumerate(table.records):
            if index < job.processed:
                continue
            batch.append((index, number, record))
            if len(batch) >= BATCH_SIZE:
                job = _run_batch(tenant_id, import_id, batch, memo)
                batch = []
        if batch:
            job = _run_batch(tenant_id, import_id, batch, memo)
        _finish(tenant_id, import_id, ImportStatus.DONE)
    except Exception as exc:
        db.session.rollback()
        message = str(exc.message) if isinstance(exc, AppError) else _("The import stopped unexpectedly.")
        _finish(tenant_id, import_id, ImportStatus.FAILED, message)
        if not isinstance(exc, AppError):
            raise


def _lock(tenant_id, import_id) -> ImportJob:
    return db.session.execute(
        select(ImportJob).where(ImportJob.tenant_id == tenant_id, ImportJob.id == import_id)
        .with_for_update().execution_options(populate_existing=True)
    ).scalar_one()


@atomic
def _finish(tenant_id, import_id, status: ImportStatus, error: str = "") -> None:
    job = _lock(tenant_id, import_id)
    job.status, job.error, job.finished_at = status, error[:500], utcnow()


def _memo_for(job: ImportJob) -> Memo:
    """Live products by title (the newest wins), then those this import already touched."""
    memo = Memo()
    live = db.session.execute(select(Product.title, Product.id).where(Product.deleted_at.is_(None))
                              .order_by(Product.created_at))
    memo.titles.update({title: product_id for title, product_id in live})
    touched = db.session.execute(select(ImportRow.title, ImportRow.product_id).where(
        ImportRow.import_id == job.id, ImportRow.product_id.is_not(None)).order_by(ImportRow.row_number))
    memo.titles.update({title: product_id for title, product_id in touched})
    return memo


@atomic
def _run_batch(tenant_id, import_id, batch, memo: Memo) -> ImportJob:
    """One batch of rows, committed as one unit (the job goes on after its last committed row)."""
    job = _lock(tenant_id, import_id)  # a second worker on the same import waits here, then skips
    tenant = db.session.get(Tenant, tenant_id)
    products.lock_tenant(tenant)
    memo.product_count = products.live_count()
    for index, number, record in batch:
        if index < job.processed:
            continue
        outcome, product_id, sku_id, reason = _one_row(job, tenant, record, memo)
        db.session.add(ImportRow(import_id=job.id, row_number=number, outcome=outcome,
                                 title=record.get("title", "")[:100], sku_code=record.get("sku_code", "")[:64],
                                 product_id=product_id, sku_id=sku_id, reason=reason[:300]))
        setattr(job, outcome, getattr(job, outcome) + 1)
        job.processed = index + 1
    job.heartbeat_at = utcnow()
    return job


def _one_row(job: ImportJob, tenant: Tenant, record: dict, memo: Memo):
    try:
        values = parse_record(record)
        with db.session.begin_nested():
            outcome, sku, new_product = apply_row(job, tenant, values, memo)
            category_id = sku.product.category_id
        # remembered only once the row has succeeded (a rolled-back savepoint leaves nothing stale)
        memo.titles[values["title"]] = sku.product_id
        memo.product_count += 1 if new_product else 0
        if values["category"] and category_id:
            memo.categories[values["category"]] = category_id
        return outcome, sku.product_id, sku.id, ""
    except RowRefused as exc:
        return "refused", None, None, str(exc)
    except PlanLimitReached as exc:
        return "refused", None, None, str(exc.message)
    except AppError as exc:
        return "refused", None, None, _reason(exc)
    except IntegrityError:
        memo.categories.clear()  # a category may have been deleted meanwhile
        return "refused", None, None, _("This row conflicts with another product (is the SKU code unique?).")


def _reason(exc: AppError) -> str:
    details = []
    for messages in exc.fields.values():
        values = messages.values() if isinstance(messages, dict) else messages
        details.extend(str(m) for m in (values if isinstance(values, list | tuple) else [values]))
    return "; ".join(details) or str(exc.message)


# --- one row -----------------------------------------------------------------------------------


def _whole(record: dict, key: str, label, required: bool = False, maximum: int = 10_000_000) -> int | None:
    text = record.get(key, "").strip()
    if not text:
        if required:
            raise RowRefused(_("%(column)s is required.", column=label))
        return None
    try:
        number = int(text)
    except ValueError:
        raise RowRefused(_("%(column)s must be a whole number, not %(value)s.", column=label, value=text)) from None
    if not 0 <= number <= maximum:
        raise RowRefused(_("%(column)s must be between 0 and %(max)s.", column=label, max=maximum))
    return number


def _money(record: dict, key: str, label, required: bool = False) -> int | None:
    text = record.get(key, "").strip()
    if not text:
        if required:
            raise RowRefused(_("%(column)s is required.", column=label))
        return None
    try:
        return parse_yuan(text)
    except BadAmount:
        raise RowRefused(_("%(column)s must be an amount in yuan like 12.30, not %(value)s.", column=label,
                           value=text)) from None


def _text(record: dict, key: str, label, limit: int, required: bool = False) -> str:
    text = record.get(key, "").strip()
    if required and not text:
        raise RowRefused(_("%(column)s is required.", column=label))
    if len(text) > limit:
        raise RowRefused(_("%(column)s is longer than %(n)s characters.", column=label, n=limit))
    return text


def parse_record(record: dict) -> dict:
    """A row's texts → checked values (``RowRefused`` with the reason otherwise)."""
    labels = {c.key: str(c.label) for c in sheets.COLUMNS}
    values = {
        "title": " ".join(_text(record, "title", labels["title"], 100, required=True).split()),
        "subtitle": _text(record, "subtitle", labels["subtitle"], 120),
        "category": _text(record, "category", labels["category"], 61),
        "groups": [g for g in _split(record.get("groups", "")) if g],
        "price": _money(record, "price", labels["price"], required=True),
        "original_price": _money(record, "original_price", labels["original_price"]),
        "stock": _whole(record, "stock", labels["stock"], required=True),
        "weight_grams": _whole(record, "weight", labels["weight"], maximum=1_000_000),
        "code": _text(record, "sku_code", labels["sku_code"], 64, required=True),
        "barcode": _text(record, "barcode", labels["barcode"], 64),
        "on_sale": _yes_no(record.get("on_sale", ""), labels["on_sale"]),
        "low_stock_threshold": _whole(record, "low_stock_threshold", labels["low_stock_threshold"]),
        "description": record.get("description", "").strip(),
    }
    values["spec_names"], values["spec_values"] = _specs(record, labels)
    return values


def _split(text: str) -> list[str]:
    for separator in ("，", "、", ";", "；"):
        text = text.replace(separator, ",")
    return [" ".join(part.split()) for part in text.split(",")]


def _yes_no(text: str, label) -> bool | None:
    text = text.strip().lower()
    if not text:
        return None
    if text in YES or text in NO:
        return text in YES
    raise RowRefused(_("%(column)s must be yes or no, not %(value)s.", column=label, value=text))


def _specs(record: dict, labels: dict) -> tuple[list[str], list[str]]:
    names, values = [], []
    for i in (1, 2, 3):
        name = " ".join(record.get(f"spec{i}_name", "").split())
        value = " ".join(record.get(f"spec{i}_value", "").split())
        if bool(name) != bool(value):
            raise RowRefused(_("%(name)s and %(value)s go together: fill in both or neither.",
                               name=labels[f"spec{i}_name"], value=labels[f"spec{i}_value"]))
        if name:
            if name in names:
                raise RowRefused(_("Two specs of the row are both named %(name)s.", name=name))
            if len(name) > 20 or len(value) > 30:
                raise RowRefused(_("A spec name has at most 20 characters and a value at most 30."))
            names.append(name)
            values.append(value)
    return names, values


def apply_row(job: ImportJob, tenant: Tenant, values: dict, memo: Memo) -> tuple[str, Sku, bool]:
    """Create or update what the row describes; returns ("created" | "updated", the SKU, whether
    a product was created)."""
    sku = db.session.execute(
        select(Sku).join(Product, (Product.tenant_id == Sku.tenant_id) & (Product.id == Sku.product_id))
        .where(Sku.code == values["code"], Sku.retired_at.is_(None), Product.deleted_at.is_(None))
    ).scalar_one_or_none()
    if sku is not None:
        _update_sku(sku, values)
        _update_product(sku.product, values, creating=False, memo=memo)
        return "updated", sku, False
    product = _product_for(tenant, values["title"], memo)
    if product is None:
        billing.check_limit(tenant, "products", memo.product_count)
        product = Product(tenant_id=tenant.id, title=values["title"], status=ProductStatus.OFF_SALE, specs=[])
        db.session.add(product)
        _update_product(product, values, creating=True, memo=memo)
        return "created", _add_sku(product, values), True
    _update_product(product, values, creating=False, memo=memo)
    return "created", _add_sku(product, values), False


def _product_for(tenant: Tenant, title: str, memo: Memo) -> Product | None:
    """The product this title names: the one this import last touched with it, else the newest live one."""
    product_id = memo.titles.get(title)
    product = db.session.get(Product, (tenant.id, product_id)) if product_id else None
    if product is not None and product.deleted_at is None and product.title == title:
        return product
    return None


def _spec_names(product: Product) -> list[str]:
    return [d["name"] for d in product.specs]


def _update_sku(sku: Sku, values: dict) -> None:
    product = sku.product
    if values["spec_names"] and (values["spec_names"] != _spec_names(product)
                                 or values["spec_values"] != list(sku.spec_values)):
        raise RowRefused(_("SKU code %(code)s is %(sku)s of %(title)s; the row's specs differ.",
                           code=values["code"], sku=specs.label_of(sku.spec_values), title=product.title))
    sku.price = values["price"]
    if values["original_price"] is not None:
        sku.original_price = values["original_price"]
    if values["weight_grams"] is not None:
        sku.weight_grams = values["weight_grams"]
    if values["barcode"]:
        sku.barcode = values["barcode"]
    db.session.flush()
    stock.set_stock(sku, values["stock"], "import", note=f"import {values['code']}")


def _update_product(product: Product, values: dict, creating: bool, memo: Memo) -> None:
    product.title = values["title"]
    if values["subtitle"]:
        product.subtitle = values["subtitle"]
    if values["category"]:
        known = memo.categories.get(values["category"])
        product.category_id = known or taxonomy.find_or_create_path(values["category"]).id
    if values["on_sale"] is not None:
        product.status = ProductStatus.ON_SALE if values["on_sale"] else ProductStatus.OFF_SALE
    if values["low_stock_threshold"] is not None:
        product.low_stock_threshold = values["low_stock_threshold"]
    if values["description"]:
        product.description = richtext.clean(values["description"])
    product.updated_at = utcnow()
    db.session.flush()
    if values["groups"]:
        current = set(products.group_ids_of(product)) if not creating else set()
        wanted = current | {g.id for g in taxonomy.find_or_create_groups(values["groups"])}
        if wanted != current:
            products.set_groups(product, list(wanted))


def _add_sku(product: Product, values: dict) -> Sku:
    """Add the row's combination to the product's specs (filling any other new combination with
    stock 0 at this row's price, as the SKU table is a full cartesian product)."""
    names, chosen = values["spec_names"], values["spec_values"]
    if product.active_skus and names != _spec_names(product):
        raise RowRefused(_("%(title)s has the specs %(have)s; this row gives %(given)s.", title=product.title,
                           have=" × ".join(_spec_names(product)) or _("none"),
                           given=" × ".join(names) or _("none")))
    dimensions = [{"name": d["name"], "values": list(d["values"])} for d in product.specs] \
        if product.active_skus else [{"name": n, "values": []} for n in names]
    for dimension, value in zip(dimensions, chosen, strict=True):
        if value not in dimension["values"]:
            dimension["values"].append(value)
    key = specs.key_of(dimensions, chosen)
    existing = next((s for s in product.active_skus if s.spec_key == key), None)
    if existing is not None and existing.code:
        raise RowRefused(_("%(title)s already has %(sku)s, with SKU code %(code)s.", title=product.title,
                           sku=specs.label_of(chosen), code=existing.code))
    entry = {"spec_values": chosen, "price": values["price"], "original_price": values["original_price"],
             "stock": values["stock"], "code": values["code"], "barcode": values["barcode"]}
    if values["weight_grams"] is not None:
        entry["weight_grams"] = values["weight_grams"]
    specs.apply(product, dimensions, [entry], stock_reason="import", fill_price=values["price"])
    return next(s for s in product.active_skus if s.spec_key == key)


# --- the sweep for imports whose worker died ------------------------------------------------------


def resume_stale() -> int:
    """Queue again every import that is queued or running but has not progressed for a while."""
    limit = utcnow() - STALE_AFTER
    with all_tenants():
        rows = db.session.execute(select(ImportJob).where(
            ImportJob.status.in_([ImportStatus.QUEUED, ImportStatus.RUNNING]),
            func.coalesce(ImportJob.heartbeat_at, ImportJob.created_at) < limit,
        )).scalars().all()
        with unit():
            for job in rows:
                job.heartbeat_at = utcnow()
                queue_run(job)
    return len(rows)


__all__ = ["start", "run", "resume", "get", "recent", "report_rows", "report_csv", "_l"]
