"""The section library: importing this package registers every section type (``registry.SECTIONS``).

Sections that depend on later work (cart, coupons, flash sales, group buying, reviews) are added
with that work; none is shown with fake data.
"""

from . import general, pages, products  # noqa: F401
