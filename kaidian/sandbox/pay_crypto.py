"""WeChat Pay API v3 cryptography as WeChat Pay's side does it, written straight on ``cryptography``.

Deliberately independent of the platform's client (``wechatpayv3``) and of ``kaidian.payments``: the
sandbox is the other end of the wire, so a shared mistake cannot make both ends agree on something
WeChat Pay would refuse.

- Request signatures: the merchant signs ``METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n`` with
  SHA256-with-RSA (PKCS#1 v1.5); header ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",
  nonce_str="…",signature="…",timestamp="…",serial_no="…"``.
- Responses and notifications: WeChat Pay signs ``TIMESTAMP\\nNONCE\\nBODY\\n`` with its own key and sends
  ``Wechatpay-Signature``, ``-Serial`` (here the public key id ``PUB_KEY_ID_…``), ``-Timestamp``,
  ``-Nonce`` and ``-Signature-Type``.
- Notification resources: AEAD_AES_256_GCM with the merchant's 32-byte APIv3 key, a 12-character nonce
  and ``associated_data`` as AAD; ``ciphertext`` is base64 of ciphertext + tag.
"""

from __future__ import annotations

import base64
import re
import secrets
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
REQUEST_SKEW_SECONDS = 300
_AUTH_RE = re.compile(r'(\w+)="([^"]*)"')
_NONCE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def new_key_pair() -> tuple[str, str]:
    """A fresh RSA-2048 key pair as (private PKCS#8 PEM, public SubjectPublicKeyInfo PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def nonce(size: int = 32) -> str:
    return "".join(secrets.choice(_NONCE_ALPHABET) for _ in range(size))


def sign(private_pem: str, message: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return base64.b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def verify(public_pem: str, message: str, signature_b64: str) -> bool:
    try:
        key = serialization.load_pem_public_key(public_pem.encode())
        key.verify(base64.b64decode(signature_b64, validate=True), message.encode(), padding.PKCS1v15(),
                   hashes.SHA256())
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def parse_authorization(header: str) -> dict | None:
    """The fields of a ``WECHATPAY2-SHA256-RSA2048 k="v",…`` header, or None when it is not one."""
    scheme, _, rest = (header or "").partition(" ")
    if scheme != SIGNATURE_TYPE:
        return None
    fields = dict(_AUTH_RE.findall(rest))
    if not {"mchid", "nonce_str", "signature", "timestamp", "serial_no"} <= fields.keys():
        return None
    return fields


def request_message(method: str, path_with_query: str, timestamp: str, nonce_str: str, body: str) -> str:
    return f"{method}\n{path_with_query}\n{timestamp}\n{nonce_str}\n{body}\n"


def signed_headers(private_pem: str, key_id: str, body: str) -> dict[str, str]:
    """The ``Wechatpay-*`` headers WeChat Pay puts on a response or a notification carrying ``body``."""
    timestamp, nonce_str = str(int(time.time())), nonce()
    return {
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce_str,
        "Wechatpay-Serial": key_id,
        "Wechatpay-Signature": sign(private_pem, f"{timestamp}\n{nonce_str}\n{body}\n"),
        "Wechatpay-Signature-Type": SIGNATURE_TYPE,
    }


def encrypt_resource(apiv3_key: str, plaintext: str, associated_data: str) -> dict:
    """The ``resource`` object of a notification: AEAD_AES_256_GCM under the APIv3 key."""
    nonce_str = nonce(12)
    sealed = AESGCM(apiv3_key.encode()).encrypt(nonce_str.encode(), plaintext.encode(), associated_data.encode())
    return {"algorithm": "AEAD_AES_256_GCM", "ciphertext": base64.b64encode(sealed).decode(),
            "associated_data": associated_data, "nonce": nonce_str}


def jsapi_message(appid: str, timestamp: str, nonce_str: str, package: str) -> str:
    """What ``paySign`` signs for ``getBrandWCPayRequest``."""
    return f"{appid}\n{timestamp}\n{nonce_str}\n{package}\n"
