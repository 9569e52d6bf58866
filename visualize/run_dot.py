"""The only place that runs Graphviz's ``dot``: DOT text in, a .dot/.svg/.pdf/.png file out.

The output is written atomically (:func:`engine.fileio.atomic.replacing`): ``dot`` renders into a temporary file in the
target's own directory, which then replaces the target with ``os.replace``. A failure at any point (``dot``
missing, a layout error, a timeout, a directory that cannot be written) leaves no partial file behind and raises
:class:`RenderError` with a message a user can act on. PNG is rendered at 300 dpi, the resolution journals ask for.

``dot`` runs through :mod:`subprocess`, not the ``graphviz`` Python package (no longer a dependency). That package's
``render``/``pipe`` take no timeout (its ``run_check`` is called with fixed arguments), so a layout that never ends
would hang the command; ``render`` reads its DOT from a file and has ``dot`` write straight into the output, which
is not atomic; neither takes extra command-line options such as ``-Gdpi``; its ``version()`` (``dot -V``) has no
timeout either, and nothing here needs a version; and ``ExecutableNotFound`` is raised only when the run starts,
with a message that says nothing about installing Graphviz. What is left for it to do here, running one command, is
these few lines; the DOT text itself is written by :mod:`visualize.dot`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence

from engine.fileio.atomic import replacing

FORMATS = {".dot": "dot", ".gv": "dot", ".svg": "svg", ".pdf": "pdf", ".png": "png"}
PNG_DPI = 300
DEFAULT_TIMEOUT = 120.0
INSTALL_HINT = ("install Graphviz: 'apt-get install graphviz' (Debian/Ubuntu), 'brew install graphviz' (macOS), "
                "or see https://graphviz.org/download/")


class RenderError(Exception):
    """Rendering failed; ``str(error)`` says why and what to do."""


def output_format(out_path: str) -> str:
    """The Graphviz output format for ``out_path``'s extension, or RenderError listing the supported ones."""
    ext = os.path.splitext(out_path)[1].lower()
    if ext not in FORMATS:
        raise RenderError(f"cannot render to '{out_path}': unknown extension '{ext or '(none)'}'; "
                          f"use one of {', '.join(sorted(set(FORMATS) - {'.gv'}))}")
    return FORMATS[ext]


def find_dot() -> str:
    """The path of the ``dot`` executable, or RenderError saying how to install it."""
    path = shutil.which("dot")
    if path is None:
        raise RenderError(f"the Graphviz 'dot' program was not found on PATH; {INSTALL_HINT}")
    return path


def render_file(dot_text: str | Sequence[str], out_path: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Write ``dot_text`` to ``out_path`` as DOT, SVG, PDF or PNG (chosen by the extension). A sequence of DOT
    texts is a figure's pages: one PDF with a page each (:func:`_join_pdf`), or the texts one after another in a
    .dot file; other formats draw one page per file, so they take a single text."""
    fmt = output_format(out_path)
    pages = [dot_text] if isinstance(dot_text, str) else list(dot_text)
    if len(pages) != 1 and fmt not in ("pdf", "dot"):
        raise RenderError(f"cannot write {len(pages)} pages to one .{fmt} file: use .pdf, or one file per page")
    dot = None if fmt == "dot" else find_dot()
    if os.path.isdir(out_path):
        raise RenderError(f"cannot write '{out_path}': it is a directory")
    try:
        with replacing(out_path) as tmp:
            if dot is None:
                with open(tmp, "w", encoding="utf-8", newline="\n") as f:
                    f.write("".join(pages))
            elif len(pages) == 1:
                _run_dot(dot, fmt, pages[0], tmp, timeout)
            else:
                _join_pdf([_dot_output(dot, "pdf", page, timeout) for page in pages], tmp)
    except FileNotFoundError as e:
        directory = os.path.dirname(os.path.abspath(out_path))
        if not os.path.isdir(directory):
            raise RenderError(f"cannot write '{out_path}': directory '{directory}' does not exist") from None
        raise RenderError(f"cannot write '{out_path}': {e.strerror or e}") from None
    except PermissionError as e:
        raise RenderError(f"cannot write '{out_path}': {e.strerror or 'permission denied'}") from None
    except OSError as e:
        raise RenderError(f"cannot write '{out_path}': {e.strerror or e}") from None


def _join_pdf(pdfs: Sequence[bytes], out: str) -> None:
    """One PDF of the pages of ``pdfs`` in order, written to ``out``. Graphviz's PDF (cairo) draws one page per
    graph and writes only the first graph of a multi-graph input, so each page is drawn alone and the documents
    are joined with pypdf (pure Python, maintained; joining PDF object graphs by hand means renumbering objects,
    fonts and resources of every page: not worth owning)."""
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for data in pdfs:
        writer.append(PdfReader(io.BytesIO(data)))
    writer.add_metadata({"/Producer": "guidegraph (Graphviz pages joined with pypdf)"})
    with open(out, "wb") as f:
        writer.write(f)


def _dot_output(dot: str, fmt: str, dot_text: str, timeout: float) -> bytes:
    """``dot -T<fmt>``'s output for ``dot_text`` (a PDF page of a multi-page figure)."""
    try:
        proc = subprocess.run([dot, f"-T{fmt}"], input=dot_text.encode("utf-8"), capture_output=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise RenderError(f"Graphviz 'dot' took longer than {timeout:g} s and was stopped") from None
    except OSError as e:
        raise RenderError(f"cannot run Graphviz 'dot' ({dot}): {e.strerror or e}; {INSTALL_HINT}") from None
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip() or f"exit status {proc.returncode}"
        raise RenderError(f"Graphviz 'dot' failed: {detail}")
    return proc.stdout


def _run_dot(dot: str, fmt: str, dot_text: str, tmp: str, timeout: float) -> None:
    cmd = [dot, f"-T{fmt}", "-o", tmp]
    if fmt == "png":
        cmd.insert(1, f"-Gdpi={PNG_DPI}")
    try:
        proc = subprocess.run(cmd, input=dot_text.encode("utf-8"), capture_output=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        raise RenderError(f"Graphviz 'dot' took longer than {timeout:g} s and was stopped; render one section "
                          "(--section) or a .dot file instead") from None
    except OSError as e:
        raise RenderError(f"cannot run Graphviz 'dot' ({dot}): {e.strerror or e}; {INSTALL_HINT}") from None
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip() or f"exit status {proc.returncode}"
        raise RenderError(f"Graphviz 'dot' failed: {detail}")


def render_svg(dot_text: str, *, timeout: float = DEFAULT_TIMEOUT) -> str:
    """``dot_text`` laid out by ``dot`` as an SVG document (text), for pages that inline it (``guidegraph report``).
    Raises :class:`RenderError` as :func:`render_file` does."""
    return _dot_output(find_dot(), "svg", dot_text, timeout).decode("utf-8", "replace")


def layout_width(dot_text: str, *, timeout: float = DEFAULT_TIMEOUT) -> float:
    """The width in points of ``dot_text`` as printed: the SVG's ``width`` once laid out by ``dot`` divided by
    the drawing's ``scale()`` (the margins included, as scripts/figure_report.py measures it: ``-Tplain``'s
    graph width leaves the pad out and passed pages 1 cm too wide), for deciding whether a figure fits a page.
    Raises :class:`RenderError` as :func:`render_file` does."""
    return svg_width(render_svg(dot_text, timeout=timeout))


def svg_width(svg: str) -> float:
    """The printed width in points of an SVG ``dot`` wrote (:func:`layout_width`), read from the SVG itself so
    that a caller that keeps the SVG (``guidegraph report`` inlines each page it measured) lays it out once."""
    size = re.search(r'<svg width="([\d.]+)pt"', svg)
    if size is None:
        raise RenderError("Graphviz 'dot' wrote an SVG without a width in points")
    scale = re.search(r'class="graph" transform="scale\(([\d.]+)', svg)
    return float(size.group(1)) / (float(scale.group(1)) if scale and float(scale.group(1)) > 0 else 1.0)
