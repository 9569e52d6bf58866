"""The engine reads as its pipeline (issue 12): every module in a stage folder, no import cycle among engine
modules (function-local imports included; ``if TYPE_CHECKING:`` blocks excluded, since they never run), no module
much over 400 lines, and no sarcoma knowledge in the code folders."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
STAGES = {"core", "resolve", "compile", "evaluate", "checks", "cases", "fileio", "cli", "lsp", "diff", "sql", "fhir",
          "audit"}
MAX_LINES = 420


def _modules() -> dict[str, Path]:
    out = {}
    for p in sorted((ROOT / "engine").rglob("*.py")):
        parts = p.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = p
    return out


def _imports(path: Path, known: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for n in ast.walk(node)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
    return found & known


def test_every_engine_module_is_in_a_stage_folder() -> None:
    loose = [p.name for p in (ROOT / "engine").glob("*.py") if p.name not in {"__init__.py", "__main__.py"}]
    assert loose == [], loose
    folders = {n.split(".")[1] for n in _modules() if n.count(".") >= 1 and n != "engine.__main__"}
    assert folders <= STAGES, folders - STAGES


def test_no_import_cycle_among_engine_modules() -> None:
    mods = _modules()
    graph = nx.DiGraph()
    for name, path in mods.items():
        for target in _imports(path, set(mods)):
            if target != name and not name.startswith(target + "."):  # a module's own packages are not a cycle
                graph.add_edge(name, target)
    cycles = list(nx.simple_cycles(graph))
    assert cycles == [], [" -> ".join(c) for c in cycles[:5]]


def test_no_module_is_much_over_400_lines() -> None:
    sizes = {p.relative_to(ROOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
             for d in ("engine", "visualize") for p in (ROOT / d).rglob("*.py")}
    assert {f: n for f, n in sizes.items() if n > MAX_LINES} == {}

