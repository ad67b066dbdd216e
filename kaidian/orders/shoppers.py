"""Who is shopping: the one place the orders domain asks the customers package for the logged-in
customer (so the rest of orders never depends on how customers log in)."""

from __future__ import annotations

from flask import g

from kaidian.wechat import shoppers


def current_customer():
    """The customer logged in on the current store, or None."""
    if "orders_customer" not in g:
        tenant = g.get("tenant")
        g.orders_customer = shoppers.current_customer(tenant) if tenant is not None else None
    return g.orders_customer
