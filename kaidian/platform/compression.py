"""Compressed responses (Flask-Compress): pages, CSS, JavaScript and JSON go out as brotli or gzip,
whichever the client prefers, so the embedded default is as light on the wire as a deployment behind
an ingress that compresses too (the chart's ingress may; a response already compressed is left alone).

Only text kinds are compressed: images, video, PDFs, spreadsheets and CSV downloads are sent as they
are (media formats are compressed already, and downloads keep their ``Content-Length``). A strong ETag
gets the encoding appended (``"abc:br"``); ``fresh`` recognises it when the client sends it back.
"""

from __future__ import annotations

from flask import Flask
from flask_compress import Compress
from werkzeug.datastructures import ETags

MIMETYPES = ["text/html", "text/css", "text/javascript", "application/javascript", "application/json",
             "application/problem+json", "image/svg+xml", "application/manifest+json", "application/xml"]
ALGORITHMS = ["br", "gzip"]

compress = Compress()


def init_app(app: Flask) -> None:
    """Called once every blueprint is registered (it lists their static endpoints). The app's other
    ``after_request`` hooks run after it and only add headers."""
    app.config.setdefault("COMPRESS_MIMETYPES", MIMETYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ALGORITHMS)
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ALGORITHMS)  # static files are streamed
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    # Static files (streamed) answer If-None-Match before compression renames their ETag: let it re-check.
    app.config.setdefault("COMPRESS_STREAMING_ENDPOINT_CONDITIONAL",
                          [name for name in app.view_functions if name == "static" or name.endswith(".static")])
    compress.init_app(app)


def fresh(etag: str, if_none_match: ETags) -> bool:
    """Whether the client already holds ``etag``, in any of the encodings it was sent in."""
    if etag in if_none_match:
        return True
    return any(tag.rsplit(":", 1)[0] == etag for tag in if_none_match.as_set() if ":" in tag)
