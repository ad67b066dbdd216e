"""What the customers package accepts and answers (marshmallow, with ``platform/fields.py`` types)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields

from kaidian.platform.errors import ValidationFailed
from kaidian.platform.fields import Text

MOBILE_PATTERN = r"1[3-9]\d{9}"  # a mainland China mobile number
CODE_PATTERN = r"\d{6}"


def load(schema: Schema, data) -> dict:
    """Validate ``data`` or raise ``ValidationFailed`` with the field messages."""
    try:
        return schema.load(data if isinstance(data, dict) else {})
    except ValidationError as exc:
        raise ValidationFailed(fields=exc.messages) from None


def mobile_field(**kwargs) -> Text:
    return Text(11, 11, pattern=MOBILE_PATTERN, pattern_error=_l("Enter an 11-digit mainland mobile number."),
                **kwargs)


class SmsCodeRequest(Schema):
    mobile = mobile_field(required=True)


class SmsLogin(Schema):
    mobile = mobile_field(required=True)
    code = Text(6, 6, pattern=CODE_PATTERN, pattern_error=_l("Enter the 6-digit code."), required=True)


class CustomerOut(Schema):
    """The logged-in shopper as the store API shows it: never the openid or unionid."""

    id = fields.UUID()
    nickname = fields.String()
    display_name = fields.String()
    avatar = fields.String()
    mobile = fields.String(allow_none=True)
