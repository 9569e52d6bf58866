"""The guideline as CPG-on-FHIR: a PlanDefinition with one ActivityDefinition per action, in a collection Bundle.

Shape (FHIR R4; checked against the fhir.resources R4B models by the tests):

- the PlanDefinition (type ``clinical-protocol``) has one action per section, whose applicability condition is the
  section's guard, and within it one action per rule entry: ``title`` the rule's label, ``description`` the
  source sentence it encodes, ``textEquivalent`` the recommendation in words (strength, action, parameters, what
  overrides it), ``condition`` the rule's ``when`` as an applicability expression, ``definitionCanonical`` the
  action's ActivityDefinition (its ``-not`` twin, with ``doNotPerform``, for the negatives: may_omit,
  not_recommended and never);
- strength as the ``cqf-strengthOfRecommendation`` extension (GRADE's ``strong`` for must, recommend,
  not_recommended and never, ``weak`` for consider and may_omit; the text keeps guidegraph's word), evidence as
  ``cqf-qualityOfEvidence`` (the author's grade, as text: "Category 1" is no GRADE level), citations as
  ``relatedArtifact`` (``citation``, labelled by the reference number);
- conditions as ``text/fhirpath`` over one variable per input (``%size_cm > 5 and %grade in (2 | 3)``): FHIRPath's
  empty collection propagates as guidegraph's unknown does. The expression's ``description`` is the condition as
  the author wrote it. With a map, each rule action lists (``input``, a DataRequirement whose ``id`` is the
  input's name) where each variable is read from: resource type and codes. A condition form this module does not
  know is given as text only (``text/plain``).

What does not carry over: Catala-style overrides are not an applicability condition (the overriding rules are
named in ``textEquivalent``), and ``cover``/``todo`` have no place in a PlanDefinition.
"""

from __future__ import annotations

import math
import re
from typing import Any

from engine.core.model import And, Const, Expr, KnownTest, LetRef, Model, Not, NumTest, Or, Rule, Strength, ValueTest
from engine.core.values import json_number
from engine.fhir.mapfile import FhirMap

STRENGTH_URL = "http://hl7.org/fhir/StructureDefinition/cqf-strengthOfRecommendation"
EVIDENCE_URL = "http://hl7.org/fhir/StructureDefinition/cqf-qualityOfEvidence"
STRENGTH_SYSTEM = "http://terminology.hl7.org/CodeSystem/recommendation-strength"
GRADE = {Strength.MUST: "strong", Strength.RECOMMEND: "strong", Strength.CONSIDER: "weak",
         Strength.MAY_OMIT: "weak", Strength.NOT_RECOMMENDED: "strong", Strength.NEVER: "strong"}
WORDS = {Strength.MUST: "Must", Strength.RECOMMEND: "Recommend", Strength.CONSIDER: "Consider",
         Strength.MAY_OMIT: "May omit", Strength.NOT_RECOMMENDED: "Do not recommend", Strength.NEVER: "Never"}


def fhir_id(text: str) -> str:
    """A FHIR id (``[A-Za-z0-9.-]{1,64}``) from a name."""
    return re.sub(r"[^A-Za-z0-9.-]", "-", text)[:64] or "x"


def _literal(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return str(json_number(float(v)))
    return "'" + str(v).replace("\\", "\\\\").replace("'", "\\'") + "'"


def fhirpath(e: Expr, model: Model) -> str | None:
    """``e`` as FHIRPath over ``%input`` variables (lets expanded), or None for a form not translated.

    >>> from engine.core.model import ValueTest
    >>> fhirpath(ValueTest("grade", frozenset({2, 3})), Model("t", None, "", {}, {}, {}, (), {}, (), (), (), ()))
    '%grade in (2 | 3)'
    """
    match e:
        case Const(value):
            return _literal(value)
        case ValueTest(name, values):
            items = sorted(values, key=lambda v: (isinstance(v, str), str(v)))
            if len(items) == 1:
                return f"%{name} = {_literal(items[0])}"
            return f"%{name} in ({' | '.join(_literal(v) for v in items)})"
        case NumTest(name, iv):
            parts = []
            if iv.low is not None and not math.isinf(iv.low):
                parts.append(f"%{name} {'>=' if iv.low_closed else '>'} {_literal(iv.low)}")
            if iv.high is not None and not math.isinf(iv.high):
                parts.append(f"%{name} {'<=' if iv.high_closed else '<'} {_literal(iv.high)}")
            return " and ".join(parts) or f"%{name}.exists()"
        case KnownTest(name):
            return f"%{name}.exists()"
        case LetRef(name):
            let = model.lets.get(name)
            inner = None if let is None else fhirpath(let.expr, model)
            return None if inner is None else f"({inner})"
        case And(items) | Or(items):
            parts2 = [fhirpath(i, model) for i in items]
            if any(p is None for p in parts2):
                return None
            word = " and " if isinstance(e, And) else " or "
            return word.join(f"({p})" if " " in str(p) and not str(p).startswith("(") else str(p) for p in parts2)
        case Not(item):
            inner = fhirpath(item, model)
            return None if inner is None else f"({inner}).not()"
        case _:
            return None


def _expression(e: Expr, text: str, model: Model) -> dict[str, Any]:
    path = fhirpath(e, model)
    if path is None:
        return {"language": "text/plain", "expression": text or "(not expressible)", "description": text}
    out = {"language": "text/fhirpath", "expression": path}
    return out | ({"description": text} if text else {})


def _condition_text(e: Expr, model: Model) -> str:
    """The condition as the author wrote it (atoms' text, lets by name)."""
    match e:
        case Const(value):
            return "true" if value else "false"
        case ValueTest() | NumTest() | KnownTest():
            return e.text or e.input
        case LetRef(name):
            return name
        case And(items) | Or(items):
            word = " and " if isinstance(e, And) else " or "
            return word.join(f"({_condition_text(i, model)})" if isinstance(i, And | Or) else
                             _condition_text(i, model) for i in items)
        case Not(item):
            return f"not ({_condition_text(item, model)})"
        case _:
            return "(condition)"


class _Builder:
    def __init__(self, model: Model, fmap: FhirMap | None, base: str) -> None:
        self.model = model
        self.fmap = fmap
        self.base = base
        self.used: dict[tuple[str, bool], None] = {}

    def canonical(self, action: str, negative: bool) -> str:
        self.used[(action, negative)] = None
        return f"{self.base}/ActivityDefinition/{fhir_id(action)}{'-not' if negative else ''}"

    def inputs(self, e: Expr) -> list[dict[str, Any]]:
        from engine.core.walk import inputs_read

        if self.fmap is None:
            return []
        out = []
        for name in inputs_read(e, self.model):
            for source in self.fmap.inputs.get(name, ())[:1]:
                req: dict[str, Any] = {"id": name, "type": source.resource}  # the %variable it defines
                if source.codes:
                    req["codeFilter"] = [{"path": "code", "code": [{"system": s, "code": c}
                                                                   for s, c in sorted(source.codes)]}]
                out.append(req)
        return out

    def rule_actions(self, rule: Rule) -> list[dict[str, Any]]:
        out = []
        for entry in rule.entries:
            decl = self.model.actions.get(entry.action)
            label = decl.label if decl is not None and decl.label else entry.action
            params = ", ".join(f"{n.replace('_', ' ')}: {v}" for n, v in entry.params)
            words = f"{WORDS[entry.strength]}: {label}" + (f" ({params})" if params else "")
            if rule.overrides:
                words += f". Set aside when one of these rules applies: {', '.join(rule.overrides)}."
            action: dict[str, Any] = {
                "id": f"{rule.name}.{entry.action}", "title": rule.label or rule.name,
                "textEquivalent": words,
                "extension": [{"url": STRENGTH_URL, "valueCodeableConcept": {
                    "coding": [{"system": STRENGTH_SYSTEM, "code": GRADE[entry.strength]}],
                    "text": entry.strength.value}}],
                "definitionCanonical": self.canonical(entry.action, not entry.strength.positive)}
            evidence = rule.evidence_of(entry)
            if evidence:
                action["extension"].append({"url": EVIDENCE_URL, "valueCodeableConcept": {"text": evidence}})
            if rule.source:
                action["description"] = rule.source
            if not (isinstance(rule.when, Const) and rule.when.value):
                action["condition"] = [{"kind": "applicability", "expression": _expression(
                    rule.when, _condition_text(rule.when, self.model), self.model)}]
                if found := self.inputs(rule.when):
                    action["input"] = found
            cites = [self._citation(n) for n in rule.citations]
            if cites:
                action["documentation"] = cites
            out.append(action)
        return out

    def _citation(self, n: int) -> dict[str, Any]:
        return {"type": "citation", "label": str(n), "display": self.model.references.get(n, f"Reference {n}")}

    def activity(self, action: str, negative: bool) -> dict[str, Any]:
        decl = self.model.actions.get(action)
        label = decl.label if decl is not None and decl.label else action
        out: dict[str, Any] = {
            "resourceType": "ActivityDefinition", "id": fhir_id(action) + ("-not" if negative else ""),
            "url": f"{self.base}/ActivityDefinition/{fhir_id(action)}{'-not' if negative else ''}",
            "name": re.sub(r"\W", "_", action) + ("_not" if negative else ""),
            "title": ("Do not: " if negative else "") + label, "status": "draft"}
        if decl is not None:
            out["topic"] = [{"text": decl.modality}]
        order = self.fmap.orders.get(action) if self.fmap is not None else None
        if order is not None:
            out["kind"] = order.resource
            out["code"] = {"coding": [{"system": order.code[0], "code": order.code[1]}], "text": label}
        else:
            out["code"] = {"text": label}
        if negative:
            out["doNotPerform"] = True
        return out


def plan_definition_bundle(model: Model, fmap: FhirMap | None, name: str) -> dict[str, Any]:
    """The collection Bundle: the PlanDefinition, then its ActivityDefinitions (in first-use order)."""
    pid = fhir_id(name)
    base = f"urn:guidegraph:{pid}"
    b = _Builder(model, fmap, base)
    sections = []
    for section in model.sections:
        rules = [r for r in model.rules if r.section == section.name]
        if not rules:
            continue
        act: dict[str, Any] = {"id": section.name, "title": section.label or section.name,
                               "action": [a for r in rules for a in b.rule_actions(r)]}
        if not (isinstance(section.guard, Const) and section.guard.value):
            act["condition"] = [{"kind": "applicability", "expression": _expression(
                section.guard, _condition_text(section.guard, model), model)}]
        sections.append(act)
    plan: dict[str, Any] = {
        "resourceType": "PlanDefinition", "id": pid, "url": f"{base}/PlanDefinition/{pid}",
        "name": re.sub(r"\W", "_", name), "title": model.title, "status": "draft",
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/plan-definition-type",
                             "code": "clinical-protocol"}]},
        "description": f"{model.title}: the rules of {model.file.rsplit('/', 1)[-1]} as a computable guideline "
                       "(exported by guidegraph). Conditions are FHIRPath over one variable per input (%name).",
        "relatedArtifact": [b._citation(n) for n in sorted(model.references)],
        "action": sections}
    if model.version:
        plan["version"] = model.version
    activities = [b.activity(a, neg) for a, neg in b.used]
    return {"resourceType": "Bundle", "id": f"{pid}-plan", "type": "collection",
            "entry": [{"fullUrl": r.get("url", f"{base}/{r['resourceType']}/{r['id']}"), "resource": r}
                      for r in (plan, *activities)]}
