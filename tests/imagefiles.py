"""Image files for tests: a real PNG (written by hand), a real JPEG (by Qt's encoder), SVGs."""

from __future__ import annotations

import struct
import zlib
from typing import Any

__all__ = ["SAFE_SVG", "jpeg", "png"]


def png(width: int, height: int) -> bytes:
    """A valid RGB PNG, ``width`` x ``height``, all white."""
    raw = b"".join(b"\0" + b"\xff" * (width * 3) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def jpeg(width: int, height: int) -> bytes:
    """A valid JPEG, ``width`` x ``height`` (encoded by Qt)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QColor, QImage

    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("#3366aa"))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # (PySide6's stubs want the format as bytes, its runtime as str)
    save: Any = image.save
    assert save(buffer, "JPG")
    buffer.close()
    return bytes(data.data())


SAFE_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
    'viewBox="0 0 200 100">\n'
    '  <defs><linearGradient id="g"><stop offset="0" stop-color="#36a"/></linearGradient></defs>\n'
    '  <rect id="r" width="200" height="100" fill="url(#g)"/>\n'
    '  <use xlink:href="#r"/>\n'
    '  <text x="10" y="50" style="font: 12px sans-serif">A diagram</text>\n'
    "</svg>\n"
)
