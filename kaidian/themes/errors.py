"""Errors of the themes package (one shape everywhere: ``platform.errors``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from kaidian.platform.errors import Conflict, NotFound, ValidationFailed

from .documents import DocumentInvalid

__all__ = ["DocumentInvalid", "DraftConflict", "PageNotFound", "BadHandle", "ThemeNotReady", "UnknownTemplate"]


class DraftConflict(Conflict):
    code = "draft_conflict"
    message = _l("Someone saved this page since you opened it; reload it to see their changes.")


class PageNotFound(NotFound):
    code = "page_not_found"
    message = _l("There is no such page in this store.")


class BadHandle(ValidationFailed):
    code = "bad_handle"


class UnknownTemplate(ValidationFailed):
    code = "unknown_template"
    message = _l("Choose clothing, beauty, food or digital.")


class ThemeNotReady(Conflict):
    code = "theme_not_ready"
    message = _l("This store's design is not set up yet; try again in a minute.")
