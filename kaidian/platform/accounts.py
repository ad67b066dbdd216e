"""Account use cases: passwords, logging in, password reset, API tokens, platform admins."""

from __future__ import annotations

import re
import uuid

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from .errors import NotFound, ValidationFailed
from .extensions import db
from .jobs import enqueue
from .models import ApiToken, User
from .secrets import hash_password, new_api_token, verify_password

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# what a login looks like (either of the above, no control characters): documented on the API's fields
LOGIN_PATTERN = r"1[3-9][0-9]{9}|[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+"
# the password rule's shape (letters and digits); its length is checked too, common ones refused
_ALLOWED = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
PASSWORD_PATTERN = rf"{_ALLOWED}*[A-Za-z]{_ALLOWED}*[0-9]{_ALLOWED}*|{_ALLOWED}*[0-9]{_ALLOWED}*[A-Za-z]{_ALLOWED}*"
COMMON_PASSWORDS = frozenset(
    {"password", "password1", "12345678", "123456789", "1234567890", "qwerty123", "11111111", "abc12345",
     "iloveyou", "admin123", "88888888", "a1234567", "woaini1314", "password123", "qwertyuiop"}
)
RESET_MAX_AGE = 3600


def password_problem(password: str) -> str | None:
    """Why ``password`` is too weak, or None. The one home of the password rule."""
    if len(password) < 8:
        return _l("At least 8 characters.")
    if len(password) > 128:
        return _l("At most 128 characters.")
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        return _l("Use both letters and digits.")
    if password.lower() in COMMON_PASSWORDS:
        return _l("This password is too common.")
    return None


def normalize_login(login: str) -> tuple[str, str]:
    """('email' | 'mobile', normalized value) or raise with a field error."""
    login = (login or "").strip()
    if MOBILE_RE.match(login):
        return "mobile", login
    if EMAIL_RE.match(login) and len(login) <= 254:
        return "email", login.lower()
    raise ValidationFailed(fields={"login": [_l("Enter an email address or a mainland mobile number.")]})


def find_user(login: str) -> User | None:
    kind, value = normalize_login(login)
    column = User.email if kind == "email" else User.mobile
    return db.session.execute(select(User).where(func.lower(column) == value)).scalar_one_or_none()


def authenticate(login: str, password: str) -> User:
    try:
        user = find_user(login)
    except ValidationFailed:
        user = None
    if user is None or not verify_password(user.password_hash, password or "") or not user.is_active:
        wrong = _l("Wrong account or password.")
        raise ValidationFailed(wrong, fields={"password": [wrong]})
    return user


def create_user(login: str, password: str, *, display_name: str = "", platform_admin: bool = False) -> User:
    kind, value = normalize_login(login)
    problem = password_problem(password)
    if problem:
        raise ValidationFailed(fields={"password": [problem]})
    if find_user(value) is not None:
        raise ValidationFailed(fields={"login": [_l("An account with this email or mobile already exists.")]})
    user = User(password_hash=hash_password(password), display_name=display_name, is_platform_admin=platform_admin)
    setattr(user, kind, value)
    db.session.add(user)
    return user


def set_password(user: User, password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise ValidationFailed(fields={"password": [problem]})
    user.password_hash = hash_password(password)


# --- password reset ---------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def reset_token(user: User) -> str:
    """Bound to the current hash, so the token stops working once the password changes."""
    return _serializer().dumps({"u": str(user.id), "h": user.password_hash[-16:]})


def request_password_reset(login: str) -> None:
    """Email a reset link when the account exists; say nothing either way (no account probing)."""
    try:
        user = find_user(login)
    except ValidationFailed:
        return
    if user is None or not user.email:
        return
    link = url_for("platform.reset_password", token=reset_token(user), _external=True)
    with force_locale(user.locale or "zh"):
        subject = _("Reset your Kaidian password")
        body = _("Open this link within an hour to set a new password: %(link)s", link=link)
    from .tasks import send_email

    enqueue(send_email, user.email, subject, body, queue="high", timeout=60)


def user_for_reset_token(token: str) -> User:
    try:
        data = _serializer().loads(token, max_age=RESET_MAX_AGE)
    except SignatureExpired:
        raise ValidationFailed(_l("This reset link has expired; ask for a new one.")) from None
    except BadSignature:
        raise NotFound(_l("This reset link is not valid.")) from None
    user = db.session.get(User, uuid.UUID(data["u"]))
    if user is None or user.password_hash[-16:] != data["h"]:
        raise ValidationFailed(_l("This reset link has already been used."))
    return user


# --- API tokens -------------------------------------------------------------------------------


def issue_api_token(user: User, tenant_id, name: str) -> tuple[ApiToken, str]:
    name = (name or "").strip()[:60] or "API"
    token, digest = new_api_token()
    row = ApiToken(tenant_id=tenant_id, user_id=user.id, name=name, digest=digest, prefix=token[:10])
    db.session.add(row)
    return row, token
