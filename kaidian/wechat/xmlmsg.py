"""WeChat's flat XML messages: safe parsing and CDATA-safe building.

WeChat pushes and replies are one ``<xml>`` root with flat child elements. Parsing goes through
defusedxml with DTDs, entity declarations and external references all refused, so a billion-laughs or
XXE body fails fast as :class:`MalformedMessage` instead of eating memory or reading local files.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

DEFAULT_MAX_BYTES = 64 * 1024

_TAG_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_XML_ILLEGAL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class WeChatCryptoError(Exception):
    """Base class of everything that can be wrong with a signed, encrypted WeChat message."""


class MalformedMessage(WeChatCryptoError):
    """The body is not a well-formed, safe, flat WeChat XML message (or does not decrypt)."""


class PayloadTooLarge(WeChatCryptoError):
    """The body is larger than the configured limit; it was not parsed."""


def parse_xml(body: bytes | str, max_bytes: int = DEFAULT_MAX_BYTES) -> dict[str, str]:
    """Return ``{tag: text}`` for the root's child elements; raise MalformedMessage or PayloadTooLarge."""
    data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"XML body of {len(data)} bytes exceeds {max_bytes}")
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise MalformedMessage(f"unsafe or malformed XML: {exc.__class__.__name__}") from None
    return {child.tag: child.text or "" for child in root if isinstance(child.tag, str)}


def to_xml(fields: dict[str, object], root: str = "xml") -> str:
    """Build ``<xml><Key><![CDATA[value]]></Key>…</xml>``; ints (not bools) are written bare."""
    parts = [f"<{root}>"]
    for key, value in fields.items():
        parts.append(f"<{_checked_tag(key)}>{_element_text(value)}</{key}>")
    parts.append(f"</{root}>")
    return "".join(parts)


def _checked_tag(key: str) -> str:
    if not isinstance(key, str) or not _TAG_RE.match(key) or key.lower().startswith("xml"):
        raise ValueError(f"not a usable XML element name: {key!r}")
    return key


def _element_text(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = "" if value is None else str(value)
    if _XML_ILLEGAL_RE.search(text):
        raise ValueError("text contains characters XML 1.0 cannot carry")
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"
