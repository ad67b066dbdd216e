"""Rich text a merchant writes in a section: basic formatting, links and images, nothing that runs.

nh3 (ammonia) removes scripts, styles, event handlers and ``javascript:`` links. Values are cleaned
when a document is saved and again when it is rendered, so a document stored before a rule
tightened is still safe.
"""

from __future__ import annotations

import html as html_lib

import nh3
from markupsafe import Markup

TAGS = {
    "p", "br", "hr", "div", "span", "strong", "b", "em", "i", "u", "s", "del", "small", "sub", "sup",
    "h2", "h3", "h4", "blockquote", "ul", "ol", "li", "a", "img",
}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}}
URL_SCHEMES = {"http", "https", "tel"}


def clean(html: str | None) -> str:
    if not html:
        return ""
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer nofollow", strip_comments=True).strip()


def safe_html(html: str | None) -> Markup:
    """Cleaned HTML marked safe for a template (the one way rich text reaches a page)."""
    return Markup(clean(html))


def plain_text(html: str | None, limit: int = 160) -> str:
    text = html_lib.unescape(nh3.clean(html or "", tags=set()))
    return " ".join(text.split())[:limit]
