"""What the customers package accepts and answers (marshmallow, with ``platform/fields.py`` types)."""

from __future__ import annotations

from marshmallow import Schema, fields


class CustomerOut(Schema):
    """The logged-in shopper as the store API shows it: never the openid or unionid."""

    id = fields.UUID()
    nickname = fields.String()
    avatar = fields.String()
