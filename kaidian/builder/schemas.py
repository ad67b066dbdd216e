"""Marshmallow schemas of the builder's own endpoints (everything else is the themes API)."""

from __future__ import annotations

from marshmallow import Schema, fields

from kaidian.platform.fields import Text


class PageRenderSchema(Schema):
    """An unsaved page (and optionally an unsaved theme) to render whole for the preview frame."""

    document = fields.Dict(required=True)
    theme = fields.Dict(load_default=None)
    subject = Text(40, load_default="")
    q = Text(60, load_default="")


class RenderedPageSchema(Schema):
    html = fields.String()


class MediaSchema(Schema):
    key = fields.String()
    url = fields.String()
    width = fields.Integer(allow_none=True)
    height = fields.Integer(allow_none=True)
