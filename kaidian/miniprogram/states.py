"""The state machine of a store's mini-program work, in one place: which moves a code version, a
submission and a bulk-upgrade item may make, and the history entry (what, when, who) each move writes.

Only :func:`move` changes ``status`` (or an item's ``state``). A move not in the table raises
``IllegalMove`` — callers that apply WeChat's news (events, polling) ask :func:`can` first, so a late or
duplicated event is a no-op rather than an error. A version or submission that belongs to a bulk
upgrade moves its ``UpgradeItem`` along (``ITEM_FOLLOWS``).
"""

from __future__ import annotations

import uuid

from kaidian.platform.extensions import db
from kaidian.platform.models import utcnow

from .models import CodeVersion, HistoryEntry, Submission, UpgradeItem

VERSION: dict[str, set[str]] = {
    "committing": {"committed", "failed"},
    "failed": {"committing"},  # retried by hand
    "committed": set(),
}

SUBMISSION: dict[str, set[str]] = {
    # WeChat's answer may already be a decision when a lost attempt is adopted
    "submitting": {"auditing", "delayed", "approved", "rejected", "failed"},
    "auditing": {"approved", "rejected", "delayed", "withdrawing", "withdrawn"},
    "delayed": {"approved", "rejected", "withdrawing", "withdrawn"},
    # a withdrawal WeChat refused goes back; a decision may overtake it
    "withdrawing": {"withdrawn", "auditing", "delayed", "approved", "rejected"},
    "approved": {"releasing", "released"},
    "releasing": {"released", "approved"},  # a release WeChat refused: still approved, with the error
    "failed": {"submitting"},  # retried by hand
    "rejected": set(),
    "withdrawn": set(),
    "released": {"rolling_back"},  # WeChat's revertcoderelease: the release before it is online again
    "rolling_back": {"rolled_back", "released"},  # a rollback WeChat refused: still released, with the error
    "rolled_back": set(),
}
OPEN = ("submitting", "auditing", "delayed", "withdrawing")

ITEM: dict[str, set[str]] = {
    "queued": {"committed", "submitted", "failed"},
    "committed": {"submitted", "approved", "rejected", "failed"},
    "submitted": {"approved", "rejected", "failed", "released"},
    "approved": {"released", "failed"},
    "rejected": {"queued"},  # retry: commit and submit again
    "failed": {"queued"},
    "released": set(),
}

# the item state that a version's or submission's new status puts its bulk-upgrade item in
ITEM_FOLLOWS: dict[tuple[str, str], str] = {
    ("version", "committed"): "committed",
    ("version", "failed"): "failed",
    ("submission", "auditing"): "submitted",
    ("submission", "delayed"): "submitted",
    ("submission", "approved"): "approved",
    ("submission", "rejected"): "rejected",
    ("submission", "released"): "released",
    ("submission", "failed"): "failed",
    ("submission", "withdrawn"): "failed",
}

TABLES = {CodeVersion: ("version", VERSION), Submission: ("submission", SUBMISSION)}


class IllegalMove(RuntimeError):
    pass


def can(row, to: str) -> bool:
    _subject, table = TABLES[type(row)]
    return to in table.get(row.status, set())


def move(row, to: str, *, actor_id: uuid.UUID | None = None, detail: str = "") -> None:
    """Move a version or submission to ``to`` and record it (the caller's unit of work commits)."""
    subject, table = TABLES[type(row)]
    if to not in table.get(row.status, set()):
        raise IllegalMove(f"{subject} {row.id}: {row.status} → {to}")
    db.session.add(HistoryEntry(tenant_id=row.tenant_id, subject=subject, subject_id=row.id,
                                from_state=row.status, to_state=to, detail=detail[:500], actor_id=actor_id))
    row.status = to
    follows = ITEM_FOLLOWS.get((subject, to))
    if follows and row.batch_item_id:
        move_item(db.session.get(UpgradeItem, row.batch_item_id), follows, errcode=row.errcode,
                  error=_item_note(row, to))


def _item_note(row, to: str) -> str:
    if to == "rejected":
        return row.reason
    if to in ("failed", "withdrawn"):
        return row.error or to
    return ""


def move_item(item: UpgradeItem | None, to: str, *, errcode: int | None = None, error: str = "") -> bool:
    """Move a bulk-upgrade item (a platform row; no history of its own: its store's history has it)."""
    if item is None or to == item.state:
        return False
    if to not in ITEM.get(item.state, set()):
        return False
    item.state, item.errcode, item.error, item.updated_at = to, errcode, (error or "")[:500], utcnow()
    return True


def record(tenant_id: uuid.UUID, subject: str, to_state: str, *, detail: str = "",
           actor_id: uuid.UUID | None = None, subject_id: uuid.UUID | None = None) -> None:
    """A history entry for what is not a status move (a setup step done, a setting changed)."""
    db.session.add(HistoryEntry(tenant_id=tenant_id, subject=subject, subject_id=subject_id, to_state=to_state,
                                detail=detail[:500], actor_id=actor_id))
