"""Passwords, API tokens and merchant secrets at rest.

Passwords use Argon2id (argon2-cffi). Merchant secrets (WeChat refresh tokens, pay keys) are
encrypted with ``DATA_KEY``: a comma-separated list of Fernet keys, the first encrypting, all
decrypting, so a key is rotated by putting the new one first and running
``flask kaidian rotate-data-key``.
"""

from __future__ import annotations

import functools
import hashlib
import secrets as _secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

_hasher = PasswordHasher()

TOKEN_PREFIX = "kd_"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash(_secrets.token_urlsafe(16))


def verify_dummy_password(password: str) -> bool:
    """The same work as ``verify_password`` against a real hash, for an account that does not exist,
    so the time a login takes does not tell whether the account exists. Always False."""
    verify_password(_dummy_hash(), password)
    return False


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_api_token() -> tuple[str, str]:
    """Return (the token shown once to its owner, the digest stored)."""
    token = TOKEN_PREFIX + _secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _data_keys() -> MultiFernet:
    keys = [k.strip() for k in current_app.config["DATA_KEY"].split(",") if k.strip()]
    return MultiFernet([Fernet(k) for k in keys])


def encrypt_secret(plaintext: str) -> str:
    return _data_keys().encrypt(plaintext.encode()).decode()


def decrypt_secret(ciphertext: str) -> str:
    try:
        return _data_keys().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("secret cannot be decrypted with any DATA_KEY") from exc


def rotate_secret(ciphertext: str) -> str:
    """Re-encrypt with the first (current) key."""
    return _data_keys().rotate(ciphertext.encode()).decode()
