"""`guidegraph check` (placeholder while the session builds it; replaced by the real command)."""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("args", nargs="*")


def run(args: argparse.Namespace) -> int:
    sys.stderr.write("guidegraph check: not available yet\n")
    return 2
