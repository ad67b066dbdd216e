"""The catalog's jobs: importable functions that take ids and are safe to run again."""

from __future__ import annotations

import uuid

from kaidian.platform.jobs import periodic


def run_import(tenant_id: uuid.UUID | str, import_id: uuid.UUID | str) -> None:
    """Process an import from its last committed row (a second run of a finished one does nothing)."""
    from . import imports

    imports.run(uuid.UUID(str(tenant_id)), uuid.UUID(str(import_id)))


def make_renditions(tenant_id: uuid.UUID | str, image_id: uuid.UUID | str) -> None:
    """Add the 480 px, WebP and AVIF renditions an image lacks (nothing when it has them all)."""
    from . import media

    media.make_renditions(uuid.UUID(str(tenant_id)), uuid.UUID(str(image_id)))


@periodic(interval=300, queue="low", timeout=120)
def resume_stale_imports() -> None:
    """Queue again the imports whose worker died (no progress for 10 minutes)."""
    from . import imports

    imports.resume_stale()
