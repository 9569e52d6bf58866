"""Reliability of the whole ``check`` pipeline (issue 9): whatever the rules text, ``guidegraph check`` ends with
exit code 0, 1 or 2 and either a clean report or diagnostics, never an internal error (exit 3), an exception or a
RecursionError.

``test_parser_fuzz`` covers the parser alone; here each example goes through read, parse, resolve, compile and
every checker pass, in-process via :func:`engine.cli.main.main`. Two sources of text: random *syntactically valid*
guidelines (so that the resolver, compiler and checkers see real work, including cyclic overrides, unknown names
and type errors), and mutations of ``rules/lms.rules``. Examples are derandomized so CI is reproducible.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

if TYPE_CHECKING:
    from conftest import Cli, CliResult


ROOT = Path(__file__).resolve().parent.parent
LMS = (ROOT / "rules" / "lms.rules").read_text(encoding="utf-8")
LMS_LINES = LMS.splitlines(keepends=True)
_FIRST_SECTION = next(i for i, line in enumerate(LMS_LINES) if line.startswith("section "))
LMS_HEAD = LMS_LINES[:_FIRST_SECTION]
LMS_SECTIONS: list[list[str]] = []
for _line in LMS_LINES[_FIRST_SECTION:]:
    if _line.startswith("section "):
        LMS_SECTIONS.append([])
    LMS_SECTIONS[-1].append(_line)

# 1,000 + 1,000 + 200 examples: issue 9 asks for at least 2,000 in CI.
FUZZ = settings(max_examples=500, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ACTIONS = ("a0", "a1", "a2", "a3")
STRENGTHS = ("must", "recommend", "consider", "not_recommended", "never")
OPS = ("<", "<=", ">", ">=", "==", "!=")


def run_check(cli: Cli, text: str) -> CliResult:
    """``guidegraph check`` on ``text`` in a temporary file: (exit code, stdout, stderr)."""
    fd, path = tempfile.mkstemp(suffix=".rules")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogatepass") as f:
            f.write(text)
        return cli("check", path)
    finally:
        os.unlink(path)


def assert_clear_answer(cli: Cli, text: str) -> int:
    code, out, err = run_check(cli, text)
    assert code in (0, 1, 2), f"exit {code}: {err}"
    assert "internal error" not in err and "Traceback" not in out + err
    if code == 0:
        assert out.rstrip().endswith(("no problems", "warning", "warnings", "note", "notes")), out
    else:
        assert "error" in out + err
    return code


# ---------------------------------------------------------------------------------------------------------------
# Random valid guidelines, as text


@st.composite
def input_decls(draw: st.DrawFn) -> dict[str, str]:
    """name -> kind ('bool', 'enum', 'ienum', 'number'), one to five inputs."""
    kinds = draw(st.lists(st.sampled_from(["bool", "enum", "ienum", "number", "integer"]), min_size=1, max_size=5))
    return {f"x{i}": k for i, k in enumerate(kinds)}


def _number(draw: st.DrawFn) -> str:
    return str(draw(st.sampled_from([0, 1, 2.5, 5, 10, -3, 120, 1e6])))


def atom(draw: st.DrawFn, ins: dict[str, str], lets: list[str]) -> str:
    name = draw(st.sampled_from(sorted(ins)))
    kind = ins[name]
    k = draw(st.integers(0, 9))
    if k == 0:
        return f"{name} is {draw(st.sampled_from(['known', 'unknown']))}"
    if k == 1 and lets:
        return draw(st.sampled_from(lets))
    if k == 2:
        return draw(st.sampled_from(["true", "false"]))
    if kind == "bool":
        return draw(st.sampled_from([name, f"{name} == true", f"{name} != false", f"not {name}"]))
    if kind == "enum":
        vals = draw(st.lists(st.sampled_from(["p", "q", "r"]), min_size=1, max_size=3, unique=True))
        return f"{name} in {{{', '.join(vals)}}}" if len(vals) > 1 else f"{name} == {vals[0]}"
    if kind == "ienum":
        return f"{name} {draw(st.sampled_from(['==', '!=']))} {draw(st.integers(1, 3))}"
    if draw(st.booleans()):
        a, b = sorted([draw(st.integers(0, 10)), draw(st.integers(0, 10))])
        return f"{name} in {a}..{b}"
    return f"{name} {draw(st.sampled_from(OPS))} {_number(draw)}"


def cond(draw: st.DrawFn, ins: dict[str, str], lets: list[str], depth: int = 2) -> str:
    k = draw(st.integers(0, 6 if depth > 0 else 2))
    if k <= 2:
        return atom(draw, ins, lets)
    if k == 3:
        return f"not ({cond(draw, ins, lets, depth - 1)})"
    op = draw(st.sampled_from(["and", "or", "implies"]))
    return f"({cond(draw, ins, lets, depth - 1)} {op} {cond(draw, ins, lets, depth - 1)})"


@st.composite
def guidelines(draw: st.DrawFn) -> str:
    ins = draw(input_decls())
    out = ['guideline "Fuzz \\"g\\"" version "1"', 'reference 1 "R1"']
    for name, kind in ins.items():
        label = f' "{name.upper()}"' if draw(st.booleans()) else ""
        if kind in ("bool",):
            typ = "bool"
        elif kind == "enum":
            typ = "{p, q, r}"
        elif kind == "ienum":
            typ = "{1, 2, 3}"
        else:
            rng = " in 0..10" if draw(st.booleans()) else ""
            typ = f"{kind}{' cm' if kind == 'number' and draw(st.booleans()) else ''}{rng}"
        out.append(f"input {name}{label}: {typ}")
    lets: list[str] = []
    for i in range(draw(st.integers(0, 2))):
        out.append(f"let l{i} = {cond(draw, ins, lets)}")
        lets.append(f"l{i}")
    if draw(st.integers(0, 3)) == 0:
        out.append(f"assume {cond(draw, ins, lets, 1)}")
    out.append("action a0")
    out.append('action a1(dose: Gy, how: {x, y}) "A one" modality radiotherapy')
    out.append("action a2 modality surgery")
    out.append("action a3(note: text)")
    names = [f"r{i}" for i in range(draw(st.integers(1, 8)))]
    cyclic = draw(st.integers(0, 4)) == 0
    per_section = draw(st.integers(1, 4))
    for s in range(0, len(names), per_section):
        guard = f" when {cond(draw, ins, lets, 1)}" if draw(st.booleans()) else ""
        out.append(f'section s{s} "S {s}"{guard}:')
        for i in range(s, min(s + per_section, len(names))):
            body = [f"  rule {names[i]}:"]
            if draw(st.integers(0, 4)):
                body.append(f"    when {cond(draw, ins, lets)}")
            for _ in range(draw(st.integers(1, 2))):
                act = draw(st.sampled_from(ACTIONS))
                args = ""
                if act == "a1" and draw(st.booleans()):
                    args = f"(dose: {draw(st.sampled_from(['50 Gy', '50..60 Gy', '2 cm', 'x']))}, how: x)"
                elif act == "a3" and draw(st.booleans()):
                    args = '(note: "a \\"quoted\\" note")'
                body.append(f"    {draw(st.sampled_from(STRENGTHS))} {act}{args}")
            pool = names if cyclic else names[:i]
            if pool and draw(st.integers(0, 2)) == 0:
                targets = sorted(set(draw(st.lists(st.sampled_from(pool), min_size=1, max_size=2))))
                body.append(f"    overrides {', '.join(targets)}")
            if draw(st.booleans()):
                body.append('    evidence "Category 1"\n    cite 1\n    source "s"')
            out.extend(body)
        if draw(st.booleans()):
            wc = f" when {cond(draw, ins, lets, 1)}" if draw(st.booleans()) else ""
            out.append(f"  cover {draw(st.sampled_from(ACTIONS))}{wc}")
        if draw(st.integers(0, 3)) == 0:
            out.append('  todo "not encoded"')
    return "\n".join(out) + "\n"


@pytest.mark.slow
@settings(FUZZ, max_examples=1000)
@given(guidelines())
def test_random_valid_guidelines_get_a_clear_answer(cli: Cli, text: str) -> None:
    assert_clear_answer(cli, text)


# ---------------------------------------------------------------------------------------------------------------
# Mutations of rules/lms.rules


@st.composite
def lms_mutations(draw: st.DrawFn, whole: bool = False) -> str:
    """Mutations of ``rules/lms.rules``: of the whole file, or (much cheaper to check, so many more examples fit
    the time budget) of its declarations plus one of its sections."""
    lines = list(LMS_LINES) if whole else LMS_HEAD + draw(st.sampled_from(LMS_SECTIONS))
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["delete_token", "swap_op", "swap_op", "number", "number", "unicode", "long",
                                     "nest", "dup", "dup", "delete_line"]))
        line = lines[i]
        words = line.split(" ")
        if kind == "delete_token" and len(words) > 1:
            del words[draw(st.integers(0, len(words) - 1))]
            lines[i] = " ".join(words)
        elif kind == "swap_op":
            for op in (">=", "<=", "==", "!=", ">", "<"):
                if op in line:
                    lines[i] = line.replace(op, draw(st.sampled_from(OPS)), 1)
                    break
        elif kind == "number":
            digits = [j for j, c in enumerate(line) if c.isdigit()]
            if digits:
                j = draw(st.sampled_from(digits))
                big = draw(st.sampled_from(["1e400", "-999999999999", "99999999999999999999999", "0.0000001",
                                            "-0", "1000"]))
                lines[i] = line[:j] + big + line[j + 1:]
        elif kind == "unicode":
            j = draw(st.integers(0, len(line)))
            lines[i] = line[:j] + draw(st.text(min_size=1, max_size=5)) + line[j:]
        elif kind == "long":
            # 100k characters; a long run of errors on one line is in test_limits (it costs seconds, not ms)
            filler = draw(st.sampled_from(["x", "é", '"', "(", "1.5 ", "and x" + "y" * 9_995]))
            lines[i] = line.rstrip("\n") + " " + (filler * (100_000 // len(filler) + 1))[:100_000] + "\n"
        elif kind == "nest":
            lines.insert(i, "assume " + "(" * 10_000 + "imaging_done" + ")" * draw(st.sampled_from([10_000, 9_999]))
                         + "\n")
        elif kind == "dup":
            lines.insert(i, line)
        else:
            del lines[i]
    return "".join(lines)


@pytest.mark.slow
@settings(FUZZ, max_examples=1000)
@given(lms_mutations())
def test_mutations_of_lms_sections_get_a_clear_answer(cli: Cli, text: str) -> None:
    assert_clear_answer(cli, text)


@pytest.mark.slow
@settings(FUZZ, max_examples=200)
@given(lms_mutations(whole=True))
def test_mutations_of_the_whole_lms_file_get_a_clear_answer(cli: Cli, text: str) -> None:
    assert_clear_answer(cli, text)


# ---------------------------------------------------------------------------------------------------------------
# Fixed cases the strategies reach only rarely


def test_lms_itself_is_clean(cli: Cli) -> None:
    assert assert_clear_answer(cli, LMS) == 0


def test_deep_nesting_in_every_condition_position(cli: Cli) -> None:
    deep = "(" * 10_000 + "b" + ")" * 10_000
    head = 'guideline "T"\ninput b: bool\naction a\n'
    for text in (head + f"let l = {deep}\n", head + f"assume {deep}\n",
                 head + f"section s when {deep}:\n  rule r:\n    when {deep}\n    must a\n",
                 head + "let l = " + "not " * 10_000 + "b\n"):
        assert assert_clear_answer(cli, text) in (1, 2)


def test_a_cycle_of_overrides_is_a_diagnostic(cli: Cli) -> None:
    text = ('guideline "T"\ninput b: bool\naction a\nsection s:\n  rule r0:\n    must a\n    overrides r1\n'
            '  rule r1:\n    never a\n    overrides r0\n')
    code, out, _ = run_check(cli, text)
    assert code == 1 and "r0" in out and "r1" in out


def test_undecodable_bytes_are_exit_2(cli: Cli) -> None:
    fd, path = tempfile.mkstemp(suffix=".rules")
    with os.fdopen(fd, "wb") as f:
        f.write(b'guideline "T"\n\xff\xfe\x80\n')
    try:
        code, out, _ = cli("check", path)
        assert code == 2
        assert "UTF-8" in out
    finally:
        os.unlink(path)


def test_syntax_error_after_a_very_long_line_is_answered_quickly(cli: Cli) -> None:
    """Finding the word before a syntax error once scanned with a regex anchored at the end of the text, which is
    quadratic: 100,000 characters on one line took minutes. Run in a subprocess so a regression fails, not hangs."""
    text = 'guideline "T"\ninput b: bool\nlet l = b and ' + "x" * 200_000 + "\nlet\n"
    fd, path = tempfile.mkstemp(suffix=".rules")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    try:
        proc = cli.process("check", path, timeout=30)
    finally:
        os.unlink(path)
    assert proc.code == 1 and "error[E0" in proc.out + proc.err
