"""Safety (issue 9): user text is only ever data. Case files are loaded with a safe YAML loader, rules text cannot
inject code into the generated evaluators, labels cannot inject markup into DOT or SVG, and a bad ``-o`` fails
with exit 2 without writing anything.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Cli


ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("dsl", "engine", "visualize")


# ---------------------------------------------------------------------------------------------------------------
# YAML case files

SIMPLE = 'guideline "T"\ninput b: bool\naction a\nsection s:\n  rule r:\n    when b\n    recommend a\n'


@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system", "!!python/object/new:os.system",
                                 "!!python/name:os.system", "!!python/object:os.system"])
def test_a_python_tag_in_a_case_file_is_rejected_not_executed(cli: Cli, tmp_path: Path, tag: str) -> None:
    rules = tmp_path / "t.rules"
    rules.write_text(SIMPLE, encoding="utf-8")
    marker = tmp_path / "pwned"
    case = tmp_path / "case.yaml"
    case.write_text(f'- id: c1\n  facts:\n    b: {tag} ["touch {marker}"]\n', encoding="utf-8")
    for command in ("run", "test"):
        code, out, err = cli(command, str(rules), str(case))
        assert code in (1, 2), (command, code, out, err)
        assert re.search(r"E3\d\d", out + err), out + err
        assert "internal error" not in err and "Traceback" not in out + err
    assert not marker.exists()


# ---------------------------------------------------------------------------------------------------------------
# No eval/exec of user text


def test_exec_and_eval_only_in_codegen_on_generated_source() -> None:
    uses: list[str] = []
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("#", 1)[0]
                if re.search(r"\b(eval|exec)\s*\(|__import__\s*\(|compile\s*\(.*['\"]eval['\"]", code):
                    uses.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert uses, "the fast path is generated code: codegen.py should exec it"
    for use in uses:
        # the two modules that generate Python: the fast path (codegen) and the per-rule "because" functions
        assert use.startswith(("engine/evaluate/codegen.py:", "engine/evaluate/because.py:")), use
        assert re.search(r"exec\(compile\(", use), use  # exec of source codegen built itself, never eval


INJECT = "x\"); __import__('os').system('touch {m}'); (\"\n'''\\ {{}} \\x00"


def quoted(text: str) -> str:
    """``text`` as a string literal of the rules language."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def strings(doc: object) -> set[str]:
    """Every string in a JSON document (keys and values)."""
    if isinstance(doc, str):
        return {doc}
    if isinstance(doc, dict):
        return set().union(*(strings(k) | strings(v) for k, v in doc.items())) if doc else set()
    if isinstance(doc, list):
        return set().union(*(strings(v) for v in doc)) if doc else set()
    return set()


def test_rules_text_cannot_inject_code_into_the_generated_evaluator(cli: Cli, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    evil = INJECT.format(m=marker)
    q = quoted(evil)
    rules = tmp_path / "evil.rules"
    rules.write_text(
        f'guideline {q} version {q}\nreference 1 {q}\n'
        f'input b {q}: bool\ninput e {q}: {{p, q}}\ninput n {q}: number in 0..10\n'
        f'let l {q} = b and e == p\n'
        f'action a(note: text) {q}\naction c {q}\n'
        f'section s {q} when n is known:\n'
        f'  rule r {q}:\n    when l and n > 2\n    recommend a(note: {q})\n'
        f'    evidence {q}\n    source {q}\n    footnote {q}\n    cite 1\n'
        f'  rule q {q}:\n    when not b\n    never c\n'
        f'  todo {q}\n', encoding="utf-8")
    code, out, err = cli("check", str(rules))
    assert code in (0, 1) and "internal error" not in err, out + err
    case = tmp_path / "case.yaml"
    case.write_text("- id: c1\n  facts: {b: true, e: p, n: 5}\n", encoding="utf-8")
    code, out, err = cli("run", str(rules), str(case), "--format", "json")
    assert code == 0, out + err
    assert evil in strings(json.loads(out)), out  # the title, the note... come back as data
    code, out, err = cli("export", str(rules))
    assert code == 0 and evil in strings(json.loads(out))
    assert not marker.exists()


def test_case_keys_and_values_cannot_inject_code(cli: Cli, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    rules = tmp_path / "t.rules"
    rules.write_text(SIMPLE, encoding="utf-8")
    evil = f"__import__('os').system('touch {marker}')"
    case = tmp_path / "case.json"
    case.write_text(json.dumps([{"id": evil, "facts": {evil: evil, "b": evil}}]), encoding="utf-8")
    code, out, err = cli("run", str(rules), str(case))
    assert code == 1 and re.search(r"E3\d\d", out + err), out + err
    assert not marker.exists()


# ---------------------------------------------------------------------------------------------------------------
# Markup in labels and footnotes

NASTY = '<script>alert(\\"x\\\\y\\")</script> & \\"q\\" \\\\ {} |'


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is not installed")
def test_labels_and_footnotes_are_escaped_in_dot_and_svg(cli: Cli, tmp_path: Path) -> None:
    rules = tmp_path / "x.rules"
    rules.write_text(
        f'guideline "{NASTY}"\ninput b "{NASTY}": bool\nlet l "{NASTY}" = b\naction a "{NASTY}"\n'
        f'section s "{NASTY}":\n  rule r "{NASTY}":\n    when l\n    recommend a\n    footnote "{NASTY}"\n'
        f'    evidence "{NASTY}"\n', encoding="utf-8")
    dot, svg = tmp_path / "x.dot", tmp_path / "x.svg"
    for out in (dot, svg):
        code, o, e = cli("render", str(rules), "-o", str(out))
        assert code == 0, o + e
    svg_text = svg.read_text(encoding="utf-8")
    assert "&lt;script&gt;" in svg_text
    assert "<script" not in svg_text.lower()
    dot_text = dot.read_text(encoding="utf-8")
    assert "<script>" not in dot_text or '"<script>' not in dot_text.replace("\\", "")
    assert svg_text.count("&lt;script&gt;") >= 2  # the label and the footnote (at least)


# ---------------------------------------------------------------------------------------------------------------
# Bad -o


@pytest.mark.parametrize("command", ["render", "run", "export"])
@pytest.mark.parametrize("where", ["missing_dir", "a_directory"])
def test_output_to_a_missing_directory_or_a_directory_is_exit_2_and_writes_nothing(
        cli: Cli,
        tmp_path: Path, command: str, where: str) -> None:
    rules = tmp_path / "t.rules"
    rules.write_text(SIMPLE, encoding="utf-8")
    case = tmp_path / "case.yaml"
    case.write_text("- id: c1\n  facts: {b: true}\n", encoding="utf-8")
    target_dir = tmp_path / "out"
    target_dir.mkdir()
    out = target_dir / "missing" / "x.svg" if where == "missing_dir" else target_dir
    if command == "run" and where == "missing_dir":
        out = out.with_suffix(".json")
    argv = {"render": ["render", str(rules), "-o", str(out)],
            "run": ["run", str(rules), str(case), "-o", str(out)],
            "export": ["export", str(rules), "-o", str(out)]}[command]
    code, o, e = cli(*argv)
    assert code == 2, (code, o, e)
    assert "internal error" not in e and "Traceback" not in o + e
    assert str(out) in o + e or out.name in o + e
    assert list(target_dir.iterdir()) == []  # nothing written, no temporary file left behind
