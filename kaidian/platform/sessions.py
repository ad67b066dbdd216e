"""Server-side logins: a signed cookie alone never logs anybody in.

Each login (``start``) gets a random key; its SHA-256 digest is a ``UserSession`` row and the key
rides in Flask-Login's ``_user_id`` (``"<user id>:<key>"``, see ``User.get_id``) — so in the signed
session cookie and in the remember-me cookie alike. ``user_for`` (Flask-Login's user loader) finds the
user only while that row exists and has not expired: logging out deletes it (a replayed cookie is
useless), and a password change or reset deletes every other one (``end_all``).

Lifetimes: a login without "remember me" ends after ``SESSION_HOURS`` (24 h) at the latest; with it,
the remember-me cookie and its row last ``REMEMBER_DAYS`` (14 days).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from sqlalchemy import delete, select

from .extensions import db
from .models import User, UserSession, utcnow
from .secrets import token_digest

SESSION_HOURS = 24
REMEMBER_DAYS = 14


def start(user: User, remember: bool = False) -> str:
    """A new login for ``user``; sets and returns its key (committed by the caller)."""
    key = secrets.token_urlsafe(32)
    lifetime = timedelta(days=REMEMBER_DAYS) if remember else timedelta(hours=SESSION_HOURS)
    db.session.add(UserSession(id=token_digest(key), user_id=user.id, expires_at=utcnow() + lifetime))
    user.session_key = key
    return key


def user_for(login_id: str) -> User | None:
    """The user of a live login ``"<user id>:<key>"``, or None (unknown, ended, expired, deactivated)."""
    user_id, _, key = (login_id or "").partition(":")
    try:
        user_uuid = uuid.UUID(user_id)
    except ValueError:
        return None
    if not key:
        return None
    user = db.session.execute(
        select(User).join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.id == token_digest(key), User.id == user_uuid, UserSession.expires_at > utcnow(),
               User.is_active_user.is_(True))
    ).scalar_one_or_none()
    if user is not None:
        user.session_key = key
    return user


def end(user: User) -> None:
    """End the login this request runs under."""
    if user.session_key:
        db.session.execute(delete(UserSession).where(UserSession.id == token_digest(user.session_key)))


def end_all(user: User, keep: str | None = None) -> int:
    """End every login of ``user`` except the one with key ``keep``; how many ended."""
    statement = delete(UserSession).where(UserSession.user_id == user.id)
    if keep:
        statement = statement.where(UserSession.id != token_digest(keep))
    return db.session.execute(statement).rowcount


def purge_expired() -> int:
    """Forget logins that have expired (the periodic job ``tasks.purge_expired_sessions``)."""
    return db.session.execute(delete(UserSession).where(UserSession.expires_at <= utcnow())).rowcount
