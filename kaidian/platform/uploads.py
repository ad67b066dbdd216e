"""Uploaded files are cut at the per-file limit while the request body is read.

Every multipart file is written to a spooled temporary file that keeps at most
``MAX_UPLOAD_BYTES + 1`` bytes and drops the rest. So an image over the limit does not make the
whole request fail (a bare 413 that loses everything typed): the form is parsed, ``read_upload``
sees one byte too many and says the limit, and the view shows the form again with that error next
to the file field. ``MAX_REQUEST_BYTES`` still caps the whole body (``MAX_CONTENT_LENGTH``); past it
``errors.handle_too_large`` answers.
"""

from __future__ import annotations

from tempfile import SpooledTemporaryFile

from flask import Request, current_app, has_app_context

SPOOL_IN_MEMORY = 512 * 1024


class CappedFile(SpooledTemporaryFile):
    """A spooled file that keeps the first ``cap`` bytes written to it and silently drops the rest."""

    def __init__(self, cap: int):
        super().__init__(max_size=SPOOL_IN_MEMORY, mode="w+b")
        self.cap, self.kept = cap, 0

    def write(self, data) -> int:
        room = self.cap - self.kept
        if room > 0:
            chunk = bytes(data[:room])
            self.kept += len(chunk)
            super().write(chunk)
        return len(data)


class KaidianRequest(Request):
    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        limit = current_app.config["MAX_UPLOAD_BYTES"] if has_app_context() else 8 * 1024 * 1024
        return CappedFile(limit + 1)


def max_request_bytes(config) -> int:
    """The cap on a whole request body: ``MAX_REQUEST_BYTES``, or room for a full product form
    (16 files at the per-file limit) plus the text fields."""
    return config.get("MAX_REQUEST_BYTES") or 16 * config["MAX_UPLOAD_BYTES"] + 1024 * 1024


def mb(n_bytes: int) -> str:
    """A byte count as megabytes for people (``8``, ``0.5``)."""
    value = n_bytes / 1048576
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"
