"""Marshmallow schemas of the platform's API: each lists exactly the fields it allows."""

from flask_smorest.fields import Upload
from marshmallow import Schema, fields

from .accounts import LOGIN_PATTERN
from .fields import Text


class LoginSchema(Schema):
    login = Text(254, min_length=1, pattern=LOGIN_PATTERN, required=True,
                 metadata={"description": "email or mainland mobile number"})
    password = Text(128, min_length=1, trim=False, required=True, load_only=True)
    store = Text(30, load_default=None, allow_none=True)
    token_name = Text(60, min_length=1, load_default="API")


class UserSchema(Schema):
    id = fields.UUID(dump_only=True)
    email = fields.String(dump_only=True, allow_none=True)
    mobile = fields.String(dump_only=True, allow_none=True)
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
    name = Text(60, min_length=1, required=True)


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


class FileSchema(Schema):
    """A multipart upload in the field ``file`` (what it may contain is checked by its content);
    other parts are refused (``input_guards.refuse_unknown_parts``)."""

    file = Upload(required=True)
