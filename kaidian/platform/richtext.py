"""The one policy for merchant-written HTML (product descriptions, rich-text sections).

nh3 (ammonia) keeps basic formatting, headings, lists, tables (size charts, nutrition facts), images
and links (http, https, tel, or relative) and removes scripts, styles, event handlers and
``javascript:`` links. The catalog cleans a description when it is saved and the storefront cleans it
again when it renders, with this same policy, so what a merchant saved is what a shopper sees and a
value stored before a rule tightened is still safe.
"""

from __future__ import annotations

import html as html_lib

import nh3
from markupsafe import Markup

TAGS = frozenset({
    "p", "br", "hr", "div", "span", "strong", "b", "em", "i", "u", "s", "del", "sub", "sup", "small",
    "h2", "h3", "h4", "blockquote", "ul", "ol", "li", "a", "img", "figure", "figcaption",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
})
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
URL_SCHEMES = frozenset({"http", "https", "tel"})


def clean(html: str | None) -> str:
    """Sanitized HTML, safe to render as it is."""
    if not html:
        return ""
    return nh3.clean(html, tags=set(TAGS), attributes=ATTRIBUTES, url_schemes=set(URL_SCHEMES),
                     link_rel="noopener noreferrer nofollow", strip_comments=True).strip()


def safe_html(html: str | None) -> Markup:
    """Cleaned HTML marked safe for a template (the one way rich text reaches a page)."""
    return Markup(clean(html))


def plain_text(html: str | None, limit: int = 160) -> str:
    """The text of some HTML (for a summary line), without any markup."""
    text = html_lib.unescape(nh3.clean(html or "", tags=set()))
    return " ".join(text.split())[:limit]
