"""Small generated evidence files for the demo's inspections, orders and hold: a grey PNG
(standing for a photo or an X-ray image) and a one-page PDF (a record or a letter).

Generated from a seed, byte for byte the same each time; they carry no personal data. Both
start with their format's signature, so an evidence store that sniffs the type from the bytes
takes them as what they are.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def evidence_png(seed: int, *, width: int = 96, height: int = 64) -> bytes:
    """A ``width``×``height`` greyscale PNG: soft noise with a bright block, the way an X-ray
    screen shows a dense object."""
    random = np.random.default_rng(seed)
    pixels = random.integers(40, 90, size=(height, width), dtype=np.uint8)
    top, left = height // 3, width // 3
    pixels[top : top + height // 3, left : left + width // 3] = 220
    rows = b"".join(b"\x00" + pixels[row].tobytes() for row in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows, 9))
        + _chunk(b"IEND", b"")
    )


def evidence_pdf(title: str, lines: tuple[str, ...] = ()) -> bytes:
    """A one-page PDF with ``title`` and ``lines`` (ASCII: the standard fonts have no Chinese;
    the Chinese text of a record is in the system, the file stands for the signed paper)."""
    text = [title, *lines]
    safe = [line.encode("ascii", "replace").decode().replace("\\", "/") for line in text]
    escaped = [line.replace("(", "[").replace(")", "]") for line in safe]
    commands = (
        "BT /F1 14 Tf 72 760 Td " + " ".join(f"({line}) Tj 0 -22 Td" for line in escaped) + " ET"
    )
    stream = commands.encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    table = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{table}\n%%EOF\n".encode()
    )
    return bytes(out)
