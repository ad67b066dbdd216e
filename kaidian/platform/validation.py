"""Input validation shared by every domain: services validate, and validate once.

A service validates its input with a marshmallow schema (``load``), whoever calls it: an HTML view
(whose form was turned into the same shape), the JSON API, a job, a test. An API view has already
loaded its body with ``@blp.arguments(Schema)`` (which also documents it in the OpenAPI document);
it hands that data to the service, and ``load`` does not validate it again: an ``InputSchema``
marks what it loaded (``Loaded``), and ``load`` takes such data as it is when it came from the same
schema (or a subclass, like a PATCH variant) and is at least as complete as asked.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, post_load

from .errors import ValidationFailed


class Loaded(dict):
    """Data an ``InputSchema`` has validated; ``partial``: required fields may be missing."""

    def __init__(self, data: dict, schema: type[Schema], partial: bool):
        super().__init__(data)
        self.schema, self.partial = schema, partial


class InputSchema(Schema):
    """Base of schemas for input: only the declared fields are read (HTML forms also carry a
    ``csrf_token``), and what they load is marked ``Loaded``."""

    loads_partial = False  # a PATCH variant: no field required (``catalog.schemas.patch_of``)

    class Meta:
        unknown = EXCLUDE

    @post_load
    def _mark_loaded(self, data, partial=None, **kwargs):
        return Loaded(data, type(self), bool(partial or self.partial or self.loads_partial))


def load(schema: Schema, data, partial: bool = False) -> dict:
    """``data`` validated by ``schema``, or ``ValidationFailed`` naming each field's problem."""
    if (isinstance(data, Loaded) and issubclass(data.schema, type(schema))
            and (partial or not data.partial)):
        return data
    try:
        return schema.load(data or {}, partial=partial)
    except ValidationError as exc:
        raise ValidationFailed(fields=exc.messages) from None
