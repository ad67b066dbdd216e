"""Marshmallow schemas of the WeChat API: each lists exactly the fields it accepts or shows."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from . import permissions
from .models import AuthorizerKind


class FuncSetSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)


class AuthorizerSchema(Schema):
    id = fields.UUID(dump_only=True)
    appid = fields.String(dump_only=True)
    kind = fields.Function(lambda a: a.kind.value, dump_only=True)
    status = fields.Function(lambda a: a.status.value, dump_only=True)
    nick_name = fields.String(dump_only=True)
    head_img = fields.String(dump_only=True)
    user_name = fields.String(dump_only=True)
    principal_name = fields.String(dump_only=True)
    service_type = fields.Integer(dump_only=True)
    verify_type = fields.Integer(dump_only=True)
    is_service_account = fields.Boolean(dump_only=True)
    is_verified = fields.Boolean(dump_only=True)
    func_sets = fields.Function(lambda a: FuncSetSchema(many=True).dump(permissions.granted(a)), dump_only=True)
    missing_func_sets = fields.Function(lambda a: FuncSetSchema(many=True).dump(permissions.missing(a)),
                                        dump_only=True)
    menu_published_at = fields.DateTime(dump_only=True, allow_none=True)
    authorized_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class AuthorizationStartSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    kind = fields.String(required=True, validate=validate.OneOf([kind.value for kind in AuthorizerKind]))
    mobile = fields.Boolean(load_default=False, metadata={"description": "the page for WeChat's own browser"})


class AuthorizationUrlSchema(Schema):
    url = fields.String(dump_only=True)


class MenuSchema(Schema):
    """WeChat's menu document; its limits are checked by the service with WeChat's rules."""

    button = fields.List(fields.Dict(), required=True)


class MenuPublishSchema(Schema):
    """The menu to publish; without ``button`` the saved draft (or the default) is published."""

    button = fields.List(fields.Dict())


class PublishedMenuSchema(Schema):
    menu = fields.Nested(MenuSchema, dump_only=True)
    published_at = fields.DateTime(dump_only=True)
