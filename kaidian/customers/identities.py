"""One person, one customer per store: how a WeChat identity and a mobile number come together.

A customer logs in with WeChat (the ``openid`` under the store's official account) and/or a mobile
number proven by an SMS code. They become **one** customer — one cart, one address book, one order
history — when the shopper proves the number while logged in:

* binding a number from the customer centre (``/account/mobile``, ``POST /api/store/customer/mobile``);
* logging in with a number and a code while already logged in with WeChat on this store with no
  number yet (the same browser: e.g. inside WeChat the shopper chose the SMS login). Any other SMS
  login simply switches to the number's customer.

After that, logging in with the number on any device reaches the same customer.

**The rule when the number already belongs to another customer of the same store** (decided here,
once — ``link_mobile``):

* that customer has **no WeChat identity** (someone who used the number on a computer before): the
  shopper has just proven the number, so both are them. That customer is **merged** into the current
  one — their cart lines added to the cart (quantities capped), their addresses moved into the book
  (up to its limit; the current default stays the default), their orders and after-sales moved — and
  removed. What users expect: "my orders from the computer are here now". Domains that hold rows by
  customer register a merge step (``register_merge_step``), run in the same transaction, so this
  package imports none of them;
* that customer **has another WeChat identity**: refused (409 ``mobile_taken``, "This mobile number
  is already bound to another WeChat account of this store."), nothing changes. Two WeChat
  identities are two WeChat users; merging would hand one person's orders and addresses to another.

**The other way round** — a shopper logged in by SMS first (a mobile-only customer) goes through
the WeChat login on the same store in the same browser (``link_wechat``, called by the WeChat package
when its OAuth completes; the mini program's login, which has no browser session, does not link):

* the WeChat user has **no customer yet** in this store: the openid is **attached** to the current
  customer, who now has both;
* the WeChat user's customer has **no number**: both are this person (they just proved each identity
  in this browser), so the mobile-only customer is **merged** into the WeChat one by the same steps
  as above, and the WeChat customer takes the number;
* the WeChat user's customer has **another number**: two numbers are two people as far as we know,
  so nothing is merged or changed; the shopper is logged in as the WeChat customer and told so (the
  number keeps its own customer, reached by logging in with it).

Binding a number to a customer that already had another one replaces it (the old number no longer
logs in). Everything is per store: the same number or WeChat user in another store is another
customer there (rows are tenant-scoped; the lookups run in the current store only, and another
store's session is no current customer).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from kaidian.platform.errors import Conflict
from kaidian.platform.extensions import db
from kaidian.platform.unit import unit

from .models import Address, Customer

MergeStep = Callable[[uuid.UUID, uuid.UUID], None]  # (merged customer id, kept customer id)
_MERGE_STEPS: list[MergeStep] = []


class MobileTaken(Conflict):
    code = "mobile_taken"
    message = _l("This mobile number is already bound to another WeChat account of this store.")


def register_merge_step(step: MergeStep) -> None:
    """Move a domain's rows of one customer to another (called inside the merge's transaction, in
    the current store, before the merged customer is deleted)."""
    if step not in _MERGE_STEPS:
        _MERGE_STEPS.append(step)


def link_mobile(customer: Customer, mobile: str) -> Customer:
    """Give ``customer`` the proven ``mobile`` by the rule above (the caller's unit commits). Returns
    the customer, now holding the number; MobileTaken when another WeChat user holds it."""
    if customer.mobile == mobile:
        return customer
    holder = db.session.execute(select(Customer).where(Customer.mobile == mobile)).scalar_one_or_none()
    if holder is not None and holder.id != customer.id:
        _lock(customer.id, holder.id)
        db.session.refresh(holder)
        if holder.openid:
            raise MobileTaken()
        merge(holder, customer)
    customer.mobile = mobile
    db.session.flush()
    return customer


# What ``link_wechat`` did: the openid joined the current customer, the current customer joined the
# openid's, or the two stay apart (the openid's customer has another number).
ATTACHED, MERGED, KEPT_APART = "attached", "merged", "kept_apart"


def link_wechat(current: Customer, appid: str, openid: str) -> tuple[Customer, str]:
    """The mobile-only ``current`` customer proved the WeChat identity ``(appid, openid)`` in this
    browser: the customer to log in and what happened (``ATTACHED``, ``MERGED`` or ``KEPT_APART``), by
    the rule above (the caller's unit commits)."""
    holder = _by_openid(appid, openid)
    if holder is None:
        try:
            with unit(savepoint=True):
                current.authorizer_appid, current.openid = appid, openid
                db.session.flush()
            return current, ATTACHED
        except IntegrityError:  # the same WeChat user logging in twice at once: the other login made it
            holder = _by_openid(appid, openid)
    _lock(current.id, holder.id)
    db.session.refresh(holder)
    db.session.refresh(current)
    if holder.mobile or current.openid:
        return holder, KEPT_APART
    mobile = current.mobile
    merge(current, holder)
    holder.mobile = mobile
    db.session.flush()
    return holder, MERGED


def _by_openid(appid: str, openid: str) -> Customer | None:
    return db.session.execute(select(Customer).where(Customer.authorizer_appid == appid,
                                                     Customer.openid == openid)).scalar_one_or_none()


def _lock(*customer_ids: uuid.UUID) -> None:
    """Both rows, in id order (two merges at once cannot deadlock)."""
    db.session.execute(select(Customer.id).where(Customer.id.in_(customer_ids))
                       .order_by(Customer.id).with_for_update())


def merge(gone: Customer, kept: Customer) -> None:
    """Move everything of ``gone`` to ``kept`` and delete ``gone``."""
    _move_addresses(gone.id, kept.id)
    for step in _MERGE_STEPS:
        step(gone.id, kept.id)
    if not kept.nickname and gone.nickname:
        kept.nickname, kept.avatar = gone.nickname, gone.avatar or kept.avatar
    gone.mobile = None  # free the number before the kept customer takes it
    db.session.flush()
    db.session.delete(gone)
    db.session.flush()


def _move_addresses(gone_id: uuid.UUID, kept_id: uuid.UUID) -> None:
    from .addresses import MAX_PER_CUSTOMER

    kept = db.session.execute(select(Address).where(Address.customer_id == kept_id)).scalars().all()
    room = max(0, MAX_PER_CUSTOMER - len(kept))
    moving = db.session.execute(select(Address.id).where(Address.customer_id == gone_id)
                                .order_by(Address.is_default.desc(), Address.updated_at.desc())
                                .limit(room)).scalars().all()
    if not moving:
        return
    keeps_default = any(a.is_default for a in kept)
    db.session.execute(update(Address).where(Address.id.in_(moving))
                       .values(customer_id=kept_id, **({"is_default": False} if keeps_default else {}))
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(Address).where(Address.customer_id == gone_id)  # beyond the book's limit
                       .execution_options(synchronize_session=False))
