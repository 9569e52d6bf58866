"""Per figure: its printed size, the smallest text once fitted to a page's text width, repeated action boxes and
edge crossings.

``python scripts/figure_report.py [--width-cm 17] [--min-font 7] FIG.svg ...`` prints one line per SVG and says
whether its smallest text is at least ``--min-font`` (``render --min-font``'s default, 7 pt); the exit status is 1
when some figure is below it. The numbers are measured
from the SVG that Graphviz wrote (its ``width`` in points, the ``scale()`` of the drawing and each text's
``font-size``), not from the renderer's settings: a figure wider than the page is shrunk to the page width, one
narrower is printed at its own size. Multi-page output (``fig-p2.svg`` ...) is measured page by page.

Repeated boxes: ``repeated`` counts action entries drawn more than once with the same text (strength, action,
details: what factoring can draw once); ``same action`` counts entries repeating only a strength and an action
(e.g. radiotherapy recommended by two rules with different timings: distinct statements, not a repeat).
Crossings are counted on the drawn edges (each edge's Bezier curves flattened; a point where two edges cross once,
touches at a node they share not counted), so they are the crossings a reader sees.
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
from dataclasses import dataclass

CM = 72 / 2.54


@dataclass(frozen=True, slots=True)
class Measure:
    width_cm: float
    height_cm: float
    min_font: float  # smallest text at its printed size on the page (pt)
    repeated: int  # action entries drawn more than once with the same text
    same_action: int  # action entries drawn more than once with the same strength and action
    crossings: int  # points where two drawn edges cross


def measure(svg: str, width_cm: float = 17.0) -> Measure:
    """The printed size of ``svg`` and its smallest text when fitted to ``width_cm`` (never enlarged)."""
    m = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    if m is None:
        raise ValueError("not a Graphviz SVG (no width/height in points)")
    width, height = float(m.group(1)), float(m.group(2))
    s = re.search(r'class="graph" transform="scale\(([\d.]+)', svg)
    scale = float(s.group(1)) if s else 1.0
    sizes = [float(x) for x in re.findall(r'font-size="([\d.]+)"', svg)]
    fit = min(1.0, width_cm * CM / width) if width else 1.0
    entries: dict[str, int] = {}  # an action box's entry: its strength word and the action's first line
    texts_of: dict[tuple[str, ...], int] = {}  # an entry's whole text
    for body in re.findall(r'class="node">(.*?)</g>', svg, re.S):
        texts = re.findall(r"<text ([^>]*)>([^<]*)</text>", body)
        starts = [i for i, ((attrs, word), _) in enumerate(itertools.pairwise(texts))
                  if 'font-weight="bold"' in attrs and word.lstrip("\u2715 ").isupper()]
        notes = next((i for i, (_, t) in enumerate(texts) if t.startswith(("\u26a0", "\u21bb"))), len(texts))
        for i, end in zip(starts, [*starts[1:], notes][:len(starts)], strict=True):
            key = f"{texts[i][1]} {texts[i + 1][1].strip()}"
            entries[key] = entries.get(key, 0) + 1
            whole = tuple(t.strip() for _, t in texts[i:min(end, notes)])  # the box's notes left out
            texts_of[whole] = texts_of.get(whole, 0) + 1
    return Measure(width / CM, height / CM, min(sizes, default=0.0) * scale * fit,
                   sum(n - 1 for n in texts_of.values()), sum(n - 1 for n in entries.values()), crossings(svg))


Point = tuple[float, float]


def _curve(d: str) -> list[Point]:
    """A Graphviz edge path (``M p C p p p p p p ...``) flattened to a polyline, 12 steps per cubic segment."""
    nums = [float(x) for x in re.findall(r"-?[\d.]+(?:e-?\d+)?", d)]
    pts = list(zip(nums[::2], nums[1::2], strict=True))
    out = [pts[0]]
    for k in range(1, len(pts) - 2, 3):
        p0, p1, p2, p3 = pts[k - 1], pts[k], pts[k + 1], pts[k + 2]
        for j in range(1, 13):
            t = j / 12
            a, b, c, e = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t ** 3
            out.append((a * p0[0] + b * p1[0] + c * p2[0] + e * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + e * p3[1]))
    return out


def _cross(p: Point, q: Point, r: Point, s: Point) -> Point | None:
    """Where segments pq and rs cross properly (not at an end, not collinear), or None."""
    d = (q[0] - p[0]) * (s[1] - r[1]) - (q[1] - p[1]) * (s[0] - r[0])
    if abs(d) < 1e-9:
        return None
    t = ((r[0] - p[0]) * (s[1] - r[1]) - (r[1] - p[1]) * (s[0] - r[0])) / d
    u = ((r[0] - p[0]) * (q[1] - p[1]) - (r[1] - p[1]) * (q[0] - p[0])) / d
    if 0 < t < 1 and 0 < u < 1:
        return (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]))
    return None


def crossings(svg: str) -> int:
    """The points where two drawn edges of ``svg`` cross; edges that share a node may meet near it (their
    curves start or end on its border): such touches within 8 pt of the shared end are not crossings."""
    edges: list[tuple[tuple[str, str], list[Point]]] = []
    for title, d in re.findall(r'class="edge">\s*<title>(.*?)</title>\s*<path [^>]*\bd="([^"]+)"', svg, re.S):
        src, _, dst = title.replace("&#45;&gt;", "\x00").partition("\x00")
        edges.append(((src, dst), _curve(d)))
    count = 0
    for (ends_a, a), (ends_b, b) in itertools.combinations(edges, 2):
        shared = [pt for e, pt in ((ends_a[0], a[0]), (ends_a[1], a[-1])) if e in ends_b]
        found: list[Point] = []
        for p, q in itertools.pairwise(a):
            for r, s_ in itertools.pairwise(b):
                x = _cross(p, q, r, s_)
                if x is None or any(abs(x[0] - f[0]) + abs(x[1] - f[1]) < 2 for f in found):
                    continue
                if any(abs(x[0] - pt[0]) + abs(x[1] - pt[1]) < 8 for pt in shared):
                    continue
                found.append(x)
        count += len(found)
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("svgs", nargs="+", metavar="FIG.svg")
    parser.add_argument("--width-cm", type=float, default=17.0, help="the page's text width (default 17: A4)")
    parser.add_argument("--min-font", type=float, default=7.0,
                        help="the smallest text size (pt) a page may print at (default 7, as render --min-font)")
    args = parser.parse_args(argv)
    print(f"{'figure':40} {'size (cm)':>13} {'min text (pt)':>14} {'repeated':>9} {'same action':>12} "
          f"{'crossings':>10}  {'>= ' + format(args.min_font, 'g') + ' pt':>9}")
    below = 0
    for path in args.svgs:
        with open(path, encoding="utf-8") as f:
            m = measure(f.read(), args.width_cm)
        ok = round(m.min_font, 2) >= args.min_font  # as printed: 6.999 from the SVG's rounded widths is 7
        below += not ok
        print(f"{path:40} {m.width_cm:5.1f} x {m.height_cm:5.1f} {m.min_font:14.1f} {m.repeated:9d} "
              f"{m.same_action:12d} {m.crossings:10d}  {'ok' if ok else 'BELOW':>9}")
    if below:
        print(f"{below} of {len(args.svgs)} figures print below {args.min_font:g} pt at {args.width_cm:g} cm")
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
