"""The section library, industry templates, page documents, storefront rendering and its cache."""


def init_app(app) -> None:
    """Register the storefront renderer (added with the themes work)."""
