"""Rules as data: export -> import evaluates exactly like the source; output is deterministic; bad data is named."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from modelgen import facts_for, models

import engine
from engine.cases.load import load_cases
from engine.cli.main import main
from engine.compile.compiler import compile
from engine.compile.export import from_data, to_data
from engine.core.errors import GuidelineError
from engine.evaluate.guideline import Guideline

RULES = "rules/lms.rules"


def test_lms_roundtrip_evaluates_every_case_alike() -> None:
    g = engine.load(RULES)
    back = from_data(json.loads(json.dumps(to_data(g.compiled))))
    assert back.model == g.model
    cases, _ = load_cases(["rules/cases"], g.model)
    assert cases
    for c in cases:
        assert Guideline(back).evaluate(c.facts, c.id).to_dict() == g.evaluate(c.facts, c.id).to_dict()
    assert json.dumps(to_data(back)) == json.dumps(to_data(g.compiled))


def test_yaml_roundtrip() -> None:
    g = engine.load(RULES)
    text = yaml.safe_dump(to_data(g.compiled), sort_keys=False)
    assert from_data(yaml.safe_load(text)).model == g.model


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_models_roundtrip(data: Any) -> None:
    model = data.draw(models())
    g = compile(model)
    back = from_data(json.loads(json.dumps(to_data(g))))
    assert back.model == model
    for _ in range(3):
        facts = data.draw(facts_for(model))
        # random facts may break an assume: compare the engines on them as they are
        assert Guideline(back).evaluate(facts, "c", validate=False) == Guideline(g).evaluate(facts, "c",
                                                                                            validate=False)


def test_cli_export_is_deterministic_and_atomic(tmp_path: Any, capsys: Any) -> None:
    assert main(["export", RULES]) == 0
    first = capsys.readouterr().out
    assert main(["export", RULES, "--format", "json"]) == 0
    assert capsys.readouterr().out == first
    data = json.loads(first)
    assert data["format"] == "guidegraph-rules/1" and data["graph"]["links"]
    out = tmp_path / "lms.yaml"
    assert main(["export", RULES, "--format", "yaml", "-o", str(out)]) == 0
    assert yaml.safe_load(out.read_text()) == data
    assert [p.name for p in tmp_path.iterdir()] == ["lms.yaml"]
    assert main(["export", RULES, "-o", str(tmp_path / "no" / "dir.json")]) == 2
    assert "E902" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "missing.rules")]) == 2


def _broken(path: list[Any], value: Any) -> str:
    data = to_data(engine.load(RULES).compiled)
    bad = copy.deepcopy(data)
    target = bad
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    with pytest.raises(GuidelineError) as e:
        from_data(bad)
    (d,) = e.value.diagnostics
    assert d.code == "E904"
    return d.message


def test_bad_data_names_the_field() -> None:
    assert "rules[2].entries[0].strength" in _broken(["rules", 2, "entries", 0, "strength"], "maybe")
    assert "rules[0].section" in _broken(["rules", 0, "section"], "nowhere")
    assert "format" in _broken(["format"], "other/9")
    assert "inputs[0].kind" in _broken(["inputs", 0, "kind"], "text")
    assert "rules[1].condition" in _broken(["rules", 1, "condition"], {"bogus": 1})
    assert "lets[0].name" in _broken(["lets", 0, "name"], KeyError)
    assert "not a declared input" in _broken(["lets", 0, "expr"], {"test": "known", "input": "nope"})
    with pytest.raises(GuidelineError):
        from_data([1, 2])
