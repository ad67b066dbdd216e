"""Products, specs and SKUs, categories, shelves, media, bulk import."""


def init_app(app) -> None:
    """Register the catalog's blueprints (added with the catalog work)."""
