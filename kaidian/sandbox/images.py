"""Solid-colour PNG avatars, generated in memory so the sandbox needs no asset files."""

from __future__ import annotations

import hashlib
import struct
import zlib
from functools import lru_cache


def _chunk(kind: bytes, payload: bytes) -> bytes:
    body = kind + payload
    return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


@lru_cache(maxsize=64)
def solid_png(red: int, green: int, blue: int, size: int = 64) -> bytes:
    """A ``size``×``size`` PNG of one colour."""
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    row = b"\x00" + bytes((red, green, blue)) * size
    pixels = zlib.compress(row * size, 9)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels) + _chunk(b"IEND", b"")


def colour_for(name: str) -> tuple[int, int, int]:
    """A stable colour for names without one (custom shoppers, QR placeholders)."""
    digest = hashlib.sha1(name.encode("utf-8")).digest()
    return (64 + digest[0] % 160, 64 + digest[1] % 160, 64 + digest[2] % 160)
