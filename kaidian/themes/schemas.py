"""Marshmallow schemas of the themes API: the envelopes around documents (documents themselves are
checked by ``documents.validate_document`` against the section schemas)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from kaidian.platform.extensions import db
from kaidian.platform.fields import Int, Text
from kaidian.platform.models import User

from . import contrast, page_kinds
from .industries import INDUSTRIES
from .registry import HANDLE_PATTERN
from .theme_schema import settings_of


def _user_name(user_id) -> str | None:
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    return (user.display_name or user.login_name) if user else None


class PageSummarySchema(Schema):
    handle = fields.String()
    kind = fields.Function(lambda p: p.kind.value)
    label = fields.Function(lambda p: page_kinds.label(p.handle))
    title = fields.Function(lambda p: (p.draft.get("settings") or {}).get("title", ""))
    path = fields.Function(lambda p: page_kinds.address(p.handle))
    is_published = fields.Boolean()
    has_unpublished_changes = fields.Boolean()
    published_version = fields.Integer()
    draft_revision = fields.Integer()
    draft_base_version = fields.Integer()
    updated_at = fields.DateTime()
    updated_by = fields.UUID(allow_none=True)
    updated_by_name = fields.Function(lambda p: _user_name(p.updated_by), allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    published_by = fields.UUID(allow_none=True)


class PageSchema(PageSummarySchema):
    draft = fields.Dict()
    published = fields.Dict(allow_none=True)


class PageCreateSchema(Schema):
    handle = Text(40, min_length=1, pattern=HANDLE_PATTERN, required=True,
                  pattern_error=_l("Use 1 to 40 lowercase letters, digits and single hyphens."))
    title = Text(60, load_default="")


class DocumentDraftSchema(Schema):
    document = fields.Dict(required=True)
    base_revision = Int(0, required=True)


class DocumentPublishSchema(Schema):
    base_revision = Int(0, load_default=None, allow_none=True)
    note = Text(200, load_default="")


class PageRestoreSchema(Schema):
    base_revision = Int(0, required=True)


class PageVersionSchema(Schema):
    version = fields.Integer()
    note = fields.String()
    created_at = fields.DateTime()
    created_by = fields.UUID(allow_none=True)
    created_by_name = fields.Function(lambda v: _user_name(v.created_by), allow_none=True)


class PageVersionDetailSchema(PageVersionSchema):
    document = fields.Dict()


class ThemeSchema(Schema):
    template = fields.String()
    draft = fields.Dict()
    published = fields.Dict()
    published_version = fields.Integer()
    draft_revision = fields.Integer()
    draft_base_version = fields.Integer()
    has_unpublished_changes = fields.Boolean()
    updated_at = fields.DateTime()
    published_at = fields.DateTime()
    contrast = fields.Method("_contrast", metadata={
        "description": "The draft's merchant-chosen text/background pairs: setting, label, foreground, background, "
                       "ratio, minimum, passes and (when failing) the suggested readable colour of the same hue"})
    notices = fields.Method("_notices", metadata={
        "description": "What publishing changed (a too-faint text colour made readable), one message each"})

    def _contrast(self, theme) -> list[dict]:
        return [pair.describe() for pair in contrast.theme_pairs(settings_of(theme.draft))]

    def _notices(self, theme) -> list[str]:
        return list(getattr(theme, "notices", []))


class ThemeTemplateSchema(Schema):
    key = fields.String()
    name = fields.String()
    description = fields.String()
    theme = fields.Dict()


class ThemeTemplateSwitchSchema(Schema):
    template = fields.String(required=True, validate=validate.OneOf(list(INDUSTRIES)))


class RenderSectionSchema(Schema):
    """Either ``section`` (one section object) or ``document`` plus ``section_id``."""

    page = Text(40, min_length=1, required=True)
    section_id = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,40}$"))
    section = fields.Dict(load_default=None)
    document = fields.Dict(load_default=None)
    theme = fields.Dict(load_default=None)
    subject = Text(40, load_default="")
    q = Text(60, load_default="")

    @validates_schema
    def _one_source(self, data, **kwargs):
        if (data.get("section") is None) == (data.get("document") is None):
            raise ValidationError(str(_l("Send either a section, or a document and a section_id.")), "section")


class RenderedSectionSchema(Schema):
    section_id = fields.String()
    type = fields.String()
    html = fields.String()


class ThemeImageSchema(Schema):
    key = fields.String()
    url = fields.String()
    width = fields.Integer()
    height = fields.Integer()
