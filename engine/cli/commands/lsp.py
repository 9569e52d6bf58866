"""`guidegraph lsp`: the language server for editors, over standard input and output (:mod:`engine.lsp`).

It needs pygls and lsprotocol, the optional ``lsp`` extra; without them it says how to install them and exits 2.
Editors start it themselves (editors/vscode/ is a VS Code extension that does); it runs until the editor sends
``exit`` or closes its input.
"""

from __future__ import annotations

import argparse
import importlib.metadata

from engine.cli.support import Exit, say

INSTALL = "pip install 'guidegraph[lsp]'  (in a checkout: pip install -e '.[lsp]')"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stdio", action="store_true",
                        help="talk over standard input and output (the default and only transport; editors pass it)")


def run(args: argparse.Namespace) -> int:
    try:
        from engine.lsp.server import create
    except ImportError as e:
        say(f"guidegraph lsp: the language server needs pygls and lsprotocol ({e.name or e} is missing); "
            f"install them with: {INSTALL}\n")
        return Exit.USAGE
    try:
        version = importlib.metadata.version("guidegraph")
    except importlib.metadata.PackageNotFoundError:
        version = "0"
    create(version).start_io()
    return Exit.OK
