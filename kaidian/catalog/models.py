"""The catalog's tables: categories (two levels), groups (shelves), products, their SKUs, images,
the stock ledger, low-stock notifications, and import jobs with their row-by-row report.

Every table is tenant-owned: its primary key is ``(tenant_id, id)`` and every foreign key between
catalog tables is composite, ``(tenant_id, x_id) -> (tenant_id, id)``, so a row can never point
into another store. Money is integer fen.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kaidian.platform.extensions import db
from kaidian.platform.models import TZDateTime, utcnow
from kaidian.platform.tenancy import TenantScoped


def _enum(cls, name: str) -> Enum:
    return Enum(cls, name=name, values_callable=lambda e: [m.value for m in e])


def _fk(column: str, table: str, ondelete: str | None = None) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["tenant_id", column], [f"{table}.tenant_id", f"{table}.id"], ondelete=ondelete)


class ProductStatus(enum.StrEnum):
    ON_SALE = "on_sale"
    OFF_SALE = "off_sale"


class ImportStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Category(TenantScoped, db.Model):
    """A category; ``parent_id`` is None for a top-level one. Two levels at most."""

    __tablename__ = "catalog_categories"
    __table_args__ = (
        _fk("parent_id", "catalog_categories"),
        Index("ix_catalog_categories_parent", "tenant_id", "parent_id", "position"),
    )

    parent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(30))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class Group(TenantScoped, db.Model):
    """A product group (a shelf such as 新品 or 热销), ordered by hand."""

    __tablename__ = "catalog_groups"
    __table_args__ = (Index("ix_catalog_groups_position", "tenant_id", "position"),)

    name: Mapped[str] = mapped_column(String(30))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class Product(TenantScoped, db.Model):
    __tablename__ = "catalog_products"
    __table_args__ = (
        _fk("category_id", "catalog_categories"),
        Index("ix_catalog_products_listing", "tenant_id", "deleted_at", "status", "created_at"),
        Index("ix_catalog_products_category", "tenant_id", "category_id"),
        Index("ix_catalog_products_title_trgm", "title", postgresql_using="gin",
              postgresql_ops={"title": "gin_trgm_ops"}),
        CheckConstraint("low_stock_threshold >= 0", name="threshold_not_negative"),
    )

    title: Mapped[str] = mapped_column(String(100))
    subtitle: Mapped[str] = mapped_column(String(120), default="")
    category_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    status: Mapped[ProductStatus] = mapped_column(_enum(ProductStatus, "product_status"),
                                                  default=ProductStatus.OFF_SALE)
    # [{"name": "颜色", "values": ["红", "蓝"]}, ...]: at most 3 dimensions; [] for a single-SKU product
    specs: Mapped[list] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")  # sanitized HTML
    low_stock_threshold: Mapped[int] = mapped_column(Integer, default=5)
    video_key: Mapped[str] = mapped_column(String(200), default="")
    video_bytes: Mapped[int] = mapped_column(Integer, default=0)
    # the orders domain's freight template for this product (None, or an id it no longer knows: the
    # store's default template); no foreign key: the catalog does not depend on orders' tables
    freight_template_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    skus: Mapped[list[Sku]] = relationship(
        back_populates="product", order_by="Sku.position", cascade="all, delete-orphan",
        primaryjoin="and_(Product.tenant_id == Sku.tenant_id, Product.id == Sku.product_id)",
    )
    images: Mapped[list[ProductImage]] = relationship(
        order_by="ProductImage.position", cascade="all, delete-orphan",
        primaryjoin="and_(Product.tenant_id == ProductImage.tenant_id, Product.id == ProductImage.product_id)",
    )

    @property
    def active_skus(self) -> list[Sku]:
        return [sku for sku in self.skus if sku.retired_at is None]

    @property
    def total_stock(self) -> int:
        return sum(sku.stock for sku in self.active_skus)

    @property
    def lowest_stock(self) -> int:
        return min((sku.stock for sku in self.active_skus), default=0)

    @property
    def price_range(self) -> tuple[int, int]:
        prices = [sku.price for sku in self.active_skus] or [0]
        return min(prices), max(prices)

    @property
    def is_sold_out(self) -> bool:
        return self.total_stock == 0

    @property
    def shopper_status(self) -> str:
        """on_sale, sold_out (on sale with no stock left) or off_sale, as the product list shows it."""
        if self.status == ProductStatus.OFF_SALE:
            return "off_sale"
        return "sold_out" if self.is_sold_out else "on_sale"

    @property
    def cover(self) -> ProductImage | None:
        return self.images[0] if self.images else None


class ProductGroupLink(TenantScoped, db.Model):
    __tablename__ = "catalog_product_groups"
    __table_args__ = (
        _fk("product_id", "catalog_products", ondelete="CASCADE"),
        _fk("group_id", "catalog_groups", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "product_id", "group_id"),
        Index("ix_catalog_product_groups_group", "tenant_id", "group_id"),
    )

    product_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    group_id: Mapped[uuid.UUID] = mapped_column(Uuid)


class Sku(TenantScoped, db.Model):
    """One sellable combination of spec values. Retired SKUs (a combination removed from the specs)
    are kept for the ledger and future order lines, but free their code and are never sold."""

    __tablename__ = "catalog_skus"
    __table_args__ = (
        _fk("product_id", "catalog_products", ondelete="CASCADE"),
        Index("ix_catalog_skus_product", "tenant_id", "product_id", "position"),
        Index("uq_catalog_skus_code", "tenant_id", "code", unique=True,
              postgresql_where=text("retired_at IS NULL"), sqlite_where=text("retired_at IS NULL")),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("price >= 0", name="price_not_negative"),
    )

    product_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    spec_key: Mapped[str] = mapped_column(String(300), default="")  # "颜色=红|尺码=L"; "" without specs
    spec_values: Mapped[list] = mapped_column(JSON, default=list)  # ["红", "L"] in dimension order
    price: Mapped[int] = mapped_column(BigInteger)  # fen (up to MAX_FEN)
    original_price: Mapped[int | None] = mapped_column(BigInteger)  # fen, the struck-through price
    stock: Mapped[int] = mapped_column(Integer, default=0)
    weight_grams: Mapped[int] = mapped_column(Integer, default=0)
    code: Mapped[str | None] = mapped_column(String(64))
    barcode: Mapped[str] = mapped_column(String(64), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    product: Mapped[Product] = relationship(
        back_populates="skus",
        primaryjoin="and_(Product.tenant_id == Sku.tenant_id, Product.id == Sku.product_id)",
    )

    @property
    def label(self) -> str:
        return " / ".join(self.spec_values)


class ProductImage(TenantScoped, db.Model):
    """An image: the original (orientation applied, metadata stripped), an 800×800 JPEG padded to a
    square, and a 240×240 thumbnail; all three in the storage service. ``renditions`` lists the further
    files a job adds beside them (``catalog.media.RENDITIONS``: ``"480.jpg"``, ``"800.webp"`` …) once
    they are stored; pages offer only those."""

    __tablename__ = "catalog_product_images"
    __table_args__ = (
        _fk("product_id", "catalog_products", ondelete="CASCADE"),
        Index("ix_catalog_product_images_product", "tenant_id", "product_id", "position"),
    )

    product_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    position: Mapped[int] = mapped_column(Integer, default=0)
    original_key: Mapped[str] = mapped_column(String(200))
    image_key: Mapped[str] = mapped_column(String(200))
    thumb_key: Mapped[str] = mapped_column(String(200))
    width: Mapped[int] = mapped_column(Integer)  # of the original
    renditions: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    height: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class StockMovement(TenantScoped, db.Model):
    """The stock ledger: one row per change, written only by ``catalog.stock``."""

    __tablename__ = "catalog_stock_movements"
    __table_args__ = (
        _fk("sku_id", "catalog_skus", ondelete="CASCADE"),
        Index("ix_catalog_stock_movements_sku", "tenant_id", "sku_id", "created_at"),
    )

    sku_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    delta: Mapped[int] = mapped_column(Integer)
    stock_after: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(200), default="")
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class CatalogNotification(TenantScoped, db.Model):
    """A SKU's stock crossed below its product's low-stock threshold (kind ``low_stock``) or ran
    out (``out_of_stock``). Open until stock is back above the threshold or the merchant dismisses it."""

    __tablename__ = "catalog_notifications"
    __table_args__ = (
        _fk("product_id", "catalog_products", ondelete="CASCADE"),
        _fk("sku_id", "catalog_skus", ondelete="CASCADE"),
        Index("ix_catalog_notifications_open", "tenant_id", "resolved_at", "created_at"),
    )

    kind: Mapped[str] = mapped_column(String(20))
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    sku_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    stock: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(TZDateTime)


class ImportJob(TenantScoped, db.Model):
    """A bulk import: the uploaded file, its progress (``processed`` rows so far, committed with the
    rows' report, so a restarted worker resumes after it) and the counts."""

    __tablename__ = "catalog_imports"
    __table_args__ = (Index("ix_catalog_imports_created", "tenant_id", "created_at"),)

    filename: Mapped[str] = mapped_column(String(200))
    file_key: Mapped[str] = mapped_column(String(200))
    file_format: Mapped[str] = mapped_column(String(10))  # csv or xlsx
    status: Mapped[ImportStatus] = mapped_column(_enum(ImportStatus, "import_status"), default=ImportStatus.QUEUED)
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(String(500), default="")
    locale: Mapped[str] = mapped_column(String(10), default="zh")  # the report's language
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    @property
    def percent(self) -> int:
        if not self.total:  # not counted yet (the job counts the rows when it reads the file)
            return 100 if self.status == ImportStatus.DONE else 0
        return min(100, self.processed * 100 // self.total)

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)


class ImportRow(TenantScoped, db.Model):
    """One data row's outcome: created, updated or refused (with the reason)."""

    __tablename__ = "catalog_import_rows"
    __table_args__ = (
        _fk("import_id", "catalog_imports", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "import_id", "row_number"),
    )

    import_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    row_number: Mapped[int] = mapped_column(Integer)  # as the spreadsheet numbers it (header = 1)
    outcome: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(100), default="")
    sku_code: Mapped[str] = mapped_column(String(64), default="")
    product_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    sku_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    reason: Mapped[str] = mapped_column(String(300), default="")


TENANT_TABLES = (
    "catalog_categories", "catalog_groups", "catalog_products", "catalog_product_groups", "catalog_skus",
    "catalog_product_images", "catalog_stock_movements", "catalog_notifications", "catalog_imports",
    "catalog_import_rows",
)
