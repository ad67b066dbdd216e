"""Moving private files saved under the public prefix before they had a private one.

Order exports, 发票 PDFs and shoppers' after-sales photos were once stored under ``t/<tenant>/<folder>/``:
``/media/`` refuses those folders (``storage.FORMERLY_PUBLIC_PRIVATE_FOLDERS``), but where media is
served from a public S3 bucket the objects themselves stay readable by anyone holding an old URL. The
job ``move_legacy_private`` (queued by ``flask kaidian move-private-files``, run once after upgrading)
takes them out, store by store:

1. **Move.** For each row a domain registered (``register``) whose keys start with ``t/``, a batch of
   ``BATCH`` rows at a time: in one transaction, lock the row, copy each ``t/…`` object to the same key
   under ``p/`` through the storage API (disk or S3: the copy appears whole or not at all), write the
   new keys to the row and commit; the old objects are deleted only after the commit
   (``jobs.after_commit``). Killed before the commit, the row still names the old objects (still
   there) and the next run copies again over the same ``p/`` key; killed after it, the old object is
   left behind, unreferenced, with its copy beside it — step 2 deletes it.
2. **Sweep.** Every object left under ``t/<tenant>/<folder>/`` that no row names is deleted when its
   ``p/`` copy exists (a move whose delete did not happen) or when it is older than ``MIN_AGE`` (a day:
   after-sales photos uploaded but never sent, which had no upload record, and files whose row is
   gone). A younger one might still be named by a request (a photo token lives a day), so it is kept
   and the job queues itself again for a day later (under RQ).

Nothing is lost (a row's keys change only when its copies exist, an object is deleted only once no
row names it) and running it again changes nothing. Progress (stores done, files moved and deleted)
goes to the RQ job's ``meta`` (the command prints it while it waits) and to the log.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from rq import get_current_job
from sqlalchemy import select

from .extensions import db
from .jobs import after_commit, enqueue
from .models import Tenant, utcnow
from .storage import get_storage
from .tenancy import all_tenants, tenant_context
from .unit import unit

log = logging.getLogger(__name__)

BATCH = 200
MIN_AGE = timedelta(days=1)
JOB_ID = "move-legacy-private-files"
TIMEOUT = 6 * 3600


@dataclass(frozen=True)
class LegacyFolder:
    """A folder of private files a domain once stored under ``t/``: ``model`` rows name them;
    ``keys(row)``/``set_keys(row, keys)`` read and write a row's keys; ``naming(text)`` is a clause
    matching the rows with a key starting with ``text`` (a prefix, or a whole key)."""

    folder: str
    model: type
    keys: Callable[[object], list[str]]
    set_keys: Callable[[object, list[str]], None]
    naming: Callable[[str], object]


FOLDERS: dict[str, LegacyFolder] = {}


def register(folder: LegacyFolder) -> None:
    FOLDERS[folder.folder] = folder


def private_key(key: str) -> str:
    return "p/" + key[2:]


def _is_legacy(key: object, tenant_id: uuid.UUID, folder: str) -> bool:
    return isinstance(key, str) and ".." not in key and key.startswith(f"t/{tenant_id}/{folder}/")


@dataclass
class Tally:
    stores: int = 0
    done: int = 0
    moved: int = 0
    deleted: int = 0
    kept_young: int = 0
    failed: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def move_legacy_private(tenant_ids: list[str] | None = None, progress: Callable[[Tally], None] | None = None) -> dict:
    """The job: every store (or ``tenant_ids``), one after the other; returns the tally."""
    if tenant_ids is None:
        with all_tenants():
            ids = list(db.session.execute(select(Tenant.id).order_by(Tenant.id)).scalars())
            db.session.rollback()
    else:
        ids = [uuid.UUID(str(t)) for t in tenant_ids]
    tally = Tally(stores=len(ids))
    job = get_current_job()
    for tenant_id in ids:
        with tenant_context(tenant_id):
            for folder in FOLDERS.values():
                _move_folder(tenant_id, folder, tally)
                _sweep_folder(tenant_id, folder, tally)
            db.session.rollback()
        tally.done += 1
        if job is not None:
            job.meta["progress"] = tally.as_dict()
            job.save_meta()
        if progress is not None:
            progress(tally)
    log.info("legacy private files: %s", tally.as_dict())
    if tally.kept_young and job is not None:  # files too young to tell: look again when they are a day old
        enqueue(
            move_legacy_private,
            tenant_ids,
            queue="low",
            timeout=TIMEOUT,
            job_id=f"{JOB_ID}-later",
            delay=MIN_AGE.total_seconds() + 3600,
        )
    return tally.as_dict()


def _move_folder(tenant_id: uuid.UUID, folder: LegacyFolder, tally: Tally) -> None:
    after = None
    while True:
        query = select(folder.model.id).where(folder.naming("t/")).order_by(folder.model.id).limit(BATCH)
        if after is not None:
            query = query.where(folder.model.id > after)
        ids = list(db.session.execute(query).scalars())
        db.session.rollback()
        if not ids:
            return
        for row_id in ids:
            try:
                tally.moved += _move_row(tenant_id, folder, row_id)
            except Exception:
                db.session.rollback()
                tally.failed += 1
                log.exception("moving the %s files of %s failed", folder.folder, row_id)
        after = ids[-1]


def _move_row(tenant_id: uuid.UUID, folder: LegacyFolder, row_id: uuid.UUID) -> int:
    storage = get_storage()
    with unit():
        row = db.session.execute(
            select(folder.model).where(folder.model.id == row_id).with_for_update()
        ).scalar_one_or_none()
        if row is None:
            return 0
        keys, old = list(folder.keys(row)), []
        for index, key in enumerate(keys):
            if not _is_legacy(key, tenant_id, folder.folder):
                continue
            target = private_key(key)
            if storage.exists(key):
                storage.copy(key, target)
            elif not storage.exists(target):
                log.warning("%s is missing: the row now names its private key, missing too", key)
            keys[index] = target
            old.append(key)
        if not old:
            return 0
        folder.set_keys(row, keys)
        after_commit(lambda app: [storage.delete(key) for key in old])
    return len(old)


def _sweep_folder(tenant_id: uuid.UUID, folder: LegacyFolder, tally: Tally) -> None:
    storage, cutoff = get_storage(), utcnow() - MIN_AGE
    batch: list[tuple[str, datetime]] = []
    for item in storage.listing(f"t/{tenant_id}/{folder.folder}/"):
        batch.append(item)
        if len(batch) >= BATCH:
            _sweep_batch(tenant_id, folder, batch, cutoff, tally)
            batch = []
    if batch:
        _sweep_batch(tenant_id, folder, batch, cutoff, tally)


def _sweep_batch(tenant_id, folder: LegacyFolder, batch: list, cutoff: datetime, tally: Tally) -> None:
    storage = get_storage()
    for key, modified in batch:
        if not _is_legacy(key, tenant_id, folder.folder):
            continue
        moved = storage.exists(private_key(key))
        if not moved and modified >= cutoff:
            tally.kept_young += 1
            continue
        named = db.session.execute(select(folder.model.id).where(folder.naming(key)).limit(1)).first()
        db.session.rollback()
        if named is not None:  # named by a row after all (made since step 1): the next run moves it
            continue
        storage.delete(key)
        tally.deleted += 1


def queued_or_running(connection) -> object | None:
    """The RQ job of a move already queued or running, if any."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        job = Job.fetch(JOB_ID, connection=connection)
    except NoSuchJobError:
        return None
    return job if job.get_status(refresh=True) in ("queued", "started", "deferred", "scheduled") else None
