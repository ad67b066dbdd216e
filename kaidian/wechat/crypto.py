"""WeChat's "WXBizMsgCrypt" message encryption, for a third-party (component) platform.

Why it is written here rather than taken from a library: the scheme is small and exactly specified
(SHA-1 signature over four sorted strings; AES-256-CBC with IV = key[:16] and PKCS#7 padding to 32-byte
blocks over ``random16 | len(msg) | msg | appid``), and no maintained package covers what Kaidian needs
together: trying the current and the previous EncodingAESKey during a rotation, insisting that the trailing
appid is the *component* appid, refusing unsafe XML, and running on ``cryptography`` (the WeChat SDK ports
on PyPI use pycrypto/pycryptodome and skip some of these checks). The official test vector in
``tests/wechat/test_crypto.py`` pins the behaviour to WeChat's own sample.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
import struct
import time
from collections.abc import Sequence

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from kaidian.wechat.xmlmsg import (
    DEFAULT_MAX_BYTES,
    MalformedMessage,
    PayloadTooLarge,
    WeChatCryptoError,
    parse_xml,
    to_xml,
)

__all__ = [
    "AppIdMismatch",
    "MalformedMessage",
    "MessageCrypto",
    "PayloadTooLarge",
    "SignatureError",
    "WeChatCryptoError",
    "decode_aes_key",
    "signature",
    "verify_signature",
]

BLOCK_SIZE = 32


class SignatureError(WeChatCryptoError):
    """msg_signature does not match [token, timestamp, nonce, Encrypt]."""


class AppIdMismatch(WeChatCryptoError):
    """The message decrypts, but the trailing appid is not ours."""


def signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    """Lowercase hex SHA-1 of the four strings sorted and concatenated."""
    parts = sorted(str(part) for part in (token, timestamp, nonce, encrypt))
    return hashlib.sha1("".join(parts).encode("utf-8")).hexdigest()


def verify_signature(token: str, timestamp: str, nonce: str, encrypt: str, msg_signature: str) -> bool:
    """Constant-time comparison of ``msg_signature`` with the expected signature."""
    if not isinstance(msg_signature, str):
        return False
    expected = signature(token, timestamp, nonce, encrypt).encode("ascii")
    return hmac.compare_digest(expected, msg_signature.strip().lower().encode("utf-8"))


def decode_aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key behind a 43-character EncodingAESKey (ValueError if it is not one)."""
    if not isinstance(encoding_aes_key, str) or len(encoding_aes_key) != 43:
        raise ValueError("EncodingAESKey must be 43 characters")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("EncodingAESKey is not base64") from None
    if len(key) != 32:
        raise ValueError("EncodingAESKey must decode to 32 bytes")
    return key


def _pad(data: bytes) -> bytes:
    amount = BLOCK_SIZE - len(data) % BLOCK_SIZE
    return data + bytes([amount]) * amount


def _unpad(data: bytes) -> bytes | None:
    amount = data[-1] if data else 0
    if not 1 <= amount <= BLOCK_SIZE or amount > len(data):
        return None
    if data[-amount:] != bytes([amount]) * amount:
        return None
    return data[:-amount]


def _aes(key: bytes):
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


class MessageCrypto:
    """Seal and open WeChat's encrypted messages for one component appid.

    ``aes_keys`` lists the EncodingAESKeys, current first, then previous ones still accepted during a
    rotation; encryption always uses the first.
    """

    def __init__(
        self,
        token: str,
        aes_keys: Sequence[str] | str,
        appid: str,
        *,
        max_body_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        names = [aes_keys] if isinstance(aes_keys, str) else list(aes_keys)
        if not names:
            raise ValueError("at least one EncodingAESKey is needed")
        if not token or not appid:
            raise ValueError("token and appid are required")
        self.token = token
        self.appid = appid
        self.max_body_bytes = max_body_bytes
        self._keys = [decode_aes_key(name) for name in names]

    def encrypt(self, plaintext: str, *, random16: bytes | None = None) -> str:
        """Base64 of AES-CBC(random16 | len | msg | appid) under the current key."""
        prefix = os.urandom(16) if random16 is None else random16
        if len(prefix) != 16:
            raise ValueError("random16 must be 16 bytes")
        msg = plaintext.encode("utf-8")
        raw = prefix + struct.pack(">I", len(msg)) + msg + self.appid.encode("utf-8")
        encryptor = _aes(self._keys[0]).encryptor()
        sealed = encryptor.update(_pad(raw)) + encryptor.finalize()
        return base64.b64encode(sealed).decode("ascii")

    def decrypt(self, encrypt_b64: str) -> str:
        """The message inside ``encrypt_b64``, trying each key in turn."""
        ciphertext = self._ciphertext(encrypt_b64)
        appid_seen = False
        for key in self._keys:
            found = self._open_with(key, ciphertext)
            if found is None:
                continue
            msg, appid = found
            if hmac.compare_digest(appid, self.appid.encode("utf-8")):
                return self._text(msg)
            appid_seen = True
        if appid_seen:
            raise AppIdMismatch("message was sealed for another appid")
        raise MalformedMessage("message does not decrypt under any configured key")

    @staticmethod
    def _ciphertext(encrypt_b64: str) -> bytes:
        try:
            data = base64.b64decode(encrypt_b64, validate=True)
        except (binascii.Error, ValueError, TypeError):
            raise MalformedMessage("Encrypt is not base64") from None
        if not data or len(data) % 16:
            raise MalformedMessage("ciphertext length is not a whole number of AES blocks")
        return data

    @staticmethod
    def _open_with(key: bytes, ciphertext: bytes) -> tuple[bytes, bytes] | None:
        decryptor = _aes(key).decryptor()
        content = _unpad(decryptor.update(ciphertext) + decryptor.finalize())
        if content is None or len(content) < 20:
            return None
        (length,) = struct.unpack(">I", content[16:20])
        if 20 + length > len(content):
            return None
        return content[20 : 20 + length], content[20 + length :]

    @staticmethod
    def _text(msg: bytes) -> str:
        try:
            return msg.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedMessage("message is not UTF-8") from None

    def seal(self, plaintext_xml: str, timestamp: str | None = None, nonce: str | None = None) -> dict:
        """Encrypt and sign: ``{Encrypt, MsgSignature, TimeStamp, Nonce}`` (all strings)."""
        timestamp = str(int(time.time())) if timestamp is None else str(timestamp)
        nonce = str(secrets.randbelow(10**10)) if nonce is None else str(nonce)
        encrypted = self.encrypt(plaintext_xml)
        return {
            "Encrypt": encrypted,
            "MsgSignature": signature(self.token, timestamp, nonce, encrypted),
            "TimeStamp": timestamp,
            "Nonce": nonce,
        }

    def sealed_xml(self, plaintext_xml: str, timestamp: str | None = None, nonce: str | None = None) -> str:
        """The encrypted reply ``<xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>``."""
        sealed = self.seal(plaintext_xml, timestamp, nonce)
        if sealed["TimeStamp"].isdigit():
            sealed["TimeStamp"] = int(sealed["TimeStamp"])
        return to_xml(sealed)

    def open_push(self, body: bytes, *, timestamp: str, nonce: str, msg_signature: str) -> dict[str, str]:
        """Check size, parse, verify the signature, then decrypt and parse the inner message."""
        if len(body) > self.max_body_bytes:
            raise PayloadTooLarge(f"push body of {len(body)} bytes exceeds {self.max_body_bytes}")
        outer = parse_xml(body, max_bytes=self.max_body_bytes)
        encrypted = outer.get("Encrypt", "")
        if not encrypted.strip():
            raise MalformedMessage("push has no Encrypt element")
        if not all(isinstance(v, str) and v for v in (timestamp, nonce, msg_signature)):
            raise SignatureError("timestamp, nonce and msg_signature are required")
        if not verify_signature(self.token, timestamp, nonce, encrypted, msg_signature):
            raise SignatureError("msg_signature does not match")
        return parse_xml(self.decrypt(encrypted).encode("utf-8"), max_bytes=self.max_body_bytes)
