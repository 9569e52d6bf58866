"""The words of ``guidegraph run``'s text report for the values of a case: case values, computed values and the
"because" literals, in the reader's words where the guideline gives them (an input's label, its values' labels,
its unit's display form: see ``engine.core.vocabulary``), else as the author wrote them. The JSON report keeps
the author's text and the raw names (the contract)."""

from __future__ import annotations

from engine.core.model import Atom, FactValue, KnownTest, Model, NumTest
from engine.core.values import fact_text
from engine.core.walk import iter_atoms
from engine.core.words import atom_words
from engine.evaluate.result import Because

__all__ = ["_computed", "_input_ref", "because_text", "value_text"]


def value_text(model: Model, name: str, value: FactValue | None, named: bool = False) -> str:
    """A case value as a reader says it: ``deep``, ``grade 3``, ``8 cm``, ``mdt_reviewed yes``; with ``named``
    (several inputs behind one derived value) always with the input's name: ``sbp 180 mmHg``."""
    words = model.vocabulary
    inp = model.input_or_derived(name)
    shown_name = inp.label if inp is not None and inp.label else name
    if value is None:
        return f"{shown_name} unknown"
    prefix = f"{shown_name} " if named else ""
    if name in model.derived and isinstance(value, float) and not hasattr(value, "high"):  # 4 significant digits
        value = float(f"{value:.4g}")
    label = words.label(name, value)
    if label is not None:  # the author's words for the value say it all: "HFrEF", "Not pregnant"
        return f"{shown_name}: {label}" if named else label
    if isinstance(value, str) and not isinstance(value, bool):
        return prefix + value
    if inp is not None and inp.kind in ("number", "integer") and inp.unit:
        return prefix + words.with_unit(fact_text(value, yes_no=True), inp.unit)
    return f"{shown_name} {fact_text(value, yes_no=True)}"


def _computed(model: Model, name: str, value: object) -> str:
    """A computed value on its own: ``high``, ``4``, ``52.31 mL_per_min``, ``unknown``."""
    if value is None:
        return "unknown"
    if isinstance(value, float) and not hasattr(value, "high"):
        value = float(f"{value:.4g}")
    unit = model.input_of(name).unit
    label = model.vocabulary.label(name, value)
    if label is not None:
        return label
    text = fact_text(value, yes_no=True)
    return model.vocabulary.with_unit(text, unit) if unit and not isinstance(value, str) else text


_ATOMS: dict[int, tuple[Model, dict[str, Atom]]] = {}


def _atom(model: Model, text: str) -> Atom | None:
    """The test of ``model`` written ``text`` (the "because" lists carry the author's text)."""
    cached = _ATOMS.get(id(model))
    if cached is None or cached[0] is not model:
        found: dict[str, Atom] = {}
        conds = [*(r.condition for r in model.rules), *(let.expr for let in model.lets.values())]
        for cond in conds:
            for a in iter_atoms(cond, model.lets):
                if a.text:
                    found.setdefault(a.text, a)
        cached = _ATOMS[id(model)] = (model, found)
    return cached[1].get(text)


def _worded(model: Model, b: Because) -> str | None:
    """A literal in the reader's words when the guideline gives any for it (an input's label, its values' labels,
    its unit's display form): ``Heart failure: HFrEF``, ``Not pregnant``, ``Systolic BP < 80 mmHg (70 mmHg)``;
    None to keep the author's text (``size_cm > 5 cm (8 cm)``)."""
    negated = b.condition.startswith("not (") and b.condition.endswith(")")
    atom = _atom(model, b.condition[5:-1] if negated else b.condition)
    if atom is None or isinstance(atom, KnownTest):
        return None
    inp = model.input_or_derived(atom.input)
    computed = isinstance(atom, NumTest) and atom.input in model.derived  # a number let: ``crcl >= 15 mL/min``
    if inp is None or (atom.input not in model.inputs and atom.input not in model.vocabulary.values
                       and not computed):
        return None
    words = model.vocabulary
    if not (inp.label or atom.input in words.values or (inp.unit and inp.unit in words.units)):
        return None
    text = atom_words(model, atom, negated)
    if isinstance(atom, NumTest):
        shown = [value_text(model, n, v) for n, v in b.values if n == atom.input and v is not None]
    else:  # a classification: the values it was computed from
        shown = [value_text(model, n, v, named=True) for n, v in b.values if n != atom.input]
    return text + (f" ({', '.join(shown)})" if shown else "")


def because_text(model: Model, b: Because) -> str:
    """``high_risk: grade 3, deep, 8 cm`` for a let, ``size_cm > 5 cm (8 cm)`` for a literal; in the reader's
    words where the guideline gives them (``Intermediate or high grade: FNCLCC grade 3``, ``Heart failure:
    HFrEF``, ``Mitoses > 5/5 mm² (7/5 mm²)``)."""
    name = b.condition.removeprefix("not ")
    several = len(b.values) > 1 and name not in model.lets  # a relation or category over several inputs
    values = [value_text(model, n, v, named=several) for n, v in b.values]
    if name in model.lets:
        let = model.lets[name]
        head = b.condition if not let.label else (let.label if name == b.condition else f"not ({let.label})")
        return f"{head}: {', '.join(values)}" if values else head
    worded = _worded(model, b)
    if worded is not None:
        return worded
    said = {b.condition, f"not {b.condition}"}  # ``reviewed``, ``site == uterus``: the value is in the text
    shown = [v for (n, raw), v in zip(b.values, values, strict=True)
             if raw is None or not ({n, f"not {n}"} & said or b.condition.endswith(f"== {raw}"))]
    return b.condition + (f" ({', '.join(shown)})" if shown else "")


def _input_ref(model: Model, name: str) -> str:
    """``Tumour size (size_cm)``: the label a clinician reads, and the name a case file uses."""
    inp = model.input_or_derived(name)
    return f"{inp.label} ({name})" if inp is not None and inp.label else name
