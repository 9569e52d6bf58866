"""Reading a rules file and taking it through parse and resolve: the front half every command shares.

Each stage stays callable on its own (``dsl.parser.parse``, ``engine.resolve.resolver.resolve``); this module only
chains them and turns file-system failures into an ``E901`` diagnostic instead of an exception. Paths are used
exactly as given (a relative path stays relative) so that diagnostics point where the user typed.
"""

from __future__ import annotations

from dsl.diagnostics import Diagnostic, has_errors
from engine.core.model import Model
from engine.fileio.textfile import RULES_LIMIT, read_text


def _cannot_read(path: str, reason: str) -> list[Diagnostic]:
    return [Diagnostic("E901", "error", f"cannot read '{path}': {reason}")]


def read_source(path: str, *, encoding: str = "utf-8-sig", newline: str | None = None) -> tuple[
        str | None, list[Diagnostic]]:
    """The text of ``path`` (UTF-8; a byte-order mark is dropped, unless ``encoding`` is plain ``utf-8``; line ends
    as ``open``'s ``newline`` says), or None and an ``E901`` saying why not."""
    try:
        return read_text(path, RULES_LIMIT, encoding=encoding, newline=newline), []
    except FileNotFoundError:
        return None, _cannot_read(path, "no such file")
    except IsADirectoryError:
        return None, _cannot_read(path, "it is a directory, not a file")
    except PermissionError:
        return None, _cannot_read(path, "permission denied")
    except UnicodeDecodeError as e:
        return None, _cannot_read(path, f"not UTF-8 text (byte 0x{e.object[e.start]:02x} at offset {e.start})")
    except OSError as e:
        return None, _cannot_read(path, e.strerror or type(e).__name__)
    except ValueError as e:  # an embedded NUL in the path
        return None, _cannot_read(path, str(e))


def load_model(path: str) -> tuple[Model | None, list[Diagnostic], dict[str, str]]:
    """Read, parse and resolve ``path``: the model (None when errors make it meaningless), every diagnostic in
    file order, and ``{path: text}`` for rendering excerpts. Resolution is skipped after syntax errors, whose
    follow-on errors would only be noise."""
    from dsl.parser import parse  # imported here so that commands not needing the parser load without it
    from engine.resolve.resolver import resolve

    text, diagnostics = read_source(path)
    if text is None:
        return None, diagnostics, {}
    sources = {path: text}
    tree, syntax = parse(text, path)
    diagnostics.extend(syntax)
    if tree is None or has_errors(syntax):
        return None, diagnostics, sources
    model, semantic = resolve(tree, path)
    diagnostics.extend(semantic)
    return model, diagnostics, sources
