"""The syntax tree of a rules file, exactly as written.

Every node is a frozen, slotted dataclass whose last field is its ``span``; spans are excluded from equality so
that two files that differ only in layout parse to equal trees (the formatter relies on this). Names that may
refer to an input, a ``let`` or an enum value are kept as :class:`Name`: deciding which is the resolver's job,
not the parser's. The parser only builds these nodes; it never checks meaning.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dsl.span import NO_SPAN, Span

# ---------------------------------------------------------------------------------------------------------------
# Literals and names


@dataclass(frozen=True, slots=True)
class Name:
    """An identifier used as a value: an input, a ``let``, an enum value, a rule or an action."""

    name: str
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Number:
    """A number as written (``5``, ``1.8``), with an optional unit (``5 cm``)."""

    value: int | float
    unit: str | None = None
    text: str = ""  # the digits as written, so the formatter can keep ``2.0`` as ``2.0``
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Range:
    """An inclusive range ``low..high`` with one optional unit for both ends (``50..60 Gy``)."""

    low: Number
    high: Number
    unit: str | None = None
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Bool:
    value: bool
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class String:
    """A double-quoted string; ``value`` has its escapes already decoded."""

    value: str
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Bound:
    """A comparison as a parameter value (``systolic: < 130 mmHg``): a target or a limit, kept as the author wrote
    it rather than turned into a range whose far end nobody stated."""

    op: str
    value: Number
    span: Span = field(default=NO_SPAN, compare=False)


Value = Name | Number | Range | Bool | String | Bound

# ---------------------------------------------------------------------------------------------------------------
# Conditions


@dataclass(frozen=True, slots=True)
class Compare:
    """``subject OP value`` with OP one of ``== != < <= > >=``."""

    subject: Name
    op: str
    value: Name | Number | Bool
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class InSet:
    """``subject in {a, b}``."""

    subject: Name
    values: tuple[Name | Number | Bool, ...]
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class InRange:
    """``subject in low..high`` (inclusive at both ends)."""

    subject: Name
    range: Range
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class IsKnown:
    """``subject is known`` (``known=True``) or ``subject is unknown`` (``known=False``)."""

    subject: Name
    known: bool
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Cond, ...]
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Cond, ...]
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Not:
    item: Cond
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Implies:
    """``a implies b``: the weakest binding operator, used mostly by ``assume``."""

    left: Cond
    right: Cond
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Paren:
    """Parentheses as written; kept so the formatter can reproduce the author's grouping."""

    item: Cond
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Relation:
    """``left OP right`` where a side is more than a name or a number (``sbp - dbp > 20 mmHg``,
    ``count of {a, b} >= 2``); ``sbp > dbp`` (two names) is a :class:`Compare` that the resolver reads as a
    relation."""

    left: NumExpr
    op: str
    right: NumExpr
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Between:
    """``expr in low..high`` where ``expr`` is more than a name."""

    subject: NumExpr
    range: Range
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Member:
    """``value in set_input`` (``imatinib in prior_therapy``)."""

    value: Name | Number | Bool
    subject: Name
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class AtLeast:
    """``at least N of {c1, c2, ...}``: at least N of the conditions hold."""

    n: Number
    items: tuple[Cond, ...]
    span: Span = field(default=NO_SPAN, compare=False)


# ---- numbers from numbers


@dataclass(frozen=True, slots=True)
class Arith:
    """``left OP right`` with OP one of ``+ - * /``."""

    left: NumExpr
    op: str
    right: NumExpr
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Neg:
    """``-x``."""

    item: NumExpr
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Call:
    """``min(a, b, ...)``, ``max(...)``, ``abs(x)`` (the resolver checks the name and the arguments)."""

    func: Name
    args: tuple[Cond, ...]
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Count:
    """``count of {c1, c2, ...}``: how many of the conditions hold."""

    items: tuple[Cond, ...]
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class CountSet:
    """``count of set_input``: how many members the set holds."""

    subject: Name
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Point:
    """``COND: N`` inside ``points {...}``."""

    cond: Cond
    points: Number
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Points:
    """``points {c1: n1, c2: n2, ...}``: the sum of the points of the conditions that hold (a score)."""

    items: tuple[Point, ...]
    span: Span = field(default=NO_SPAN, compare=False)


NumExpr = Arith | Neg | Call | Count | CountSet | Points | Name | Number | Paren | Bool
"""What the parser accepts where a number is meant (the resolver checks that it is one)."""

# A bare Name in a condition is a ``let`` or a bool input; a Bool is ``true``/``false``. Numbers from numbers may
# stand where a condition is expected as far as the grammar goes (one hierarchy): the resolver says where not.
Cond = (Compare | InSet | InRange | IsKnown | And | Or | Not | Implies | Paren | Name | Bool | Relation | Between
        | Member | AtLeast | Arith | Neg | Call | Count | CountSet | Points | Number)

# ---------------------------------------------------------------------------------------------------------------
# Declarations


@dataclass(frozen=True, slots=True)
class NumberType:
    """``number [UNIT] [in LOW..HIGH]`` or ``integer [UNIT] [in LOW..HIGH]``."""

    integer: bool
    unit: str | None
    range: Range | None
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class BoolType:
    """``bool`` or ``bool {true "Pregnant", false "Not pregnant"}``: the words for its answers (either or both)."""

    span: Span = field(default=NO_SPAN, compare=False)
    labels: tuple[tuple[Bool, String], ...] = ()


@dataclass(frozen=True, slots=True)
class EnumType:
    """``{a, b, c}`` or ``{1, 2, 3}``."""

    values: tuple[Name | Number, ...]
    span: Span = field(default=NO_SPAN, compare=False)
    labels: tuple[String | None, ...] = ()
    """Per value, the words people read for it (``{hfref "HFrEF", ...}``), None where none is given; empty when
    no value has a label."""


@dataclass(frozen=True, slots=True)
class SetType:
    """``set of {a, b, c}``: any subset of the values (treatment history)."""

    values: EnumType
    span: Span = field(default=NO_SPAN, compare=False)


InputType = NumberType | BoolType | EnumType | SetType


@dataclass(frozen=True, slots=True)
class Header:
    """``guideline "Title" version "2026.1"``."""

    title: String
    version: String | None
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Reference:
    """``reference 6 "text"``."""

    number: Number
    text: String
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Input:
    """``input NAME ["label"]: TYPE``."""

    name: Name
    label: String | None
    type: InputType
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Assume:
    """``assume COND``: patients for whom COND is false do not exist."""

    cond: Cond
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Let:
    """``let NAME ["label"] [: number UNIT in LOW..HIGH] = COND``: a named, reportable condition, or a number
    computed from numbers (``type`` declares its unit and range; without it they are inferred)."""

    name: Name
    label: String | None
    cond: Cond
    span: Span = field(default=NO_SPAN, compare=False)
    type: NumberType | None = None


@dataclass(frozen=True, slots=True)
class ParamDecl:
    """One declared action parameter: ``dose: Gy`` (a number in Gy), ``n: number``, ``note: text``,
    ``timing: {preoperative, postoperative}``. ``type`` is a Name (``number``, ``integer``, ``text`` or a unit)
    or an EnumType."""

    name: Name
    type: Name | EnumType
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Action:
    """``action NAME[(params)] ["label"] [modality M]``."""

    name: Name
    params: tuple[ParamDecl, ...]
    label: String | None
    modality: Name | None
    span: Span = field(default=NO_SPAN, compare=False)


# ---------------------------------------------------------------------------------------------------------------
# Sections and rules


@dataclass(frozen=True, slots=True)
class Arg:
    """``name: value`` in a recommendation, e.g. ``dose: 50..60 Gy``."""

    name: Name
    value: Value
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Recommend:
    """``STRENGTH action[(args)] [prevails]`` with STRENGTH one of must, recommend, consider, not_recommended,
    never. ``prevails`` (negative strengths only, checked by the resolver): the entry sets aside every positive
    entry of other rules on the same action, without naming them. ``attrs``: the entry's own ``[evidence "...",
    preference p]`` (in the order written), which take the place of the rule's for this entry."""

    strength: str
    action: Name
    args: tuple[Arg, ...]
    span: Span = field(default=NO_SPAN, compare=False)
    prevails: bool = False
    attrs: tuple[Attr, ...] = ()


@dataclass(frozen=True, slots=True)
class When:
    cond: Cond
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Evidence:
    text: String
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Cite:
    numbers: tuple[Number, ...]
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Source:
    text: String
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Footnote:
    text: String
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Preference:
    """``preference preferred|other|certain_circumstances`` (validated by the resolver)."""

    value: Name
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Overrides:
    """``overrides a, b.x``: ``rules`` are the rules named; ``actions`` gives, per target, the action after the
    dot (``b.x`` sets aside only rule b's entry on action x) or None for a whole rule (empty: all whole rules)."""

    rules: tuple[Name, ...]
    span: Span = field(default=NO_SPAN, compare=False)
    actions: tuple[Name | None, ...] = ()

    def targets(self) -> tuple[tuple[Name, Name | None], ...]:
        """Per target, (rule, action or None)."""
        acts = self.actions or (None,) * len(self.rules)
        return tuple(zip(self.rules, acts, strict=True))


Attr = Evidence | Preference
"""What the brackets after an entry may hold."""

@dataclass(frozen=True, slots=True)
class Choice:
    """``STRENGTH one_of(a[(args)] [attrs], b, ...)``: one recommendation with alternatives. Each alternative is a
    :class:`Recommend` with the choice's strength (never ``prevails``). ``kind``: ``one_of`` (the patient gets one
    of them) or ``any_of`` (one or more)."""

    strength: str
    alternatives: tuple[Recommend, ...]
    span: Span = field(default=NO_SPAN, compare=False)
    kind: str = "one_of"


@dataclass(frozen=True, slots=True)
class Adjust:
    """``adjust action(args)``: wherever the rule applies (and is not set aside), the action's parameters named in
    ``args`` take these values in the verdict of every positive recommendation of the action, whose strength is
    unchanged (e.g. a dose exception: ``adjust imatinib(dose: 800 mg_per_day)``)."""

    action: Name
    args: tuple[Arg, ...]
    span: Span = field(default=NO_SPAN, compare=False)


Clause = When | Recommend | Choice | Adjust | Evidence | Cite | Source | Footnote | Preference | Overrides


@dataclass(frozen=True, slots=True)
class Rule:
    """``rule NAME ["label"]:`` followed by its clauses in the order written. The grammar accepts clauses in
    any order; the resolver reports duplicates (two ``when``) and omissions (no strength)."""

    name: Name
    label: String | None
    clauses: tuple[Clause, ...]
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Cover:
    """``cover ACTION ["NOTE"] [when COND]``: in this region every patient must get some position on ACTION;
    ``note`` says what the source leaves open there (shown with the patients the guideline does not address)."""

    action: Name
    cond: Cond | None
    span: Span = field(default=NO_SPAN, compare=False)
    note: String | None = None


@dataclass(frozen=True, slots=True)
class Todo:
    """``todo "text"``: a part of the source the rules do not encode yet."""

    text: String
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class QuestionOrder:
    """``question_order a, b [as_sequence]`` (a section item): the section's figure asks about ``a``, then ``b``,
    then the questions it does not name in the order the layout finds best; ``sequence``: the answers to the first
    question are drawn side by side as the stages of a sequence (lines of therapy, years of follow-up)."""

    names: tuple[Name, ...]
    span: Span = field(default=NO_SPAN, compare=False)
    sequence: bool = False


SectionItem = Rule | Cover | Todo | QuestionOrder


@dataclass(frozen=True, slots=True)
class Section:
    """``section NAME ["title"] [when COND]:`` followed by rules, covers and todos."""

    name: Name
    label: String | None
    guard: Cond | None
    items: tuple[SectionItem, ...]
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Together:
    """``never_together a, b [when COND] [cite N] [source "..."]`` (top level): no patient (for whom COND holds)
    may get an active positive entry on two of the actions."""

    actions: tuple[Name, ...]
    cond: Cond | None
    cite: Cite | None
    source: String | None
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class ClassBranch:
    """``when COND then VALUE`` of a classification."""

    cond: Cond
    value: Name
    span: Span = field(default=NO_SPAN, compare=False)
    label: String | None = None


@dataclass(frozen=True, slots=True)
class Classify:
    """``classify NAME ["label"] [first_match]:`` then ``when COND then VALUE`` branches and an optional
    ``otherwise VALUE``: a derived category. Without ``first_match`` the branches must not overlap (``check``
    proves it); with it, the first branch that holds decides."""

    name: Name
    label: String | None
    first_match: bool
    branches: tuple[ClassBranch, ...]
    otherwise: Name | None
    span: Span = field(default=NO_SPAN, compare=False)
    otherwise_label: String | None = None


@dataclass(frozen=True, slots=True)
class UnitDecl:
    """``unit mg_per_day "mg/day"``: how a unit name is printed for people (conditions, cases and JSON keep the
    name)."""

    name: Name
    display: String
    span: Span = field(default=NO_SPAN, compare=False)


Decl = Reference | Input | Assume | Let | Action | Together | Section | Classify | UnitDecl


@dataclass(frozen=True, slots=True)
class Comment:
    """``# text`` (``text`` excludes the ``#``); kept so the formatter can put it back."""

    text: str
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class File:
    """A whole rules file: the header, its declarations in order, and its comments."""

    header: Header
    decls: tuple[Decl, ...]
    comments: tuple[Comment, ...] = field(default=(), compare=False)
    span: Span = field(default=NO_SPAN, compare=False)
