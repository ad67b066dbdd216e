"""The web builder: the drag-and-drop editor and the page-document API."""


def init_app(app) -> None:
    """Register the builder (added with the builder work)."""
