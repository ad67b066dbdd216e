"""The store's theme and page documents, with the history of what was published.

* ``ThemeSettings``: one per store — the industry template it started from (or last switched to)
  and the global settings (colours, radius, font, logo, tab bar), as a draft and as published.
* ``Page``: a system page (home, category, product, search, member) or a custom page (its handle is
  a slug, served at ``/pages/<handle>``). The builder edits ``draft``; publishing copies it to
  ``published``, increments ``published_version`` and records a ``PageVersion``.

Concurrency: every draft save names the ``draft_revision`` it was based on; a save based on an
older revision is refused (409), so two editors never silently overwrite each other.
``draft_base_version`` is the published version the draft started from.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, ForeignKeyConstraint, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from kaidian.platform.extensions import db
from kaidian.platform.models import TZDateTime, utcnow
from kaidian.platform.tenancy import TenantScoped


class PageKind(enum.StrEnum):
    SYSTEM = "system"
    CUSTOM = "custom"


def _user_fk():
    return mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


class ThemeSettings(TenantScoped, db.Model):
    __tablename__ = "theme_settings"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    template: Mapped[str] = mapped_column(String(20))
    draft: Mapped[dict] = mapped_column(JSON)
    published: Mapped[dict] = mapped_column(JSON)
    published_version: Mapped[int] = mapped_column(Integer, default=1)
    draft_revision: Mapped[int] = mapped_column(Integer, default=1)
    draft_base_version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[uuid.UUID | None] = _user_fk()
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    published_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    @property
    def has_unpublished_changes(self) -> bool:
        return self.draft != self.published


class Page(TenantScoped, db.Model):
    __tablename__ = "theme_pages"
    __table_args__ = (UniqueConstraint("tenant_id", "handle"),)

    handle: Mapped[str] = mapped_column(String(40))
    kind: Mapped[PageKind] = mapped_column(
        Enum(PageKind, name="theme_page_kind", values_callable=lambda e: [m.value for m in e]))
    draft: Mapped[dict] = mapped_column(JSON)
    published: Mapped[dict | None] = mapped_column(JSON)  # None until first published (custom pages)
    published_version: Mapped[int] = mapped_column(Integer, default=0)
    draft_revision: Mapped[int] = mapped_column(Integer, default=1)
    draft_base_version: Mapped[int] = mapped_column(Integer, default=0)
    updated_by: Mapped[uuid.UUID | None] = _user_fk()
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    published_by: Mapped[uuid.UUID | None] = _user_fk()
    published_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    @property
    def has_unpublished_changes(self) -> bool:
        return self.published is None or self.draft != self.published

    @property
    def is_published(self) -> bool:
        return self.published is not None


class PageVersion(TenantScoped, db.Model):
    """A document as it was published: the builder lists these and restores one into the draft."""

    __tablename__ = "theme_page_versions"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "page_id"], ["theme_pages.tenant_id", "theme_pages.id"],
                             ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "page_id", "version"),
        Index("ix_theme_page_versions_page", "tenant_id", "page_id", "created_at"),
    )

    page_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[uuid.UUID | None] = _user_fk()
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


TENANT_TABLES = ("theme_settings", "theme_pages", "theme_page_versions")
