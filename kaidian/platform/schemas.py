"""Marshmallow schemas of the platform's API: each lists exactly the fields it allows."""

from marshmallow import Schema, fields, validate


class LoginSchema(Schema):
    login = fields.String(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=128))
    store = fields.String(load_default=None, validate=validate.Length(max=30))
    token_name = fields.String(load_default="API", validate=validate.Length(max=60))


class UserSchema(Schema):
    id = fields.UUID(dump_only=True)
    email = fields.String(dump_only=True)
    mobile = fields.String(dump_only=True)
    display_name = fields.String(dump_only=True)
    locale = fields.String(dump_only=True)
    is_platform_admin = fields.Boolean(dump_only=True)


class MembershipSchema(Schema):
    tenant_id = fields.UUID(dump_only=True)
    role = fields.String(dump_only=True)
    store_slug = fields.String(dump_only=True)
    store_name = fields.String(dump_only=True)


class MeSchema(Schema):
    user = fields.Nested(UserSchema)
    memberships = fields.List(fields.Nested(MembershipSchema))
    current_store = fields.String(allow_none=True)


class TokenCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))


class TokenSchema(Schema):
    id = fields.UUID(dump_only=True)
    name = fields.String(dump_only=True)
    prefix = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    last_used_at = fields.DateTime(dump_only=True, allow_none=True)
    token = fields.String(dump_only=True, metadata={"description": "shown once, at creation"})


class LoginResultSchema(Schema):
    token = fields.String()
    user = fields.Nested(UserSchema)
    store = fields.String()


class ErrorSchema(Schema):
    error = fields.Dict()
