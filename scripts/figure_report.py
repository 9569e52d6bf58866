"""Per figure: its printed size, the smallest text once fitted to a page's text width, and repeated action boxes.

``python scripts/figure_report.py [--width-cm 17] [--min-font 7] FIG.svg ...`` prints one line per SVG and says
whether its smallest text is at least ``--min-font`` (``render --min-font``'s default, 7 pt); the exit status is 1
when some figure is below it. The numbers are measured
from the SVG that Graphviz wrote (its ``width`` in points, the ``scale()`` of the drawing and each text's
``font-size``), not from the renderer's settings: a figure wider than the page is shrunk to the page width, one
narrower is printed at its own size. Multi-page output (``fig-p2.svg`` ...) is measured page by page.
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
    repeated: int  # action entries drawn more than once (same strength and action)


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
    for body in re.findall(r'class="node">(.*?)</g>', svg, re.S):
        texts = re.findall(r"<text ([^>]*)>([^<]*)</text>", body)
        for (attrs, word), (_, action) in itertools.pairwise(texts):
            if 'font-weight="bold"' in attrs and word.lstrip("\u2715 ").isupper():
                key = f"{word} {action.strip()}"
                entries[key] = entries.get(key, 0) + 1
    return Measure(width / CM, height / CM, min(sizes, default=0.0) * scale * fit,
                   sum(n - 1 for n in entries.values()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("svgs", nargs="+", metavar="FIG.svg")
    parser.add_argument("--width-cm", type=float, default=17.0, help="the page's text width (default 17: A4)")
    parser.add_argument("--min-font", type=float, default=7.0,
                        help="the smallest text size (pt) a page may print at (default 7, as render --min-font)")
    args = parser.parse_args(argv)
    print(f"{'figure':40} {'size (cm)':>13} {'min text (pt)':>14} {'repeated boxes':>15}  "
          f"{'>= ' + format(args.min_font, 'g') + ' pt':>9}")
    below = 0
    for path in args.svgs:
        with open(path, encoding="utf-8") as f:
            m = measure(f.read(), args.width_cm)
        ok = round(m.min_font, 2) >= args.min_font  # as printed: 6.999 from the SVG's rounded widths is 7
        below += not ok
        print(f"{path:40} {m.width_cm:5.1f} x {m.height_cm:5.1f} {m.min_font:14.1f} {m.repeated:15d}  "
              f"{'ok' if ok else 'BELOW':>9}")
    if below:
        print(f"{below} of {len(args.svgs)} figures print below {args.min_font:g} pt at {args.width_cm:g} cm")
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
