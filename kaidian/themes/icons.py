"""A small built-in icon set (24×24 line icons drawn for Kaidian), rendered inline as SVG.

Inline icons cost no request and need no font; the builder shows the same names as a picker.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from markupsafe import Markup

# name: (label, path data)
ICONS: dict[str, tuple[object, str]] = {
    "home": (_l("Home"), "M3 10.5 12 3l9 7.5V20a1 1 0 0 1-1 1h-5v-6H9v6H4a1 1 0 0 1-1-1z"),
    "grid": (_l("Grid"), "M4 4h6v6H4zM14 4h6v6h-6zM4 14h6v6H4zM14 14h6v6h-6z"),
    "user": (_l("Person"), "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4 21c0-4 3.6-6.5 8-6.5s8 2.5 8 6.5"),
    "search": (_l("Search"), "M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14zM16.5 16.5 21 21"),
    "bag": (_l("Bag"), "M5 8h14l-1 13H6zM9 8V6a3 3 0 0 1 6 0v2"),
    "heart": (_l("Heart"), "M12 20s-7-4.4-9-9.1C1.7 7.6 4 4.5 7.2 4.5c2 0 3.5 1.1 4.8 2.9 1.3-1.8 2.8-2.9 "
                           "4.8-2.9 3.2 0 5.5 3.1 4.2 6.4C19 15.6 12 20 12 20z"),
    "star": (_l("Star"), "M12 3.5l2.6 5.3 5.9.9-4.3 4.1 1 5.8L12 16.9l-5.2 2.7 1-5.8-4.3-4.1 5.9-.9z"),
    "gift": (_l("Gift"), "M4 10h16v10H4zM3 7h18v3H3zM12 7v13M12 7C9 7 7 6 8 4.3 9.2 2.6 11.4 5 12 7zM12 7c3 0 "
                         "5-1 4-2.7C14.8 2.6 12.6 5 12 7z"),
    "tag": (_l("Tag"), "M3 12V4h8l10 10-8 8zM7.5 8.5h.01"),
    "sparkle": (_l("New"), "M12 3v4M12 17v4M3 12h4M17 12h4M6 6l2.5 2.5M15.5 15.5 18 18M6 18l2.5-2.5M15.5 8.5 18 6"),
    "fire": (_l("Hot"), "M12 21c-4 0-7-3-7-6.5C5 10 9 8 9 3c3 2 5 4.5 5 7.5 1-1 1.5-2 1.5-3.5C18 9 19 11.5 19 "
                        "14.5 19 18 16 21 12 21z"),
    "crown": (_l("Crown"), "M3 19h18M4 16 3 7l5 4 4-7 4 7 5-4-1 9z"),
    "shirt": (_l("Shirt"), "M8 3 3 6l2 4 3-1v12h8V9l3 1 2-4-5-3c-.5 1.7-2 2.8-4 2.8S8.5 4.7 8 3z"),
    "dress": (_l("Dress"), "M9 3h6l-1 5 5 13H5l5-13z"),
    "shoe": (_l("Shoes"), "M3 17v-7l5 1.5 3-3.5 2.5 4.5L21 15v2zM3 17h18v2H3z"),
    "watch": (_l("Watch"), "M8 7h8v10H8zM9 7l1-4h4l1 4M9 17l1 4h4l1-4"),
    "lipstick": (_l("Lipstick"), "M9 21h6V11H9zM10 11V6l4-3v8"),
    "drop": (_l("Skincare"), "M12 3s6 6.5 6 11a6 6 0 0 1-12 0c0-4.5 6-11 6-11z"),
    "diamond": (_l("Diamond"), "M6 3h12l4 6-10 12L2 9zM2 9h20M9 3l3 18M15 3l-3 18"),
    "leaf": (_l("Leaf"), "M5 19C5 10 10 5 20 4c-1 10-6 15-15 15zM5 19l7-7"),
    "bowl": (_l("Food"), "M3 11h18c0 5-4 9-9 9s-9-4-9-9zM7 7c0-1.5 1-2.5 1-4M12 7c0-1.5 1-2.5 1-4M17 7c0-1.5 "
                         "1-2.5 1-4"),
    "coffee": (_l("Drinks"), "M4 8h12v6a5 5 0 0 1-5 5H9a5 5 0 0 1-5-5zM16 10h2a2 2 0 0 1 0 4h-2M7 3v2M11 3v2"),
    "cake": (_l("Cake"), "M4 12h16v8H4zM4 15c2 1.5 4 1.5 6 0s4-1.5 6 0 3 1 4 0M12 12V8M12 5.5v.01"),
    "apple": (_l("Fruit"), "M12 7c-2-1.5-6-1-6 4 0 4.5 3 9 6 8 3 1 6-3.5 6-8 0-5-4-5.5-6-4zM12 7c0-2 1-3.5 3-4"),
    "cup": (_l("Cup"), "M7 3h10l-1 18H8zM7.5 8h9"),
    "phone": (lazy_pgettext("device", "Phone"),
              "M7 2h10a1 1 0 0 1 1 1v18a1 1 0 0 1-1 1H7a1 1 0 0 1-1-1V3a1 1 0 0 1 1-1zM11 18h2"),
    "laptop": (_l("Laptop"), "M5 5h14v10H5zM2 19h20l-2-4H4z"),
    "headphones": (_l("Headphones"), "M4 15v-3a8 8 0 0 1 16 0v3M4 15h3v5H4zM17 15h3v5h-3z"),
    "camera": (_l("Camera"), "M3 8h4l2-3h6l2 3h4v11H3zM12 17a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7z"),
    "box": (_l("Package"), "M3 7l9-4 9 4v10l-9 4-9-4zM3 7l9 4 9-4M12 11v10"),
    "truck": (_l("Delivery"), "M2 6h12v10H2zM14 10h4l3 3v3h-7zM4.5 18a1.5 1.5 0 1 0 3 0 1.5 1.5 0 1 0-3 0M15.5 "
                              "18a1.5 1.5 0 1 0 3 0 1.5 1.5 0 1 0-3 0"),
    "shield": (_l("Guarantee"), "M12 3l8 3v6c0 4.5-3.5 8-8 9-4.5-1-8-4.5-8-9V6zM8.5 12l2.5 2.5 4.5-5"),
    "headset": (_l("Service"), "M4 13v-1a8 8 0 0 1 16 0v1M4 13h3v5H4zM17 13h3v5h-3zM20 18c0 2-2 3-5 3h-2"),
    "chat": (_l("Chat"), "M4 5h16v11H9l-5 4z"),
    "speaker": (_l("Announcement"), "M3 9h4l5-4v14l-5-4H3zM16 9a4 4 0 0 1 0 6M18.5 6.5a8 8 0 0 1 0 11"),
    "clock": (_l("Clock"), "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM12 7v5l3 2"),
    "location": (_l("Location"), "M12 21s-7-6.2-7-11.5a7 7 0 0 1 14 0C19 14.8 12 21 12 21zM12 12a2.5 2.5 0 1 0 "
                                 "0-5 2.5 2.5 0 0 0 0 5z"),
    "info": (_l("Information"), "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM12 11v6M12 7.5v.01"),
    "list": (_l("List"), "M4 6h16M4 12h16M4 18h16"),
    "share": (_l("Share"), "M18 8a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM6 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM18 22a3 3 0 1 "
                           "0 0-6 3 3 0 0 0 0 6zM8.6 13.5l6.8 4M15.4 6.5l-6.8 4"),
    "chevron_right": (_l("Arrow"), "M9 5l7 7-7 7"),
    "play": (_l("Play"), "M8 5v14l11-7z"),
}

ICON_OPTIONS = [(name, label) for name, (label, _) in ICONS.items() if name not in ("chevron_right", "play")]


def icon(name: str, size: int = 24, label: str = "") -> Markup:
    """An inline SVG icon; unknown names draw nothing. ``label`` makes it announced, else decorative."""
    entry = ICONS.get(name)
    if entry is None:
        return Markup("")
    aria = Markup(' role="img" aria-label="{}"').format(label) if label else Markup(' aria-hidden="true"')
    return Markup(
        '<svg class="kd-icon" width="{size}" height="{size}" viewBox="0 0 24 24" fill="none" '
        'stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"{aria}>'
        '<path d="{d}"/></svg>'
    ).format(size=int(size), aria=aria, d=entry[1])
