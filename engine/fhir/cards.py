"""One patient's result as CDS Hooks cards: what a clinician reads in the record, one card per verdict.

A card's ``summary`` (under 140 characters, the spec's limit) says the strength and the action; its ``indicator``
comes from the strength (``critical`` for never, ``warning`` for not_recommended and for conflicting rules,
``info`` for must/recommend/consider and the weak negative may_omit); its ``detail`` (Markdown) gives the
parameters, the conditions that held, each rule's source sentence, evidence and references, and the notes, so the
card can be checked against the guideline without leaving the record. An action the map lists under ``orders``
carries a suggestion: a draft ServiceRequest or MedicationRequest the clinician may accept (never for a negative
verdict). Then one card for
what is pending ("Enter margin to decide ...": the inputs that would decide more recommendations), and one for
values in the record the map could not read. The order is the result's: strongest first within each section.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from engine.core.model import Model, ParamValue, Strength
from engine.evaluate.result import Result, Verdict
from engine.fhir.extract import Unread
from engine.fhir.mapfile import FhirMap, Order

SUMMARY_MAX = 139
"""The CDS Hooks specification: a card's summary "SHALL be less than 140 characters"."""

WORDS = {Strength.MUST: "Required", Strength.RECOMMEND: "Recommended", Strength.CONSIDER: "Consider",
         Strength.MAY_OMIT: "May be omitted", Strength.NOT_RECOMMENDED: "Not recommended", Strength.NEVER: "Never"}
INDICATOR = {Strength.MUST: "info", Strength.RECOMMEND: "info", Strength.CONSIDER: "info",
             Strength.MAY_OMIT: "info", Strength.NOT_RECOMMENDED: "warning", Strength.NEVER: "critical"}


def short(text: str, limit: int = SUMMARY_MAX) -> str:
    """``text`` cut to ``limit`` characters at a word, with an ellipsis when cut.

    >>> short("Recommended: Radiation therapy", 24)
    'Recommended: Radiation…'
    """
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:") + "…"


def _params(params: tuple[tuple[str, ParamValue], ...]) -> str:
    return ", ".join(f"{name.replace('_', ' ')}: {value}" for name, value in params)


def _label(model: Model, action: str) -> str:
    decl = model.actions.get(action)
    return decl.label if decl is not None and decl.label else action


def _card_id(seed: str, *parts: str) -> str:
    """A uuid stable for one hook call (the hookInstance) and one card, so feedback can name the card."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join((seed, *parts))))


class CardMaker:
    """Builds the cards of one guideline and map; made once when the service starts."""

    def __init__(self, model: Model, fmap: FhirMap, source_label: str | None = None) -> None:
        self.model = model
        self.fmap = fmap
        self.rules = {r.name: r for r in model.rules}
        version = f" {model.version}" if model.version else ""
        self.source = {"label": source_label or f"{model.title}{version} (guidegraph)"}

    def cards(self, result: Result, patient: str | None, seed: str, unread: Sequence[Unread] = ()) -> list[
            dict[str, Any]]:
        """Every card for one result: one per verdict, then pending, then unread values."""
        out = [self.verdict_card(v, patient, seed) for v in result.actions]
        pending = self.pending_card(result, seed)
        if pending is not None:
            out.append(pending)
        if unread:
            out.append(self.unread_card(unread, seed))
        return out

    def verdict_card(self, v: Verdict, patient: str | None, seed: str) -> dict[str, Any]:
        label = _label(self.model, v.action)
        if v.strength is None:
            summary, indicator = f"Conflicting recommendations: {label}", "warning"
        else:
            params = _params(v.params)
            summary = f"{WORDS[v.strength]}: {label}" + (f" ({params})" if params else "")
            indicator = INDICATOR[v.strength]
        card: dict[str, Any] = {"uuid": _card_id(seed, v.action), "summary": short(summary),
                                "indicator": indicator, "detail": self.detail(v), "source": self.source}
        order = self.fmap.orders.get(v.action)
        if order is not None and v.strength is not None and v.strength.positive:
            card["suggestions"] = [self.suggestion(order, v, label, patient, seed)]
            card["selectionBehavior"] = "at-most-one"
        return card

    def detail(self, v: Verdict) -> str:
        """The card's Markdown: what, why, from which sentence of the guideline, how strong the evidence."""
        lines: list[str] = []
        if v.params:
            lines.append(f"**{_params(v.params)}**")
        if v.strength is None:
            lines.append("Rules of both polarities apply to this patient, and neither overrides the other: "
                         "the guideline does not decide.")
        if v.because:
            lines.append("Because: " + "; ".join(str(b) for b in v.because) + ".")
        for backing in v.rules:
            rule = self.rules.get(backing.rule)
            word = backing.strength.value.replace("_", " ")
            line = f"- *{backing.label or backing.rule}* ({word})"
            if rule is not None and rule.source:
                line += f': "{rule.source}"'
            lines.append(line)
        if v.evidence:
            lines.append("Evidence: " + "; ".join(v.evidence) + ".")
        if v.citations:
            refs = ", ".join(f"[{n}] {self.model.references.get(n, '')}".rstrip() for n in v.citations)
            lines.append(f"References: {refs}.")
        lines += [f"Note: {n}" for n in v.notes]
        return "\n\n".join(lines)

    def suggestion(self, order: Order, v: Verdict, label: str, patient: str | None, seed: str) -> dict[str, Any]:
        system, code = order.code
        concept = {"coding": [{"system": system, "code": code, "display": order.display or label}],
                   "text": order.display or label}
        resource: dict[str, Any] = {"resourceType": order.resource, "status": "draft", "intent": "proposal"}
        if order.resource == "MedicationRequest":
            resource["medicationCodeableConcept"] = concept
        else:
            resource["code"] = concept
        if patient:
            resource["subject"] = {"reference": f"Patient/{patient}"}
        if v.params:
            resource["note"] = [{"text": _params(v.params)}]
        return {"label": short(f"Order: {label}"), "uuid": _card_id(seed, v.action, "order"),
                "isRecommended": v.strength in (Strength.MUST, Strength.RECOMMEND),
                "actions": [{"type": "create", "description": short(f"Order {label}"), "resource": resource}]}

    def pending_card(self, result: Result, seed: str) -> dict[str, Any] | None:
        """"Enter X, Y to decide N more recommendations", or None when nothing waits on data."""
        waiting: dict[str, list[str]] = {}
        for p in result.pending:
            for name in p.needs:
                item = f"{p.strength.value.replace('_', ' ')} {_label(self.model, p.action)}"
                if item not in waiting.setdefault(name, []):
                    waiting[name].append(item)
        if not waiting:
            return None
        names = [self._input(n) for n in waiting]
        n = len({(p.action, p.strength) for p in result.pending})
        summary = f"Enter {_join(names)} to decide {n} more recommendation{'s' if n != 1 else ''}"
        detail = "\n".join(f"- **{self._input(name)}** decides: {'; '.join(items)}"
                           for name, items in waiting.items())
        return {"uuid": _card_id(seed, "pending"), "summary": short(summary), "indicator": "info",
                "detail": "The record does not hold these data, so these recommendations are not decided yet:\n\n"
                          + detail, "source": self.source}

    def unread_card(self, unread: Iterable[Unread], seed: str) -> dict[str, Any]:
        items = list(unread)
        names = _join(list(dict.fromkeys(self._input(u.input) for u in items)))
        return {"uuid": _card_id(seed, "unread"), "summary": short(f"Record values not used: {names}"),
                "indicator": "warning", "source": self.source,
                "detail": "These values are in the record but could not be read without guessing, so they were "
                          "left unknown:\n\n" + "\n".join(f"- {u.message()}" for u in items)}

    def problem_card(self, messages: Sequence[str], seed: str) -> dict[str, Any]:
        """The one card for a record the guideline cannot be applied to (e.g. it breaks an assumption)."""
        return {"uuid": _card_id(seed, "problem"), "summary": "The guideline cannot be applied: the record is "
                "inconsistent", "indicator": "warning", "source": self.source,
                "detail": "\n".join(f"- {m}" for m in messages)}

    def _input(self, name: str) -> str:
        inp = self.model.inputs.get(name)
        return inp.label if inp is not None and inp.label else name


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
