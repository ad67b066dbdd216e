"""Product use cases: create, edit (basics, specs and SKUs), on/off sale, delete; one SKU's edit.

HTML views and the JSON API both call these; nothing here reads ``request``. The plan's product
limit is checked (with the tenant row locked, so two concurrent creations cannot both pass it).
"""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from kaidian.billing import services as billing
from kaidian.platform import audit, richtext
from kaidian.platform.errors import NotFound, ValidationFailed
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant, User, utcnow
from kaidian.platform.unit import atomic, unit
from kaidian.platform.validation import load

from . import changes, specs, stock, taxonomy
from .errors import SkuCodeTaken
from .models import Product, ProductGroupLink, ProductStatus, Sku
from .schemas import ProductInSchema, SkuPatchSchema, StockAdjustSchema

IMAGE_HINT_BELOW = 3
BASIC_FIELDS = ("title", "subtitle", "low_stock_threshold", "freight_template_id")


def live_count() -> int:
    return db.session.execute(
        select(func.count()).select_from(Product).where(Product.deleted_at.is_(None))
    ).scalar()


def check_room(tenant: Tenant, adding: int = 1) -> None:
    """Raise ``PlanLimitReached`` (with the upgrade link) if ``adding`` products would pass the plan."""
    billing.check_limit(tenant, "products", live_count(), adding)


def lock_tenant(tenant: Tenant) -> None:
    """Serialize product creation within a store (PostgreSQL row lock; a no-op on SQLite)."""
    db.session.execute(select(Tenant.id).where(Tenant.id == tenant.id).with_for_update())


def get(product_id: uuid.UUID) -> Product:
    row = db.session.execute(
        select(Product).where(Product.id == product_id, Product.deleted_at.is_(None))
        .options(selectinload(Product.skus), selectinload(Product.images))
    ).scalar_one_or_none()
    if row is None:
        raise NotFound()
    return row


def input_errors(data: dict, partial: bool = False) -> dict:
    """What ``create`` (or ``update``, partial) would refuse in ``data``, without writing anything, so a
    form can show every problem at once. Empty when the input is valid."""
    return ProductInSchema().validate(data or {}, partial=partial)


@atomic
def create(tenant: Tenant, data: dict, actor: User | None) -> Product:
    values = load(ProductInSchema(), data)
    lock_tenant(tenant)
    check_room(tenant)
    product = Product(tenant_id=tenant.id, title="", status=ProductStatus.OFF_SALE, specs=[])
    db.session.add(product)
    _apply(product, values, actor, creating=True)
    return _commit(product)


@atomic
def update(product: Product, data: dict, actor: User | None) -> Product:
    """Partial update; ``specs`` and ``skus`` go together (a SKU table is edited as a whole)."""
    values = load(ProductInSchema(), data, partial=True)
    if "specs" in values and "skus" not in values:
        raise ValidationFailed(fields={"skus": [_l("Send the SKUs with the specs.")]})
    _apply(product, values, actor, creating=False)
    return _commit(product)


def _apply(product: Product, values: dict, actor: User | None, creating: bool) -> None:
    for name in BASIC_FIELDS:
        if name in values:
            setattr(product, name, " ".join(values[name].split()) if isinstance(values[name], str) else values[name])
    if "category_id" in values:
        product.category_id = _category_id(values["category_id"])
    if "description" in values:
        product.description = richtext.clean(values["description"])
    if "status" in values:
        product.status = ProductStatus(values["status"])
    product.updated_at = utcnow()
    db.session.flush()
    if "skus" in values:
        spec_list = values.get("specs", product.specs if not creating else [])
        specs.apply(product, spec_list, values["skus"], actor_id=actor.id if actor else None)
    if "group_ids" in values:
        set_groups(product, values["group_ids"])


def _category_id(category_id):
    if category_id is None:
        return None
    if taxonomy.find_category(category_id) is None:
        raise ValidationFailed(fields={"category_id": [_l("Choose one of your categories.")]})
    return category_id


def _commit(product: Product) -> Product:
    """Write the product now (inside its unit), so a taken SKU code is the service's own error."""
    try:
        with unit(savepoint=True):
            db.session.flush()
    except IntegrityError:
        raise SkuCodeTaken(fields={"skus": [SkuCodeTaken.message]}) from None
    return product


def set_groups(product: Product, group_ids: list) -> None:
    wanted = list(dict.fromkeys(group_ids))
    known = {g.id for g in taxonomy.groups()}
    if set(wanted) - known:
        raise ValidationFailed(fields={"group_ids": [_l("Choose among your groups.")]})
    db.session.execute(
        delete(ProductGroupLink).where(ProductGroupLink.product_id == product.id)
        .execution_options(synchronize_session=False)
    )
    for group_id in wanted:
        db.session.add(ProductGroupLink(tenant_id=product.tenant_id, product_id=product.id, group_id=group_id))
    db.session.flush()
    changes.product_changed(product.id, listing=True)


def group_ids_of(product: Product) -> list[uuid.UUID]:
    return list(db.session.execute(
        select(ProductGroupLink.group_id).where(ProductGroupLink.product_id == product.id)
    ).scalars())


@atomic
def set_status(product: Product, status: str) -> Product:
    product.status = ProductStatus(status)
    product.updated_at = utcnow()
    return product


@atomic
def delete_product(product: Product, actor: User | None) -> None:
    """Soft-delete: the product disappears everywhere; its SKUs retire (freeing their codes) and
    stay for the ledger and past orders."""
    product.deleted_at = utcnow()
    product.status = ProductStatus.OFF_SALE
    for sku in product.active_skus:
        specs.retire(sku)
    audit.record("catalog.product.delete", product.title, tenant_id=product.tenant_id, actor=actor)


def hints_for(product: Product) -> list:
    """What the merchant should still do (shown in the admin and the API)."""
    hints = []
    if len(product.images) < IMAGE_HINT_BELOW:
        hints.append(_l("Add at least %(n)s images: products with several images sell better.", n=IMAGE_HINT_BELOW))
    return hints


# --- one SKU -------------------------------------------------------------------------------------


@atomic
def update_sku(sku: Sku, data: dict, actor: User | None) -> Sku:
    values = load(SkuPatchSchema(), data, partial=True)
    if values.get("code"):
        code = " ".join(values["code"].split())
        if specs.codes_in_use([code], exclude_ids=[sku.id]):
            raise SkuCodeTaken(fields={"code": [SkuCodeTaken.message]})
    specs.apply(sku.product, sku.product.specs,
                [{**values, "spec_values": sku.spec_values}], actor_id=actor.id if actor else None)
    sku.product.updated_at = utcnow()
    _commit(sku.product)
    return sku


@atomic
def adjust_sku_stock(sku: Sku, data: dict, actor: User | None) -> Sku:
    values = load(StockAdjustSchema(), data)
    stock.adjust(sku, values["delta"], "manual", note=values["note"], actor_id=actor.id if actor else None)
    return sku


__all__ = ["Product", "Sku", "create", "update", "get", "set_status", "delete_product", "check_room"]
