"""Marshmallow schemas of the tenants package: each lists exactly the fields it accepts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, validate

from kaidian.billing.plans import PLANS
from kaidian.platform.accounts import LOGIN_PATTERN, PASSWORD_PATTERN
from kaidian.platform.fields import Int, Text
from kaidian.platform.models import TenantStatus
from kaidian.platform.roles import GRANTABLE_TO_STAFF
from kaidian.platform.validation import InputSchema

from .models import QualificationKind, ReviewStatus
from .rules import BUSINESS_CATEGORIES, SLUG_PATTERN

PHONE_RE = r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$"


class SignupSchema(InputSchema):
    login = Text(254, min_length=3, pattern=LOGIN_PATTERN, required=True,
                 metadata={"description": "email or mainland mobile number"})
    # the password rule (accounts.password_problem) is checked with the other signup rules, so that
    # every field's problem is reported at once; its shape is documented here
    password = Text(128, min_length=1, trim=False, required=True, load_only=True,
                    metadata={"description": "8 to 128 characters with letters and digits; common ones refused",
                              "minLength": 8, "pattern": f"^(?:{PASSWORD_PATTERN})$"})
    store_name = Text(60, min_length=2, required=True)
    slug = Text(30, min_length=3, trim=False, pattern=SLUG_PATTERN, required=True,
                metadata={"description": "the store's address: lowercase letters, digits, single inner hyphens"})
    plan = fields.String(required=True, validate=validate.OneOf(list(PLANS)))
    categories = fields.List(fields.String(validate=validate.OneOf(list(BUSINESS_CATEGORIES))),
                             load_default=list, validate=validate.Length(max=7))


class ProfileSchema(InputSchema):
    name = Text(60, min_length=2)
    intro = Text(2000)
    contact_phone = fields.String(validate=validate.Regexp(PHONE_RE, error=_l("Enter a valid phone number.")))
    contact_email = fields.Email(validate=validate.Length(max=254))
    service_wechat_id = fields.String(validate=validate.Regexp(
        r"^[a-zA-Z][-_a-zA-Z0-9]{5,19}$", error=_l("A WeChat id has 6-20 letters, digits, - or _.")))
    default_locale = fields.String(validate=validate.OneOf(["zh", "en"]))
    categories = fields.List(fields.String(validate=validate.OneOf(list(BUSINESS_CATEGORIES))),
                             validate=validate.Length(max=7))


class TenantSchema(Schema):
    id = fields.UUID(dump_only=True)
    slug = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    status = fields.Function(lambda t: t.status.value, dump_only=True)
    plan = fields.String(dump_only=True)
    trial_ends_at = fields.Method("_trial_ends_at", dump_only=True, allow_none=True,
                                  metadata={"type": "string", "format": "date-time", "nullable": True})
    paid_until = fields.Method("_paid_until", dump_only=True, allow_none=True,
                               metadata={"type": "string", "format": "date-time", "nullable": True})
    suspended_reason = fields.String(dump_only=True)
    intro = fields.String(dump_only=True)
    contact_phone = fields.String(dump_only=True)
    contact_email = fields.String(dump_only=True)
    service_wechat_id = fields.String(dump_only=True)
    default_locale = fields.String(dump_only=True)
    categories = fields.Function(lambda t: t.category_list, dump_only=True)
    logo_url = fields.Method("_logo_url", dump_only=True)
    store_url = fields.Method("_store_url", dump_only=True)
    created_at = fields.DateTime(dump_only=True)

    def _trial_ends_at(self, tenant):
        from kaidian.billing import services as billing

        value = billing.dates_of(tenant)["trial_ends_at"]
        return value.isoformat() if value else None

    def _paid_until(self, tenant):
        from kaidian.billing import services as billing

        value = billing.dates_of(tenant)["paid_until"]
        return value.isoformat() if value else None

    def _logo_url(self, tenant):
        from kaidian.platform.storage import media_url

        return media_url(tenant.logo_key)

    def _store_url(self, tenant):
        from kaidian.platform.sites import store_url

        return store_url(tenant)


class StaffCreateSchema(InputSchema):
    login = Text(254, min_length=3, pattern=LOGIN_PATTERN, required=True)
    role = fields.String(required=True, validate=validate.OneOf(["admin", "staff"]))
    permissions = fields.List(fields.String(validate=validate.OneOf(sorted(GRANTABLE_TO_STAFF))), load_default=list)


class StaffUpdateSchema(InputSchema):
    role = fields.String(validate=validate.OneOf(["admin", "staff"]))
    permissions = fields.List(fields.String(validate=validate.OneOf(sorted(GRANTABLE_TO_STAFF))))


class StaffSchema(Schema):
    id = fields.UUID(dump_only=True)
    user_id = fields.UUID(dump_only=True)
    login = fields.Function(lambda m: m.user.login_name, dump_only=True)
    role = fields.Function(lambda m: m.role.value, dump_only=True)
    permissions = fields.Function(lambda m: m.permission_list, dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class QualificationUploadSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # HTML forms also carry csrf_token; only the fields below are read

    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in QualificationKind]))
    number = Text(60, load_default="")


class QualificationSchema(Schema):
    id = fields.UUID(dump_only=True)
    kind = fields.Function(lambda q: q.kind.value, dump_only=True)
    number = fields.String(dump_only=True)
    file_kind = fields.String(dump_only=True)
    status = fields.Function(lambda q: q.status.value, dump_only=True)
    reason = fields.String(dump_only=True)
    uploaded_at = fields.DateTime(dump_only=True)
    reviewed_at = fields.DateTime(dump_only=True, allow_none=True)


class ReviewSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # HTML forms also carry csrf_token; only the fields below are read

    decision = fields.String(required=True, validate=validate.OneOf(["approve", "reject"]))
    reason = Text(500, load_default="")


class SuspendSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # HTML forms also carry csrf_token; only the fields below are read

    reason = Text(200, min_length=1, required=True)


class TenantQuerySchema(Schema):
    q = Text(60, load_default="")
    status = fields.String(load_default=None, validate=validate.OneOf([s.value for s in TenantStatus]))
    plan = fields.String(load_default=None, validate=validate.OneOf(list(PLANS)))
    page = Int(1, 10_000, strict=False, load_default=1)
    per_page = Int(1, 100, strict=False, load_default=20)


__all__ = ["ReviewStatus"]
