"""The fast path stores ``because`` lazily; a Recommendation must look the same either way."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import engine
from engine.core.model import Strength
from engine.evaluate.result import Because, CaseBecause, LazyBecause, Recommendation

LMS = str(Path(__file__).resolve().parent.parent / "rules" / "lms.rules")
FACTS = {"phase": "treatment", "extent": "localized", "site": "extremity", "depth": "deep", "size_cm": 8.0, "grade": 3,
         "rt_timing": "postoperative", "imaging_done": True, "nodes": "clinically_negative", "sex": "female",
         "menopausal_status": "postmenopausal",
         "prior_doxorubicin": False, "lung_metastases": False, "mdt_reviewed": False, "margin": "wide",
         "years_since_treatment": 1.0, "age": 50.0, "vascular_invasion": False, "necrosis": False,
         "dna_aneuploidy": False, "mitotic_rate": "low", "ajcc_stage": 3}


def test_fast_and_slow_paths_agree_and_later_changes_to_the_facts_do_not_leak() -> None:
    g = engine.load(LMS)
    facts = dict(FACTS)
    fast = g.evaluate(facts, "c")
    raw = Recommendation.__dict__["because"].member  # the slot itself, without computing anything
    assert any(type(raw.__get__(r)) is CaseBecause for r in fast.recommendations), "the fast path was not used"
    facts["size_cm"] = 99.0  # the caller reuses its dict: the lazy lists must still show 8
    slow = g.evaluator.walk(dict(FACTS, size_cm=8.0), "c")
    assert fast == slow
    size = [b for r in fast.recommendations for b in r.because if b.condition.startswith("size_cm")]
    assert size and all(dict(b.values)["size_cm"] == 8.0 for b in size)


def test_a_lazy_recommendation_is_an_ordinary_one() -> None:
    calls: list[int] = []

    def make() -> tuple[Because, ...]:
        calls.append(1)
        return (Because("x == 1", (("x", 1),)),)

    eager = Recommendation("a", Strength.MUST, "r", "s", because=make())
    lazy = Recommendation("a", Strength.MUST, "r", "s", because=LazyBecause(make))  # type: ignore[arg-type]
    assert type(lazy) is Recommendation
    assert lazy == eager and repr(lazy) == repr(eager) and lazy.to_dict() == eager.to_dict()
    assert calls == [1, 1]
    _ = lazy.because
    assert calls == [1, 1]  # computed once, then kept
    assert pickle.loads(pickle.dumps(lazy)) == eager
    assert dataclasses.asdict(lazy) == dataclasses.asdict(eager)


def test_the_recommendations_of_a_case_share_one_lazy_because_each_read_for_its_own_rule() -> None:
    g = engine.load(LMS)
    fast = g.evaluate(dict(FACTS), "c")
    raw = Recommendation.__dict__["because"].member
    lazies = {id(raw.__get__(r)) for r in fast.recommendations}
    assert len(fast.recommendations) > 1 and len(lazies) == 1
    slow = g.evaluator.walk(dict(FACTS), "c")
    assert [r.because for r in fast.recommendations] == [r.because for r in slow.recommendations]
    assert all(type(raw.__get__(r)) is tuple for r in fast.recommendations)  # computed once, then kept


def test_a_case_lazy_recommendation_is_an_ordinary_one() -> None:
    made = (Because("x == 1", (("x", 1),)),)
    lazy = Recommendation("a", Strength.MUST, "r", "s",
                          because=CaseBecause({"r": lambda facts, lets: made}, {"x": 1}, ()))  # type: ignore[arg-type]
    eager = Recommendation("a", Strength.MUST, "r", "s", because=made)
    assert lazy == eager and repr(lazy) == repr(eager) and lazy.to_dict() == eager.to_dict()
    assert pickle.loads(pickle.dumps(lazy)) == eager
