"""The merchant's delivery setup: freight templates (one may be the store's default), pickup points,
and the store's order settings (payment window, auto-complete days, return address). Services are
``@atomic``; nothing here reads the request."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update

from kaidian.platform import audit
from kaidian.platform.errors import NotFound
from kaidian.platform.extensions import db
from kaidian.platform.unit import atomic

from .models import FreightTemplate, OrderSettings, PickupPoint
from .schemas import (
    FreightTemplateInSchema,
    FreightTemplatePatchSchema,
    OrderSettingsSchema,
    PickupPointInSchema,
    PickupPointPatchSchema,
    load,
)
from .settings import AUTO_COMPLETE_DAYS, PAYMENT_WINDOW_MINUTES

# --- freight templates ------------------------------------------------------------------------------


def templates() -> list[FreightTemplate]:
    return list(db.session.execute(select(FreightTemplate).order_by(FreightTemplate.is_default.desc(),
                                                                    FreightTemplate.created_at)).scalars())


def get_template(template_id: uuid.UUID) -> FreightTemplate:
    row = db.session.execute(select(FreightTemplate).where(FreightTemplate.id == template_id)).scalar_one_or_none()
    if row is None:
        raise NotFound()
    return row


def _apply_template(row: FreightTemplate, values: dict) -> None:
    for name in ("name", "method", "excluded_regions"):
        if name in values:
            setattr(row, name, values[name])
    if "areas" in values:
        row.areas = [dict(area) for area in values["areas"]]
    if values.get("is_default"):
        db.session.execute(update(FreightTemplate).where(FreightTemplate.is_default.is_(True))
                           .values(is_default=False).execution_options(synchronize_session=False))
        row.is_default = True
    elif "is_default" in values:
        row.is_default = False


@atomic
def create_template(data: dict, actor=None) -> FreightTemplate:
    values = load(FreightTemplateInSchema(), data)
    row = FreightTemplate(name=values["name"], method=values["method"], areas=[], excluded_regions=[])
    db.session.add(row)
    _apply_template(row, values)
    db.session.flush()
    audit.record("orders.freight_template.create", row.name, actor=actor)
    return row


@atomic
def update_template(row: FreightTemplate, data: dict, actor=None) -> FreightTemplate:
    values = load(FreightTemplatePatchSchema(), data, partial=True)
    _apply_template(row, values)
    audit.record("orders.freight_template.update", row.name, actor=actor)
    return row


@atomic
def delete_template(row: FreightTemplate, actor=None) -> None:
    """Products that named it fall back to the default template."""
    audit.record("orders.freight_template.delete", row.name, actor=actor)
    db.session.delete(row)


# --- pickup points ------------------------------------------------------------------------------------


def pickup_points(active_only: bool = False) -> list[PickupPoint]:
    query = select(PickupPoint).order_by(PickupPoint.created_at)
    if active_only:
        query = query.where(PickupPoint.active.is_(True))
    return list(db.session.execute(query).scalars())


def get_pickup_point(point_id: uuid.UUID) -> PickupPoint:
    row = db.session.execute(select(PickupPoint).where(PickupPoint.id == point_id)).scalar_one_or_none()
    if row is None:
        raise NotFound()
    return row


@atomic
def create_pickup_point(data: dict, actor=None) -> PickupPoint:
    values = load(PickupPointInSchema(), data)
    row = PickupPoint(**values)
    db.session.add(row)
    db.session.flush()
    audit.record("orders.pickup_point.create", row.name, actor=actor)
    return row


@atomic
def update_pickup_point(row: PickupPoint, data: dict, actor=None) -> PickupPoint:
    values = load(PickupPointPatchSchema(), data, partial=True)
    for name, value in values.items():
        setattr(row, name, value)
    audit.record("orders.pickup_point.update", row.name, actor=actor)
    return row


@atomic
def delete_pickup_point(row: PickupPoint, actor=None) -> None:
    """Orders keep their snapshot of the point."""
    audit.record("orders.pickup_point.delete", row.name, actor=actor)
    db.session.delete(row)


# --- settings -----------------------------------------------------------------------------------------


def order_settings() -> dict:
    row = db.session.execute(select(OrderSettings)).scalar_one_or_none()
    if row is None:
        return {"payment_window_minutes": PAYMENT_WINDOW_MINUTES, "auto_complete_days": AUTO_COMPLETE_DAYS,
                "return_address": ""}
    return {"payment_window_minutes": row.payment_window_minutes, "auto_complete_days": row.auto_complete_days,
            "return_address": row.return_address}


@atomic
def save_settings(data: dict, actor=None) -> dict:
    values = load(OrderSettingsSchema(), data)
    row = db.session.execute(select(OrderSettings)).scalar_one_or_none()
    if row is None:
        row = OrderSettings()
        db.session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    audit.record("orders.settings", ", ".join(f"{k}={v}" for k, v in values.items() if k != "return_address"),
                 actor=actor)
    db.session.flush()
    return order_settings()
