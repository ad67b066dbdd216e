"""Passwords, API tokens and merchant secrets at rest.

Passwords use Argon2id (argon2-cffi). Merchant secrets (WeChat refresh tokens, pay keys) are
encrypted with ``DATA_KEY``: a comma-separated list of Fernet keys, the first encrypting, all
decrypting, so a key is rotated by putting the new one first and running
``flask kaidian rotate-data-key``.
"""

from __future__ import annotations

import hashlib
import secrets as _secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

TOKEN_PREFIX = "kd_"


@lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


def _configured_hasher() -> PasswordHasher:
    config = current_app.config
    return _hasher(config["PASSWORD_HASH_TIME_COST"], config["PASSWORD_HASH_MEMORY_KIB"],
                   config["PASSWORD_HASH_PARALLELISM"])


def hash_password(password: str) -> str:
    """An Argon2id hash at the configured cost (config.py refuses a cheap cost outside tests)."""
    return _configured_hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Checked with the parameters stored in the hash itself, whatever the current configuration."""
    try:
        return _configured_hasher().verify(password_hash, password)
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
