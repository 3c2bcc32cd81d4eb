"""Draw the PWA's icons (PNG, with zlib/struct only) and the matching SVG into pwa/icons/.

A white house with a check mark on the app's blue: "service at home, done". The "any"
icons have rounded corners; the maskable one is full-bleed with the picture inside the
80% safe zone, as Android's launchers crop it. Run: ``python scripts/make_icons.py``.
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


def render(size: int, maskable: bool) -> bytes:
    """RGBA rows of the icon at ``size`` px, antialiased by supersampling."""
    at = picture(maskable)
    rows = bytearray()
    n = SAMPLES * SAMPLES
    for py in range(size):
        rows.append(0)  # PNG filter: none
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
    return bytes(rows)


def png(size: int, raw: bytes) -> bytes:
    """A PNG file (RGBA, 8 bits) of ``raw`` filtered rows."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b""))


SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">
<rect width="100" height="100" rx="20" fill="#1d5fd1"/>
<path d="M50 17 14 50h10v32h52V50h10z" fill="#fff"/>
<path d="M36 64l10 10 19-19" fill="none" stroke="#1d5fd1" stroke-width="6"
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
