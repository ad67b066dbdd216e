"""Marshmallow schemas of the payments package: what ``start_payment`` / ``refund`` accept and what the
merchant's payment settings form may change. Secrets are write-only: a blank one keeps the stored value."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from kaidian.platform.fields import Text
from kaidian.platform.money import MAX_FEN
from kaidian.platform.validation import InputSchema, load  # noqa: F401  (load: the services validate with it)

from .models import CHANNELS, MODES

PURPOSE = r"[a-z][a-z0-9_]{0,31}"
DIGITS = r"[0-9]{6,20}"


class StartPaymentSchema(InputSchema):
    purpose = Text(32, 1, required=True, pattern=PURPOSE)
    reference_id = Text(64, 1, required=True)
    amount_fen = fields.Integer(required=True, strict=True, validate=validate.Range(1, MAX_FEN))
    description = Text(127, 1, required=True)
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    payer_openid = Text(64, load_default="")
    payer_appid = Text(32, load_default="", pattern=r"(wx[0-9a-zA-Z]{6,30})?")
    client_ip = Text(45, load_default="")
    return_url = Text(1000, load_default="")


class RefundSchema(InputSchema):
    purpose = Text(32, 1, required=True, pattern=PURPOSE)
    reference_id = Text(64, 1, required=True)
    amount_fen = fields.Integer(required=True, strict=True, validate=validate.Range(1, MAX_FEN))
    reason = Text(80, load_default="")
    out_refund_no = Text(64, 1, required=True, pattern=r"[A-Za-z0-9_\-|*@]{1,64}")
    # plain ids and short strings the caller wants in refund.succeeded / refund.failed (e.g. customer_id, order_no)
    metadata = fields.Dict(keys=Text(32, 1, pattern=r"[a-z][a-z0-9_]{0,31}"), values=Text(64),
                           load_default=dict, validate=validate.Length(max=8))

    @validates_schema
    def _no_reserved_keys(self, data, **kwargs):
        reserved = set(data.get("metadata", {})) & {"refund_id", "purpose", "reference_id", "amount_fen"}
        if reserved:
            raise ValidationError({"metadata": [_l("These keys are set by payments.")]})


class SettingsSchema(InputSchema):
    """The settings form. Which fields are required depends on the mode (checked in the service)."""

    mode = fields.String(required=True, validate=validate.OneOf(MODES))
    appid = Text(32, load_default="", pattern=r"(wx[0-9a-zA-Z]{6,30})?",
                 pattern_error=_l("An AppID starts with wx followed by letters and digits."))
    mchid = Text(32, load_default="", pattern=f"({DIGITS})?", pattern_error=_l("A merchant number is digits."))
    cert_serial = Text(64, load_default="", pattern=r"([0-9A-Fa-f]{8,64})?",
                       pattern_error=_l("A certificate serial number is hexadecimal."))
    apiv3_key = Text(64, load_default="")  # write-only: blank keeps the stored key
    private_key = Text(8000, load_default="")  # write-only: blank keeps the stored key
    public_key_id = Text(64, load_default="", pattern=r"(PUB_KEY_ID_[0-9A-Za-z_]{1,53})?",
                         pattern_error=_l("A WeChat Pay public key id starts with PUB_KEY_ID_."))
    public_key = Text(4000, load_default="")
    sub_mchid = Text(32, load_default="", pattern=f"({DIGITS})?", pattern_error=_l("A merchant number is digits."))


class AlipaySettingsSchema(InputSchema):
    """The Alipay form: the app id (digits), the app private key (write-only) and Alipay's public key."""

    app_id = Text(32, 1, required=True, pattern=r"[0-9]{8,32}", pattern_error=_l("An Alipay app id is digits."))
    app_private_key = Text(8000, load_default="")
    alipay_public_key = Text(4000, load_default="")
