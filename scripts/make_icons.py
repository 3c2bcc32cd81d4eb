"""Draw the PWA's icons (PNG, with zlib/struct only) and the matching SVG into pwa/icons/.

A white house with a check mark on the app's blue: "service at home, done". The "any"
icons have rounded corners; the maskable one is full-bleed with the picture inside the
80% safe zone, as Android's launchers crop it. Run: ``python scripts/make_icons.py``.

Each PNG is written in the smallest of a few lossless encodings: two colours and their
antialiased blends fit a palette (one byte a pixel, transparency in ``tRNS``), else RGB when
opaque, else RGBA; with the PNG row filter (none, sub, up, average, Paeth) that compresses
best.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "pwa" / "icons"
BLUE = (29, 95, 209)
WHITE = (255, 255, 255)
RGBA = tuple[int, int, int, int]

ROOF = ((0.5, 0.17), (0.14, 0.5), (0.86, 0.5))
BODY = (0.24, 0.46, 0.76, 0.82)  # x0, y0, x1, y1
CHECK = ((0.36, 0.64), (0.46, 0.74), (0.65, 0.55))
CHECK_W = 0.06
SAMPLES = 3  # per axis: 9 samples a pixel for smooth edges


def _in_triangle(x: float, y: float, tri: tuple[tuple[float, float], ...]) -> bool:
    (ax, ay), (bx, by), (cx, cy) = tri
    d1 = (x - bx) * (ay - by) - (ax - bx) * (y - by)
    d2 = (x - cx) * (by - cy) - (bx - cx) * (y - cy)
    d3 = (x - ax) * (cy - ay) - (cx - ax) * (y - ay)
    neg = d1 < 0 or d2 < 0 or d3 < 0
    pos = d1 > 0 or d2 > 0 or d3 > 0
    return not (neg and pos)


def _near_segment(x: float, y: float, a: tuple[float, float], b: tuple[float, float], r: float) -> bool:
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
    px, py = ax + t * dx - x, ay + t * dy - y
    return px * px + py * py <= r * r


def _in_rounded(x: float, y: float, r: float) -> bool:
    cx = min(max(x, r), 1 - r)
    cy = min(max(y, r), 1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def picture(maskable: bool) -> Callable[[float, float], RGBA | None]:
    """The colour at a point of the unit square (None: transparent)."""
    scale = 0.78 if maskable else 1.0

    def at(x: float, y: float) -> RGBA | None:
        if not maskable and not _in_rounded(x, y, 0.2):
            return None
        u, v = 0.5 + (x - 0.5) / scale, 0.5 + (y - 0.5) / scale
        if any(_near_segment(u, v, CHECK[i], CHECK[i + 1], CHECK_W / 2) for i in range(2)):
            return (*BLUE, 255)
        if _in_triangle(u, v, ROOF) or (BODY[0] <= u <= BODY[2] and BODY[1] <= v <= BODY[3]):
            return (*WHITE, 255)
        return (*BLUE, 255)

    return at


def render(size: int, maskable: bool) -> list[bytes]:
    """RGBA rows of the icon at ``size`` px (unfiltered), antialiased by supersampling."""
    at = picture(maskable)
    out = []
    n = SAMPLES * SAMPLES
    for py in range(size):
        rows = bytearray()
        for px in range(size):
            r = g = b = a = 0
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    c = at((px + (sx + 0.5) / SAMPLES) / size, (py + (sy + 0.5) / SAMPLES) / size)
                    if c is not None:
                        r, g, b, a = r + c[0] * c[3], g + c[1] * c[3], b + c[2] * c[3], a + c[3]
            if a:
                rows += bytes((round(r / a), round(g / a), round(b / a), round(a / n)))
            else:
                rows += b"\0\0\0\0"
        out.append(bytes(rows))
    return out


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def _filtered(rows: list[bytes], bpp: int, kind: int) -> bytes:
    """The rows with PNG filter ``kind`` (0-4) applied, each prefixed with its filter byte."""
    out = bytearray()
    prev = bytes(len(rows[0]))
    for row in rows:
        out.append(kind)
        for i, x in enumerate(row):
            left = row[i - bpp] if i >= bpp else 0
            up = prev[i]
            corner = prev[i - bpp] if i >= bpp else 0
            pred = (0, left, up, (left + up) // 2, _paeth(left, up, corner))[kind]
            out.append((x - pred) & 0xFF)
        prev = row
    return bytes(out)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(size: int, rgba: list[bytes]) -> bytes:
    """The smallest PNG file (8 bits a sample) of ``rgba`` rows among the encodings above."""
    pixels = [[row[i:i + 4] for i in range(0, len(row), 4)] for row in rgba]
    colours = sorted({p for row in pixels for p in row}, key=lambda c: (c[3] == 255, c))
    candidates = []  # (colour type, bytes a pixel, rows, extra chunks)
    if len(colours) <= 256:
        index = {c: i for i, c in enumerate(colours)}
        plte = b"".join(c[:3] for c in colours)
        alphas = bytes(c[3] for c in colours if c[3] < 255)  # translucent entries sorted first
        extra = _chunk(b"PLTE", plte) + (_chunk(b"tRNS", alphas) if alphas else b"")
        candidates.append((3, 1, [bytes(index[p] for p in row) for row in pixels], extra))
    if all(p[3] == 255 for row in pixels for p in row):
        candidates.append((2, 3, [b"".join(p[:3] for p in row) for row in pixels], b""))
    candidates.append((6, 4, rgba, b""))
    best = b""
    for colour_type, bpp, rows, extra in candidates:
        header = struct.pack(">IIBBBBB", size, size, 8, colour_type, 0, 0, 0)
        for kind in range(5):
            idat = zlib.compress(_filtered(rows, bpp, kind), 9)
            data = (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + extra + _chunk(b"IDAT", idat)
                    + _chunk(b"IEND", b""))
            if not best or len(data) < len(best):
                best = data
    return best


SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">
<rect width="100" height="100" rx="20" fill="#1d5fd1"/>
<path d="M50 17 14 50h10v32h52V50h10z" fill="#fff"/>
<path d="M36 64l10 10 19-19" fill="none" stroke="#1d5fd1" stroke-width="6" \
stroke-linecap="round" stroke-linejoin="round"/>
</svg>
"""


def main() -> None:
    """Write every icon."""
    OUT.mkdir(parents=True, exist_ok=True)
    for name, size, maskable in (("icon-192.png", 192, False), ("icon-512.png", 512, False),
                                 ("icon-maskable-512.png", 512, True),
                                 ("apple-touch-icon.png", 180, True)):
        (OUT / name).write_bytes(png(size, render(size, maskable)))
        print(f"pwa/icons/{name}: {(OUT / name).stat().st_size} bytes")
    (OUT / "icon.svg").write_text(SVG)


if __name__ == "__main__":
    main()
