"""What the customers package accepts and answers (marshmallow, with ``platform/fields.py`` types)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields

from kaidian.platform.fields import Text
from kaidian.platform.validation import InputSchema

MOBILE_PATTERN = r"1[3-9]\d{9}"  # a mainland China mobile number
CODE_PATTERN = r"\d{6}"


def mobile_field(**kwargs) -> Text:
    return Text(11, 11, pattern=MOBILE_PATTERN, pattern_error=_l("Enter an 11-digit mainland mobile number."),
                **kwargs)


class SmsCodeRequest(InputSchema):
    mobile = mobile_field(required=True)


class SmsLogin(InputSchema):
    mobile = mobile_field(required=True)
    code = Text(6, 6, pattern=CODE_PATTERN, pattern_error=_l("Enter the 6-digit code."), required=True)


class CustomerOut(Schema):
    """The logged-in shopper as the store API shows it: never the openid or unionid."""

    id = fields.UUID()
    nickname = fields.String()
    display_name = fields.String()
    avatar = fields.String()
    mobile = fields.String(allow_none=True)


REGION_CODE = r"\d{2,9}"


class AddressIn(InputSchema):
    """A new address (``partial`` for an update: the three region codes then come together or not at all)."""

    recipient = Text(30, 1, required=True)
    mobile = mobile_field(required=True)
    province_code = Text(12, 2, pattern=REGION_CODE, required=True)
    city_code = Text(12, 4, pattern=REGION_CODE, required=True)
    district_code = Text(12, 6, pattern=REGION_CODE, required=True)
    detail = Text(120, 2, required=True)
    is_default = fields.Boolean(load_default=None)


class AddressOut(Schema):
    id = fields.UUID()
    recipient = fields.String()
    mobile = fields.String()
    province_code = fields.String()
    province_name = fields.String()
    city_code = fields.String()
    city_name = fields.String()
    district_code = fields.String()
    district_name = fields.String()
    detail = fields.String()
    label = fields.Method("_label")
    is_default = fields.Boolean()

    def _label(self, address) -> str:
        from .addresses import written_form

        return written_form(address)


class RegionOut(Schema):
    code = fields.String()
    name = fields.String()
    level = fields.String()
