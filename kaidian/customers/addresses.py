"""A customer's address book (service): list, add, change, delete, choose the default.

Rules: at most ``MAX_PER_CUSTOMER`` addresses; exactly one default while there are any (the first
address is the default, a new default replaces the old one, deleting the default promotes the most
recent other one); the province/city/district must be a real triple of ``customers/regions.py`` and
their names are copied from it. Every write locks the customer's row first, so two writes of one
customer run one after the other (the count and the default stay right); a partial unique index
backs "one default". Writes are ``@atomic`` (they join the caller's unit of work). Bad input raises
``ValidationFailed`` and changes nothing. Another customer's (or store's) address is ``NotFound``.

Public API for orders: ``list_addresses(customer)``, ``get_address(customer, address_id)``,
``written_form(address)``.
"""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from kaidian.platform.errors import Conflict, NotFound, ValidationFailed
from kaidian.platform.extensions import db
from kaidian.platform.unit import atomic
from kaidian.platform.validation import load

from . import regions, schemas
from .models import Address, Customer

MAX_PER_CUSTOMER = 20
REGION_FIELDS = ("province_code", "city_code", "district_code")


def list_addresses(customer: Customer) -> list[Address]:
    """The default first, then the most recently added."""
    return list(db.session.execute(
        select(Address).where(Address.customer_id == customer.id)
        .order_by(Address.is_default.desc(), Address.created_at.desc(), Address.id)
    ).scalars())


def get_address(customer: Customer, address_id) -> Address:
    address = _find(customer, address_id)
    if address is None:
        raise NotFound()
    return address


def _find(customer: Customer, address_id) -> Address | None:
    try:
        key = address_id if isinstance(address_id, uuid.UUID) else uuid.UUID(str(address_id))
    except ValueError:
        return None
    return db.session.execute(
        select(Address).where(Address.id == key, Address.customer_id == customer.id)
    ).scalar_one_or_none()


def _lock(customer: Customer) -> None:
    db.session.execute(select(Customer.id).where(Customer.id == customer.id).with_for_update())


def _with_regions(values: dict, current: Address | None = None) -> dict:
    given = [name for name in REGION_FIELDS if name in values]
    if not given:
        return values
    if len(given) != len(REGION_FIELDS):
        raise ValidationFailed(fields={name: [_l("Choose the province, city and district together.")]
                                       for name in REGION_FIELDS if name not in values})
    codes = [values[name] for name in REGION_FIELDS]
    if not regions.validate(*codes):
        raise ValidationFailed(fields={"district_code": [_l("Choose a province, one of its cities and one of "
                                                            "that city's districts.")]})
    province, city, district = regions.names(*codes)
    return {**values, "province_name": province, "city_name": city, "district_name": district}


@atomic
def create_address(customer: Customer, data) -> Address:
    values = _with_regions(load(schemas.AddressIn(), data))
    _lock(customer)
    existing = list_addresses(customer)
    if len(existing) >= MAX_PER_CUSTOMER:
        raise Conflict(_l("An address book holds at most %(max)s addresses.", max=MAX_PER_CUSTOMER),
                       code="too_many_addresses")
    make_default = bool(values.pop("is_default", None)) or not existing
    if make_default:
        _clear_default(customer)
    address = Address(customer_id=customer.id, is_default=make_default, **values)
    db.session.add(address)
    return address


@atomic
def update_address(customer: Customer, address_id, data) -> Address:
    values = _with_regions(load(schemas.AddressIn(), data, partial=True))
    _lock(customer)
    address = get_address(customer, address_id)
    make_default = values.pop("is_default", None)
    if make_default and not address.is_default:
        _clear_default(customer)
        address.is_default = True
    for name, value in values.items():
        setattr(address, name, value)
    return address


@atomic
def set_default(customer: Customer, address_id) -> Address:
    _lock(customer)
    address = get_address(customer, address_id)
    if not address.is_default:
        _clear_default(customer)
        address.is_default = True
    return address


@atomic
def delete_address(customer: Customer, address_id) -> None:
    _lock(customer)
    address = get_address(customer, address_id)
    was_default = address.is_default
    db.session.delete(address)
    db.session.flush()
    if was_default:
        rest = list_addresses(customer)
        if rest:
            rest[0].is_default = True


def _clear_default(customer: Customer) -> None:
    db.session.execute(update(Address).where(Address.customer_id == customer.id, Address.is_default.is_(True))
                       .values(is_default=False).execution_options(synchronize_session="fetch"))
    db.session.flush()


def written_form(address: Address) -> str:
    """The address as one line: 广东省广州市天河区 + detail (a municipality's 市辖区 left out)."""
    city = "" if address.city_name in regions.CITY_PLACEHOLDERS else address.city_name
    return f"{address.province_name}{city}{address.district_name}{address.detail}"
