"""The unit of work: one use case, one transaction, committed once — by its outermost caller.

A service never calls ``db.session.commit()``. It is decorated with ``@atomic`` (or opens ``with
unit():``), which *joins* the unit its caller has open; a view or a job that composes several
services opens the unit itself, and only the outermost ``unit`` commits, once, when its block ends.
A service called on its own (a view that calls one service, a test, a shell) is its own outermost
unit, so it still commits exactly once.

- An error leaving the outermost unit rolls the whole session back (a page that shows the error must
  not flush half a use case by accident). A joined unit lets the error pass on untouched, so the
  enclosing savepoint or outermost unit undoes it: catching a service's error and going on is only
  safe around ``unit(savepoint=True)``.
- ``unit(savepoint=True)`` inside another unit is a SAVEPOINT: an error rolls back only what was done
  inside it, and the caller may catch it and go on. Jobs and domain events registered inside it are
  dropped with it (``jobs.after_commit`` follows savepoints).
- Work that must happen only once the data is safe (deleting replaced files, calling another
  system) goes through ``jobs.after_commit(callback)``, never between a write and the commit.

Written here rather than taken from a library: Flask-SQLAlchemy has no unit of work, and what is
needed is twenty lines over SQLAlchemy's own ``begin_nested`` plus a depth counter on the session.
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import wraps

from .extensions import db

_DEPTH = "kaidian_unit_depth"


def depth() -> int:
    """How many units are open on the app's session (0: none; a commit would be the caller's own)."""
    return db.session().info.get(_DEPTH, 0)


@contextmanager
def unit(savepoint: bool = False):
    """Open (or join) the unit of work; the outermost one commits when the block ends."""
    session = db.session()
    level = session.info.get(_DEPTH, 0)
    session.info[_DEPTH] = level + 1
    try:
        if level == 0:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
        elif savepoint:
            # SQLAlchemy's own context manager: RELEASE SAVEPOINT on success (the outer unit commits it),
            # ROLLBACK TO SAVEPOINT on an error — also after a failed flush, which leaves the savepoint's
            # transaction inactive but still current (skipping it there left the whole session unusable).
            with session.begin_nested():
                yield session
        else:
            yield session  # joined: an error passes on to the unit (or savepoint) that encloses this one
    finally:
        session.info[_DEPTH] = level


def atomic(func):
    """``func`` runs as (or inside) a unit of work: the service-side decorator."""

    @wraps(func)
    def wrapped(*args, **kwargs):
        with unit():
            return func(*args, **kwargs)

    return wrapped
