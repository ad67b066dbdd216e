"""The orders domain's tables: carts, orders with their lines and timeline, after-sales requests,
freight templates and pickup points, and each store's order settings.

Every table is tenant-owned (primary key ``(tenant_id, id)``, composite foreign keys inside the
domain). Money is integer fen in ``BigInteger`` columns. An order keeps snapshots of what was sold
(title, spec text, image, unit price, quantity; the address or pickup point), so a later change to
the catalog or the address book never rewrites history. Statuses are plain strings whose values and
transitions live in ``states.py`` (the one home of the order state machine).

``customer_id`` columns carry no foreign key: the customers package owns that table and is being
reshaped (WeChat customers → ``kaidian.customers``); the id is always the logged-in customer's.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kaidian.platform.extensions import db
from kaidian.platform.models import TZDateTime, utcnow
from kaidian.platform.tenancy import TenantScoped


def _fk(column: str, table: str, ondelete: str | None = None) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["tenant_id", column], [f"{table}.tenant_id", f"{table}.id"], ondelete=ondelete)


class OrderSettings(TenantScoped, db.Model):
    """A store's order rules (one row per store, created when the merchant first changes them;
    absent means the defaults)."""

    __tablename__ = "order_settings"
    __table_args__ = (UniqueConstraint("tenant_id"),
                      CheckConstraint("payment_window_minutes BETWEEN 5 AND 1440", name="payment_window_range"),
                      CheckConstraint("auto_complete_days BETWEEN 1 AND 60", name="auto_complete_range"))

    payment_window_minutes: Mapped[int] = mapped_column(Integer, default=30)
    auto_complete_days: Mapped[int] = mapped_column(Integer, default=10)
    return_address: Mapped[str] = mapped_column(String(300), default="")
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)


class CartLine(TenantScoped, db.Model):
    """One SKU in a logged-in customer's cart (a guest's cart lives in a signed cookie)."""

    __tablename__ = "order_cart_lines"
    __table_args__ = (UniqueConstraint("tenant_id", "customer_id", "sku_id"),
                      CheckConstraint("quantity > 0", name="quantity_positive"))

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    sku_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    quantity: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)


class Order(TenantScoped, db.Model):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        UniqueConstraint("tenant_id", "customer_id", "idempotency_key"),
        Index("ix_orders_customer", "tenant_id", "customer_id", "created_at"),
        Index("ix_orders_status", "tenant_id", "status", "created_at"),
        Index("ix_orders_pay_deadline", "status", "pay_deadline"),
        Index("ix_orders_shipped", "status", "shipped_at"),
        CheckConstraint("goods_fen >= 0 AND freight_fen >= 0 AND total_fen >= 0", name="amounts_not_negative"),
    )

    number: Mapped[str] = mapped_column(String(24))
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    delivery_method: Mapped[str] = mapped_column(String(10))  # express | pickup
    address: Mapped[dict | None] = mapped_column(JSON)  # snapshot: name, mobile, region codes and names, detail
    pickup_point: Mapped[dict | None] = mapped_column(JSON)  # snapshot: id, name, address, hours, phone
    note: Mapped[str] = mapped_column(String(200), default="")
    goods_fen: Mapped[int] = mapped_column(BigInteger)
    freight_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    adjust_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # the merchant's price change (改价), signed
    total_fen: Mapped[int] = mapped_column(BigInteger)
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    payment_id: Mapped[str] = mapped_column(String(64), default="")
    transaction_id: Mapped[str] = mapped_column(String(64), default="")
    carrier: Mapped[str] = mapped_column(String(40), default="")
    tracking_number: Mapped[str] = mapped_column(String(40), default="")
    merchant_remark: Mapped[str] = mapped_column(String(200), default="")
    pay_deadline: Mapped[datetime] = mapped_column(TZDateTime)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    shipped_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(TZDateTime)  # cancelled or closed

    lines: Mapped[list[OrderLine]] = relationship(
        order_by="OrderLine.position", cascade="all, delete-orphan",
        primaryjoin="and_(Order.tenant_id == OrderLine.tenant_id, Order.id == OrderLine.order_id)",
    )

    @property
    def quantity(self) -> int:
        return sum(line.quantity for line in self.lines)


class OrderLine(TenantScoped, db.Model):
    """What was bought, as it was shown: a snapshot, never re-read from the catalog."""

    __tablename__ = "order_lines"
    __table_args__ = (
        _fk("order_id", "orders", ondelete="CASCADE"),
        Index("ix_order_lines_order", "tenant_id", "order_id", "position"),
        CheckConstraint("quantity > 0 AND unit_fen >= 0", name="line_values"),
        CheckConstraint("refunded_quantity >= 0 AND refunded_quantity <= quantity", name="refunded_within"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    position: Mapped[int] = mapped_column(Integer, default=0)
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    sku_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    title: Mapped[str] = mapped_column(String(100))
    spec_text: Mapped[str] = mapped_column(String(200), default="")
    image_key: Mapped[str] = mapped_column(String(200), default="")
    unit_fen: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    weight_grams: Mapped[int] = mapped_column(Integer, default=0)
    refunded_quantity: Mapped[int] = mapped_column(Integer, default=0)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)

    @property
    def line_fen(self) -> int:
        return self.unit_fen * self.quantity


class OrderEvent(TenantScoped, db.Model):
    """One change of an order (or of one of its after-sales requests): the timeline."""

    __tablename__ = "order_events"
    __table_args__ = (
        _fk("order_id", "orders", ondelete="CASCADE"),
        Index("ix_order_events_order", "tenant_id", "order_id", "created_at"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    after_sale_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str] = mapped_column(String(20), default="")
    to_status: Mapped[str] = mapped_column(String(20), default="")
    actor_kind: Mapped[str] = mapped_column(String(10))  # customer | staff | system
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class AfterSale(TenantScoped, db.Model):
    """A shopper's after-sales request on some lines of a paid order."""

    __tablename__ = "order_after_sales"
    __table_args__ = (
        _fk("order_id", "orders", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "refund_number"),
        Index("ix_order_after_sales_order", "tenant_id", "order_id"),
        Index("ix_order_after_sales_status", "tenant_id", "status", "created_at"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(20))  # refund_only | return_refund
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(200))
    photos: Mapped[list] = mapped_column(JSON, default=list)
    items: Mapped[list] = mapped_column(JSON)  # [{"line_id", "quantity", "amount_fen"}]
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    refund_number: Mapped[str] = mapped_column(String(32))  # out_refund_no
    reject_reason: Mapped[str] = mapped_column(String(200), default="")
    return_address: Mapped[str] = mapped_column(String(300), default="")
    return_carrier: Mapped[str] = mapped_column(String(40), default="")
    return_tracking_number: Mapped[str] = mapped_column(String(40), default="")
    refund_id: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)


class AfterSalePhotoUpload(TenantScoped, db.Model):
    """One photo a shopper uploaded for an after-sales request (``aftersale_photos``): kept so the
    photos never sent can be found and deleted (``tasks.sweep_unsent_photos``). ``claimed_at`` is set
    when a request names it; an unclaimed upload older than the token's life is deleted with its file."""

    __tablename__ = "order_after_sale_uploads"
    __table_args__ = (
        UniqueConstraint("tenant_id", "key"),
        Index("ix_order_after_sale_uploads_unclaimed", "created_at",
              postgresql_where=text("claimed_at IS NULL"), sqlite_where=text("claimed_at IS NULL")),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(TZDateTime)


class FreightTemplate(TenantScoped, db.Model):
    """How express delivery is charged: by piece or by weight, per list of regions (``areas``:
    ``[{"regions": [codes], "first_units", "first_fen", "extra_units", "extra_fen",
    "free_above_fen", "free_above_quantity"}]``; an area with no regions covers every region not
    listed elsewhere), and the regions not delivered to. Units are pieces or grams."""

    __tablename__ = "order_freight_templates"
    __table_args__ = (Index("ix_order_freight_templates_default", "tenant_id", "is_default"),)

    name: Mapped[str] = mapped_column(String(40))
    method: Mapped[str] = mapped_column(String(10))  # piece | weight
    areas: Mapped[list] = mapped_column(JSON, default=list)
    excluded_regions: Mapped[list] = mapped_column(JSON, default=list)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)


class PickupPoint(TenantScoped, db.Model):
    __tablename__ = "order_pickup_points"

    name: Mapped[str] = mapped_column(String(40))
    region_code: Mapped[str] = mapped_column(String(12), default="")
    address: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20), default="")
    hours: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class OrderExport(TenantScoped, db.Model):
    """An export of the merchant's orders (the list's filters at the time) to CSV or XLSX, written by
    a job: its progress (``processed`` of ``total`` orders, committed per batch) and the file."""

    __tablename__ = "order_exports"
    __table_args__ = (Index("ix_order_exports_created", "tenant_id", "created_at"),)

    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued | running | done | failed
    file_format: Mapped[str] = mapped_column(String(10))  # csv | xlsx
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    file_key: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str] = mapped_column(String(300), default="")
    locale: Mapped[str] = mapped_column(String(10), default="zh")
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.status == "done" else 0
        return min(100, self.processed * 100 // self.total)


TENANT_TABLES = ("order_settings", "order_cart_lines", "orders", "order_lines", "order_events",
                 "order_after_sales", "order_freight_templates", "order_pickup_points",
                 "order_exports")
