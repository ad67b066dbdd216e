"""The platform's mini-program template library, kept in step with the Open Platform's (component token):
drafts uploaded from WeChat's developer tools are added to the library, the library is synced into
``mp_templates``, a template is deleted, and one is marked current (what merchants commit and bulk
upgrades push). WeChat's refusals become the platform's error shape with WeChat's errcode."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update

from kaidian.platform.errors import NotFound
from kaidian.platform.extensions import db
from kaidian.platform.models import utcnow
from kaidian.platform.unit import atomic
from kaidian.wechat.errors import WeChatError, WeChatRefused

from . import policy, wxa
from .models import WxaTemplate

TEMPLATE_TYPE = 0  # the ordinary library (标准模板库, 1, is for WeChat's own standard templates)


def _refused(call):
    try:
        return call()
    except WeChatError as error:
        refused = WeChatRefused.from_error(error)
        refused.message = policy.describe(error)  # WeChat's errcode and words: the admin acts on them
        raise refused from error


def drafts() -> list[dict]:
    return _refused(wxa.draft_list)


def templates() -> list[WxaTemplate]:
    return list(db.session.execute(select(WxaTemplate).order_by(WxaTemplate.template_id.desc())).scalars())


@atomic
def sync() -> int:
    """Replace the mirror with WeChat's template list (the current mark kept while its template exists)."""
    listed = _refused(lambda: wxa.template_list(TEMPLATE_TYPE))
    kept = {row.template_id: row for row in templates()}
    seen = set()
    for entry in listed:
        template_id = int(entry["template_id"])
        seen.add(template_id)
        row = kept.get(template_id) or WxaTemplate(template_id=template_id, is_current=False)
        row.template_type = int(entry.get("template_type", TEMPLATE_TYPE))
        row.user_version = str(entry.get("user_version", ""))[:64]
        row.user_desc = str(entry.get("user_desc", ""))[:200]
        row.created_at = datetime.fromtimestamp(int(entry.get("create_time") or 0), UTC)
        row.synced_at = utcnow()
        db.session.add(row)
    for template_id, row in kept.items():
        if template_id not in seen:
            db.session.delete(row)
    return len(listed)


def add_draft(draft_id: int) -> int:
    _refused(lambda: wxa.add_to_template(draft_id, TEMPLATE_TYPE))
    return sync()


def delete(template_id: int) -> int:
    _refused(lambda: wxa.delete_template(template_id))
    return sync()


@atomic
def mark_current(template_id: int) -> WxaTemplate:
    row = db.session.get(WxaTemplate, template_id)
    if row is None:
        raise NotFound()
    db.session.execute(update(WxaTemplate).where(WxaTemplate.template_id != template_id).values(is_current=False))
    row.is_current = True
    return row
