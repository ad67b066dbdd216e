"""Product descriptions are merchant-written HTML: kept to basic formatting, images and links
(http/https only), with scripts, styles and event handlers removed by nh3."""

from __future__ import annotations

import html as html_lib

import nh3

TAGS = {
    "p", "br", "hr", "div", "span", "strong", "b", "em", "i", "u", "s", "del", "sub", "sup", "small",
    "h2", "h3", "h4", "blockquote", "ul", "ol", "li", "a", "img", "figure", "figcaption",
    "table", "thead", "tbody", "tr", "th", "td",
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https"}


def clean(html: str | None) -> str:
    """Sanitized HTML, safe to render as it is on the storefront."""
    if not html:
        return ""
    cleaned = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return cleaned.strip()


def plain_text(html: str | None, limit: int = 160) -> str:
    """The text of a description (for a summary line), without any markup."""
    text = html_lib.unescape(nh3.clean(html or "", tags=set()))
    return " ".join(text.split())[:limit]
