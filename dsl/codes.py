"""The registry of diagnostic codes: one row per code the project emits, the single place they are written down.

Each :class:`Code` gives the code's severity, a short title, an explanation a guideline author can act on, and the
exit class a command ends with when that code is the worst thing it reports. SARIF rule metadata
(``guidegraph check --format sarif``) and ``docs/diagnostics.md`` are generated from :data:`CODES`; a test scans
the sources and fails when a code is emitted without a row here, with another severity, or when a row is stale.

Code ranges (stable: tools and tests rely on them):

- ``E0xx`` syntax (``dsl.parser``)
- ``E1xx``/``W1xx`` names, types, units and domains (``engine.resolve``)
- ``E2xx``/``W2xx``/``N2xx`` checker findings (``engine.checks``)
- ``E3xx`` case data (``engine.cases``)
- ``E4xx`` test expectations (``engine.cases.expect``)
- ``E5xx`` resource limits and rendering
- ``E9xx``/``W9xx`` files and usage (unreadable file, unwritable output, bad option)

Regenerate the reference page after editing the table::

    python -m dsl.codes docs/diagnostics.md

>>> CODES["E101"].severity, CODES["E101"].exit
('error', <ExitClass.FINDINGS: 1>)
"""

from __future__ import annotations

import enum
import re
import sys
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dsl.diagnostics import Severity


class ExitClass(enum.IntEnum):
    """The exit status of a command whose worst diagnostic has this code."""

    OK = 0
    """Notes: informational, never fail a command."""
    FINDINGS = 1
    """Something is wrong in the rules, the cases or the expectations (warnings: only under ``--strict``)."""
    USAGE = 2
    """The command could not do its job: a file that cannot be read or written, a bad option, ``dot`` failing."""


_LETTER: Mapping[str, Severity] = {"E": "error", "W": "warning", "N": "note"}
_CODE = re.compile(r"^[EWN]\d{3}$")


@dataclass(frozen=True, slots=True)
class Code:
    """One diagnostic code. The letter and the severity agree (E error, W warning, N note)."""

    code: str
    severity: Severity
    title: str
    """A few words, lower case, no final period: what went wrong (SARIF's ``shortDescription``)."""
    explanation: str
    """What it means and what to change, for a guideline author (SARIF's ``fullDescription``)."""
    exit: ExitClass

    def __post_init__(self) -> None:
        if not _CODE.match(self.code):
            raise ValueError(f"{self.code!r}: a code is a letter E, W or N and three digits")
        if _LETTER[self.code[0]] != self.severity:
            raise ValueError(f"{self.code}: the letter says {_LETTER[self.code[0]]}, the row says {self.severity}")
        wanted = {"note": (ExitClass.OK,), "warning": (ExitClass.FINDINGS,),
                  "error": (ExitClass.FINDINGS, ExitClass.USAGE)}[self.severity]
        if self.exit not in wanted:
            raise ValueError(f"{self.code}: a {self.severity} cannot exit with {self.exit.name}")
        if not self.title or self.title.endswith(".") or not self.explanation.endswith("."):
            raise ValueError(f"{self.code}: a title without a final period and an explanation ending with one")


@dataclass(frozen=True, slots=True)
class Range:
    """A range of codes (by the code's first two characters) and where they come from."""

    prefixes: tuple[str, ...]
    heading: str
    source: str


RANGES: tuple[Range, ...] = (
    Range(("E0",), "Syntax", "`dsl.parser`: the file does not follow the language's grammar"),
    Range(("E1", "W1"), "Names, types, units and domains", "`engine.resolve`: found without any patient data"),
    Range(("E2", "W2", "N2"), "Checker findings", "`engine.checks`: exact, over every allowed patient"),
    Range(("E3",), "Case data", "`engine.cases`: case files (YAML, JSON, CSV) and facts given from Python"),
    Range(("E4",), "Test expectations", "`engine.cases.expect`: the `expect:` block of a case"),
    Range(("E5",), "Limits and rendering", "`engine.compile`, `visualize`: resources and Graphviz"),
    Range(("E6", "W6"), "Clinical systems (FHIR)",
          "`engine.fhir`: FHIR map files, FHIR bundles (`run --fhir-map`, `serve`)"),
    Range(("E9", "W9"), "Files and usage", "every command: reading and writing files, options"),
)

_F, _U = ExitClass.FINDINGS, ExitClass.USAGE


def _error(code: str, title: str, explanation: str, exit: ExitClass = _F) -> Code:
    return Code(code, "error", title, explanation, exit)


def _warning(code: str, title: str, explanation: str) -> Code:
    return Code(code, "warning", title, explanation, _F)


def _note(code: str, title: str, explanation: str) -> Code:
    return Code(code, "note", title, explanation, ExitClass.OK)


_TABLE: tuple[Code, ...] = (
    # -- E0xx syntax ------------------------------------------------------------------------------------------------
    _error("E001", "syntax error",
           "The parser stopped at a word that cannot appear there and no more specific message applies. The help "
           "line lists what could come next; compare the line with the forms in docs/language.md."),
    _error("E002", "unexpected character",
           "A character that the language does not use. Names use letters, digits and '_'; texts go in double "
           "quotes; '#' starts a comment. Look for a stray symbol or a typographic quote pasted from a document."),
    _error("E003", "unterminated string",
           "A text opened with `\"` is not closed on the same line. Close it; write `\\n` for a line break inside "
           "the text."),
    _error("E004", "unknown escape in a string",
           "A backslash inside a text starts an escape the language does not know. Only `\\\"` (quote), `\\\\` "
           "(backslash) and `\\n` (new line) are allowed; write `\\\\` for a literal backslash."),
    _error("E005", "condition nested too deeply",
           "A condition has too many nested parentheses to be read safely. Split it into named parts with 'let' "
           "and combine the lets. A let is also too deep when the lets it uses, written out, nest more than 120 "
           "levels (a long chain of lets each using the one before): define it from inputs or fewer lets."),
    _error("E006", "number too long, too large or too small",
           "A number literal has more than 15 significant digits, or a size outside 1e-12 to 1e15 (other than 0), "
           "where it could not be told apart from its neighbours or held exactly. Write it with fewer digits, or "
           "in a unit that brings it into range."),
    _error("E007", "condition or file too large",
           "One condition has more than 20,000 operators and comparisons, or the file more than 100,000 'and', "
           "'or' and 'not' (checking costs memory in proportion: a 400,000-term 'or' would need 10 GB). Name "
           "parts of the condition with 'let', split it into several rules, or the guideline into several files."),
    _error("E010", "missing guideline header",
           "A rules file must start with its title: `guideline \"Title\"`, optionally followed by `version \"...\"`. "
           "Put the header on the first line, before any input or section."),
    _error("E011", "rule without a strength",
           "Each rule says how strongly it gives its action: must, recommend, consider, may_omit, not_recommended or "
           "never, "
           "followed by the action. Check the spelling of the strength and that each clause starts with a "
           "keyword."),
    _error("E012", "missing condition after 'when'",
           "A 'when' is not followed by a condition. Write one (e.g. `when depth == deep and size_cm > 5 cm`) or "
           "remove the 'when'."),
    _error("E013", "missing condition after an operator",
           "An 'and', 'or', 'not', 'implies', '(' or '=' is not followed by a condition. Complete the condition "
           "or remove the dangling word."),
    _error("E014", "unclosed value set",
           "A set of values opened with '{' is not closed. Close it with '}' and separate its values with "
           "commas, e.g. `{a, b}`."),
    _error("E015", "input without a type",
           "An input needs a type after ':': number (with an optional unit and range), integer, bool, or a set of "
           "values such as `{1, 2, 3}`."),
    _error("E016", "missing ':' after an input's name",
           "An input is written `input NAME [\"label\"]: TYPE`. Add the ':' before the type."),
    _error("E017", "comparison without a value",
           "A comparison such as == or > needs a value on its right: a name, a number with its unit, or true/"
           "false (texts in quotes are not values of inputs)."),
    _error("E018", "missing ':' after a section header",
           "A section is written `section NAME [\"title\"] [when CONDITION]:` and its rules follow, indented. Add "
           "the ':' at the end of the header."),
    _error("E019", "missing ':' after a rule's name",
           "A rule is written `rule NAME [\"label\"]:` followed by its clauses, indented. Add the ':'."),
    _error("E020", "missing action name",
           "A strength (must, recommend, ...) or a 'cover' must name a declared action, e.g. `recommend "
           "radiotherapy`. Add the action's name."),
    _error("E021", "malformed range",
           "A range is two numbers, LOW..HIGH, with an optional unit after the second (e.g. `0..120`, `50..60 Gy`). "
           "Write both bounds as numbers."),
    _error("E022", "'=' used to compare",
           "'=' only names a let (`let x = ...`). To compare an input with a value write '==', e.g. `when site == "
           "uterus`."),
    _error("E023", "malformed parameter",
           "A parameter is written NAME: VALUE, e.g. `recommend radiotherapy(dose: 50..60 Gy)`; in an action's "
           "declaration, NAME: TYPE. Add the missing name, ':' or value."),
    _error("E024", "unclosed parenthesis",
           "A '(' is not closed. Close it with ')', and separate parameters with commas."),
    _error("E025", "malformed let",
           "A let is written `let NAME [\"label\"] = CONDITION`. Add the '=' and the condition."),
    _error("E026", "'cite' without reference numbers",
           "'cite' takes the numbers of declared references, separated by commas, e.g. `cite 6, 8`."),
    _error("E027", "missing quoted text",
           "evidence, source, footnote, todo and reference take a text in double quotes, e.g. `evidence \"Category "
           "1\"`. Put the text in quotes."),
    _error("E028", "keyword used as a name",
           "The reserved words of the language (rule, when, never, in, ...; see docs/language.md) cannot name an "
           "input, let, action, section or rule. Choose another name, e.g. add a suffix '_'."),
    _error("E029", "expected a declaration",
           "At the top level of a file only reference, input, assume, let, action and section may start a line. "
           "Check the spelling of the first word, or whether the line belongs inside a section."),
    _error("E030", "'is' without 'known' or 'unknown'",
           "'is' only tests whether an input was given: `x is known`, or `x is unknown`. To compare a value, use ==."),
    _error("E031", "unexpected word after a condition",
           "A condition continues only with and, or, implies or a comparison. A misspelt clause keyword on the next "
           "line (e.g. `recomend`) reads as part of the condition: check it."),
    _error("E032", "action parameter without a type",
           "A parameter in an action's declaration needs a type: a unit (e.g. Gy, months), number, integer, text, "
           "or a set of values, e.g. `action radiotherapy(dose: Gy, timing: {preoperative, postoperative})`."),
    _error("E033", "missing name after a keyword",
           "modality, overrides and preference are followed by a name, e.g. `modality surgery`, `overrides "
           "other_rule`, `preference preferred`."),
    _error("E034", "rule, cover or todo outside a section",
           "Rules, covers and todos belong to a section. Start one first: `section NAME [\"title\"] [when "
           "CONDITION]:`, and indent its items."),
    _error("E035", "rule clause outside a rule",
           "when, a strength, evidence, cite, source, footnote, preference and overrides are clauses of a rule. "
           "Start the rule first (`rule NAME:`) and indent its clauses under it."),
    _error("E036", "missing value in a set",
           "A set of values has an empty place: write the values between '{' and '}' separated by single commas, "
           "e.g. `{1, 2, 3}`."),
    _error("E037", "missing name",
           "A name was expected here. Names are letters, digits and '_', starting with a letter or '_'."),
    _error("E038", "unexpected item in a section",
           "A section holds only rules, covers and todos. A section ends where the next top-level declaration "
           "(input, let, section, ...) starts: check the indentation and the first word of the line."),
    _error("E039", "missing number",
           "A reference number was expected, e.g. `reference 6 \"Title\"` or `cite 6, 8`."),
    _error("E040", "bad entry attributes",
           "The brackets after an entry hold its own evidence and preference, separated by commas, e.g. "
           "`recommend thiazide [evidence \"COR I\", preference preferred]`."),
    _error("E041", "bad choice set",
           "A choice set lists its alternatives in parentheses, separated by commas, each an action with its own "
           "arguments and brackets: `recommend one_of(thiazide, ccb(dose: 5 mg) [evidence \"COR I\"], acei)` "
           "(`any_of(...)` alike)."),
    _error("E042", "'unless' is not part of the language",
           "There is no 'unless'. Write the exception into the condition with 'and not': `when CONDITION and not "
           "(EXCEPTION)`."),
    _error("E043", "'else' or 'otherwise' in a rule",
           "A rule applies only when its 'when' holds; it has no else branch ('otherwise' only ends a "
           "classification). Write a second rule with the negated condition (`when not (CONDITION)`), or choose a "
           "value with a classification: `classify NAME: when C then V ... otherwise V`."),
    _error("E044", "dates are not part of the language",
           "There is no date type (yet). Give the time since the event as a number input, e.g. `input "
           "years_since_diagnosis \"Years since diagnosis\": number years in 0..120`, and let the case data "
           "compute it."),
    _error("E045", "'%' is not part of the language",
           "Units are names, so '%' is spelt out: `ttr < 60 percent`, with the input declared as `number percent`."),
    _error("E046", "a unit with '/'",
           "A unit is one name (letters, digits and '_'), and '/' divides numbers: `5 mg/day` reads as 5 mg divided "
           "by something called 'day'. Write the unit as one name, e.g. `mg_per_day`, in the declaration and the "
           "values alike."),
    _error("E047", "a value's label in a condition",
           "A value's label (the words people read for it) is written once, where the value is declared: `input "
           "hf \"Heart failure\": {hfref \"HFrEF\", hfpef \"HFpEF\"}`. A condition names the values only: `hf in "
           "{hfref, hfpef}`."),
    _error("E048", "'or' between actions",
           "A strength names one action. For a choice between actions write a choice set: `recommend one_of(a, b)`."),
    _error("E049", "several actions after one strength",
           "A strength names one action: `recommend a and b` or `recommend a, b` is written as two lines, "
           "`recommend a` and `recommend b` (or, for a choice, `recommend one_of(a, b)`)."),
    _error("E050", "count(...) or sum(...)",
           "There are no functions count, sum or total (the functions are min, max and abs). Count conditions with "
           "`count_of {a, b, c}` (or `count_of SET`), test a count with `at_least N of {a, b, c}`, add points with "
           "`points_of {a: 1, b: 2}`; count_of and points_of take braces, not parentheses."),
    _error("E051", "'between' is not part of the language",
           "Write a range instead: `x in 1..5` (both ends included), or `x > 1 and x < 5` for strict bounds."),
    _error("E052", "'=' and '==' (or another operator) confused",
           "A let is defined with one '=' (`let NAME = CONDITION`) and values are compared with '==', '!=', '<', "
           "'<=', '>', '>='. Write '>=' rather than '=>', '<=' rather than '=<', '!=' rather than '<>', '==' "
           "rather than '==='."),
    _error("E053", "'if ... then' is not part of the language",
           "A rule's condition is its 'when' clause, and its strength follows on its own line (`when a` then "
           "`recommend x`); 'then' only appears in a classification's branches (`classify NAME: when C then V "
           "... otherwise V`)."),
    _error("E054", "count of conditions without at_least",
           "A number of conditions that must hold is written `at_least N of {a, b, c}` (one word, with 'of'), or "
           "as a comparison of a count: `count_of {a, b, c} >= N`."),
    _error("E055", "adjust without its parameter values",
           "An adjustment changes parameters of an action that other rules recommend, so it names the action and "
           "the new values in parentheses: `adjust imatinib(dose: 800 mg_per_day)`. To recommend the action "
           "itself, use a strength (`recommend imatinib(...)`)."),
    # -- E1xx/W1xx names, types, units and domains --------------------------------------------------------------------
    _error("E101", "unknown input or let",
           "A condition names something that is neither a declared input nor a let. Check the spelling (the help "
           "line suggests the closest name) or declare it with `input NAME: TYPE` or `let NAME = CONDITION`."),
    _error("E102", "unknown value of an enum input",
           "The value compared with an enum input is not one of its declared values (e.g. `site == uterine` when "
           "the values are `{uterus, ...}`). Use a declared value, or add it to the input's declaration."),
    _error("E103", "unknown action",
           "A rule or a cover names an action that is not declared. Check the spelling or declare it with `action "
           "NAME [\"label\"]`."),
    _error("E104", "overrides names an unknown rule",
           "'overrides' must name another rule of the file. Check the rule's name (rule names are global across "
           "sections)."),
    _error("E105", "duplicate declaration",
           "Two declarations share a name: inputs and lets share one namespace; actions, rules, sections, "
           "reference numbers and unit display forms each have their own. Rename or remove one; the note points at "
           "the first."),
    _error("E106", "value listed twice in an enum",
           "A set of values lists the same value twice. Remove the repetition."),
    _error("E107", "parameter declared or given twice",
           "An action declares a parameter twice, or one entry of a rule gives the same parameter twice. Keep "
           "one."),
    _error("E110", "value of the wrong kind",
           "The value does not have the input's type: a name for a number input (`size_cm == deep`), a number for an "
           "enum (`site == 5`), or a name for a bool (`flag == yes`; use `true` or `false`). Compare with a value "
           "of the input's type."),
    _error("E111", "name used as a condition is not a bool",
           "A bare name is a condition only when it is a bool input or a let. Compare the input with a value "
           "(e.g. `grade == 3`) or declare it as bool."),
    _error("E112", "'in {...}' on a number input",
           "A set of values only applies to enum inputs. For a number, use a range (`x in 2..5`) or comparisons."),
    _error("E113", "'in A..B' on an enum or bool input",
           "A range only applies to number and integer inputs. For an enum, list the values: `x in {a, b}`."),
    _error("E114", "ordering comparison on an enum or bool",
           "<, <=, > and >= only apply to numbers. Enum values have no order: list the values you mean with "
           "`x in {a, b}`."),
    _error("E115", "let used where an input is needed",
           "A let is a condition, not a value: it cannot be compared (`high_risk == true`) or tested with is known. "
           "Use the let on its own (`when high_risk`), or test the inputs it is made of."),
    _error("E120", "value outside the declared domain",
           "The value can never occur: it is not among the input's declared values or lies outside its declared "
           "range (`grade == 4` when grade is `{1, 2, 3}`; `size_cm > 500` when declared `in 0..100`). Correct the "
           "value or widen the declaration."),
    _warning("W121", "comparison always or never true",
             "Within the input's declared range the comparison is true for every patient, or for none (`size_cm "
             ">= 0` when declared `in 0..100`). The condition probably does not say what was meant: check the "
             "threshold and the range."),
    _error("E122", "wrong unit",
           "A number is written with a unit that is not the input's or the parameter's (`size_cm > 5 Gy` when the "
           "input is in cm), or with a unit where none is declared. Write the value in the declared unit, or "
           "leave the unit out."),
    _error("E123", "empty range",
           "A range's low bound is above its high bound (`10..5`), so no value is in it. Swap or correct the "
           "bounds."),
    _warning("W124", "integer input compared with a fraction",
             "An integer input is compared with a number that has a fraction (`age > 17.5`), which reads as a "
             "threshold between two whole numbers. Write the whole-number threshold you mean."),
    _error("E125", "one display form for two units",
           "Two `unit` declarations give the same display form (`unit mg_per_day \"mg/day\"` and `unit mg_daily "
           "\"mg/day\"`): a reader could not tell the two units apart, although the rules never mix them. Give "
           "each unit its own form, or use one unit name."),
    _warning("W126", "display form for a unit nothing uses",
             "A `unit` declaration names a unit that no input, let, parameter or number of the file is in: it is "
             "probably misspelt (`unit mg_per_dy \"mg/day\"`). Correct the name or remove the declaration."),
    _error("E127", "one label for two values, or two for one",
           "Two values of one input, parameter or classification have the same label, so a reader could not "
           "tell the answers apart (`{hfref \"HF\", hfpef \"HF\"}`); or a bool's answer, or a classification's "
           "value, is given two different labels. Give each value one label of its own."),
    _error("E128", "empty label",
           "A value's label or a unit's display form is empty (`\"\"`): the value would print as nothing. Write "
           "the words, or leave the label out (the value then prints as its name)."),
    _error("E130", "unknown parameter",
           "An entry gives a parameter the action does not declare. Check the spelling, or add the parameter to "
           "the action's declaration."),
    _error("E131", "parameter value of the wrong kind",
           "A parameter's value does not match its declared type: a name for a number, a number for a text, a "
           "fraction for an integer. Write a value of the declared type."),
    _error("E132", "parameter value in the wrong unit",
           "A parameter's value is written in another unit than the one declared (`dose: 50 cm` for `dose: Gy`). "
           "Write it in the declared unit, or leave the unit out."),
    _error("E133", "parameter value not in its enum",
           "The value given to an enum parameter is not one of its declared values. Use a declared value, or add "
           "it to the action's declaration."),
    _error("E134", "comparison as a parameter value",
           "A comparison as a parameter value (`systolic: < 130 mmHg`: a target or a limit) is for number "
           "parameters, with `<`, `<=`, `>` or `>=`: `== 130 mmHg` is the plain value `130 mmHg`, and an enum or "
           "a text parameter takes no comparison."),
    _error("E140", "unknown modality",
           "An action's modality must be one of: diagnostic, surgery, radiotherapy, systemic, supportive, "
           "surveillance, referral, other."),
    _error("E141", "unknown preference",
           "A rule's preference must be one of: preferred, other, certain_circumstances."),
    _error("E142", "same action twice in one rule",
           "One rule gives the same action twice. Give it once; to give it with different strengths or "
           "parameters in different situations, write separate rules."),
    _error("E143", "rule without a strength, or an unknown strength",
           "Each rule gives at least one action with a strength: must, recommend, consider, may_omit, "
           "not_recommended or "
           "never. Add one, or correct the strength's spelling."),
    _error("E144", "clause given twice",
           "when, evidence, source and preference may appear once per rule. Combine the two (two conditions with "
           "'and'), or remove one; the note points at the first."),
    _error("E145", "rule overrides itself",
           "A rule names itself after 'overrides'. Name the other rule it should set aside, or remove the clause."),
    _error("E146", "'prevails' on a positive or weak negative entry",
           "Only a strong negative entry (`not_recommended` or `never`) may take precedence over the positive "
           "entries on its action: `never ace_inhibitor prevails`. 'May be omitted' (`may_omit`) leaves the action "
           "to judgement, so it does not set positive advice aside. Remove 'prevails'."),
    _error("E147", "overrides names an action the rule does not speak about",
           "`overrides RULE.ACTION` sets aside one entry of another rule, so RULE must give ACTION a strength. "
           "Correct the action's name, or write `overrides RULE` to set the whole rule aside."),
    _error("E148", "action named twice in never_together",
           "A `never_together` constraint names the same action twice (or names fewer than two different actions). "
           "Name each action once: `never_together ace_inhibitor, arb`."),
    _error("E149", "bad choice set",
           "`one_of(...)` and `any_of(...)` are one positive recommendation with at least two different "
           "alternatives: `recommend one_of(thiazide, ccb, ace_inhibitor)`. A negative strength cannot be a choice "
           "(write one "
           "`never` line per action), and a choice of one action is that action."),
    _error("E180", "a number where a condition is expected, or the reverse",
           "Arithmetic works on number inputs and number lets, and a condition is true or false: compare a number "
           "(`sbp - dbp > 20 mmHg`), count conditions with `count_of {a, b}`, or give them points with "
           "`points_of {a: 1, b: 2}`."),
    _error("E181", "units that do not combine",
           "Both sides of `+`, `-`, `min`, `max` and of a comparison need the same unit (`mmHg - mmHg` is mmHg; "
           "`years + cm` is an error). A number written without a unit takes the other side's unit."),
    _error("E182", "unknown function or wrong arguments",
           "The functions are `min(a, b, ...)`, `max(a, b, ...)` and `abs(x)`."),
    _error("E183", "a score that is not a sum of whole points",
           "`count_of`, `points_of` and `at_least` add whole points of conditions; compare such a score with a "
           "plain number. A number let may combine counts with other numbers (it is then computed at run time and "
           "the checks treat it as any value of its range)."),
    _error("E184", "a classification without branches",
           "A classification is written `classify NAME [\"label\"] [first_match]:` followed by `when CONDITION then "
           "VALUE` branches and an optional `otherwise VALUE`."),
    _error("E185", "a set input misused, or a member it cannot hold",
           "A set input (`input prior: set of {a, b}`) is tested one member at a time (`a in prior`) or counted "
           "(`count_of prior`); the member must be one of its declared values."),
    _error("E186", "division by zero",
           "A formula divides by a number that is 0, or can be 0 for a patient the declared ranges allow (the "
           "range of the divisor is computed from the declared ranges of what it reads). Declare ranges that "
           "exclude 0."),
    _error("E187", "an integer let whose formula can give fractions",
           "A number let declared `integer` must compute whole numbers (the language does not round): declare it "
           "`number`, or change the formula."),
    _error("E150", "cycle among lets",
           "Lets refer to each other in a circle (`a -> b -> a`), so none of them has a meaning. Rewrite one of them "
           "in terms of inputs."),
    _error("E151", "cycle among overrides",
           "Rules override each other in a circle, so no rule can win. Decide which rule takes precedence and "
           "remove the other 'overrides'."),
    _error("E152", "bad question_order",
           "`question_order a, b` names the inputs (or classifications) a section's figure asks about first, each "
           "once, in one line per section. Check the spelling; the help line suggests the closest input."),
    _warning("W153", "question_order names a question the figure never asks",
             "A section's `question_order` pins an input that none of the section's rules asks about (or the "
             "section is drawn as a list of rules, where no question is asked), so the pin changes nothing. Remove "
             "the name or correct it."),
    _error("E160", "citation of an undeclared reference",
           "'cite' names a reference number that is not declared. Declare it (`reference N \"Title\"`) or correct "
           "the number."),
    _error("E161", "reference number not a positive whole number",
           "Reference numbers are positive whole numbers (1, 2, 3, ...), as in the source's bibliography."),
    _error("E170", "empty guideline title",
           "The guideline header has an empty title. Write the guideline's name: `guideline \"Title\"`."),
    _error("E171", "enum without values",
           "An enum (of an input or a parameter) lists no values. List the values it can take, e.g. `{low, high}`."),
    _error("E172", "enum mixing names and numbers, or with a fraction",
           "An enum's values are either all names or all whole numbers (`{1, 2, 3}`). For a measured quantity, "
           "declare a number input with a unit and a range instead."),
    # -- E2xx/W2xx/N2xx checker findings ------------------------------------------------------------------------------
    _error("E201", "conflict",
           "Two rules give opposite positions on the same action (e.g. recommend and not_recommended) for some "
           "patients, and neither overrides the other. The example patient shows one such case: add "
           "'overrides' to the rule that should win, or narrow one condition."),
    _warning("W202", "gap",
             "A 'cover' asks that every patient of the section gets a position on an action, but for the patients "
             "described no rule gives one. Add a rule for them (the example patient can be pasted into a case "
             "file), or narrow the cover with 'when'."),
    _warning("W203", "dead rule",
             "The rule's condition holds for no allowed patient (given the inputs' domains, the section's "
             "condition and the assumptions), so it never applies. Fix or remove the condition."),
    _warning("W204", "rule set aside wherever it applies",
             "Every patient the rule applies to is also met by a rule that overrides it, so it never gives a "
             "recommendation. Remove the rule or narrow the overriding rules."),
    _warning("W205", "override that never takes effect",
             "A rule overrides another, but no allowed patient meets both conditions, so the override changes "
             "nothing. Check the two conditions: one of them is probably not what was meant."),
    _warning("W206", "parameter clash",
             "Two rules give the same action with different parameter values (e.g. doses) for the same patients. "
             "Make the conditions exclusive, or let one rule override the other."),
    _warning("W214", "two adjustments clash",
             "Two rules adjust the same parameter of an action to different values (e.g. two doses) for the same "
             "patients, while the action is recommended: `run` leaves the parameter out of the verdict and lists it "
             "under clashes. Let one rule override the other (`overrides RULE`), or make the conditions exclusive."),
    _warning("W215", "adjustment that changes nothing",
             "An `adjust ACTION(...)` line changes the parameters of a positive recommendation of ACTION, but no "
             "patient the rule applies to (and is not set aside for) is recommended ACTION. Widen the condition, "
             "or check that a rule gives the action a strength for these patients."),
    _error("E210", "a classification leaves patients unclassified",
           "Some allowed patients meet no branch of a classification that has no `otherwise`: their category is "
           "unknown, so every rule on it stays pending. Add a branch for them or an `otherwise VALUE` line; the "
           "example patient is one of them."),
    _error("E211", "overlapping branches of a classification",
           "Two branches with different values hold for the same allowed patient, in a classification whose "
           "branches must exclude each other. Make the conditions exclusive, or write `first_match` after the "
           "classification's name if the first branch that holds should decide."),
    _warning("W212", "a classification branch never chosen",
             "No allowed patient reaches this branch: its condition is never true, or (with `first_match`) "
             "earlier branches always take those patients."),
    _error("E209", "never-together constraint broken",
           "A `never_together` constraint says two actions must not be given together, but for the patients "
           "described both get an active positive entry (the constraint's `when` holds). The example patient shows "
           "one such case: let one rule override the other, add a prevailing prohibition, or narrow a condition."),
    _note("N208", "precedence taken",
          "A prohibition written with `prevails` sets aside a positive entry of another rule on the same action "
          "for the patients described (harm wins, without naming the rules). Informational: it lists what the "
          "prohibition takes precedence over, so that a new positive rule on the action shows up here."),
    _note("N207", "todo",
          "A part of the source that is not encoded yet, as written in a `todo \"...\"` item. Informational: "
          "encode it when you can."),
    # -- E3xx case data -----------------------------------------------------------------------------------------------
    _error("E301", "invalid YAML, JSON or CSV",
           "The case file is not valid YAML, JSON or CSV; the message quotes the reader's complaint at the "
           "position it points to. Check indentation, quotes and commas there."),
    _error("E302", "no cases",
           "The case file (or the set of files given to test) holds no case: it is empty, an empty list, or a "
           "CSV file with no header. Write at least one case: id, description, facts."),
    _error("E303", "not a case, or a list of cases",
           "A case file holds one case (a mapping with facts) or a list of cases; a CSV row has as many cells as "
           "the header has columns. Restructure the file as in rules/cases/."),
    _error("E304", "case without facts",
           "A case must have 'facts', the patient's data: `facts: {input: value, ...}`. Write `facts: {}` for a "
           "patient with no data."),
    _error("E305", "facts not a mapping",
           "'facts' must map input names to values (`facts: {grade: 3, site: uterus}`), not a list or a single "
           "value."),
    _error("E306", "unknown key in a case",
           "A case has the keys id, description, facts and expect. Check the spelling of the key (the help line "
           "suggests the closest one)."),
    _error("E307", "unknown input",
           "The facts (or a CSV header) name an input that the rules do not declare. Check the spelling against "
           "the input declarations of the rules file."),
    _error("E308", "fact of the wrong type",
           "A fact's value does not have its input's type (a text for a number, a number for a bool, ...). The "
           "message says what the input accepts."),
    _error("E309", "fact out of range",
           "A number is outside its input's declared range. Correct the value (and its unit), or widen the "
           "range in the rules if the patient is real."),
    _error("E310", "fact not an allowed value",
           "The value is not one of the enum input's declared values. Use a declared value (the help line "
           "suggests the closest one)."),
    _error("E311", "case breaks an assumption",
           "The facts contradict an 'assume' of the rules (e.g. `site == uterus` with `sex == male`), so such a "
           "patient is impossible under the guideline. Check the case's data."),
    _error("E312", "duplicate case id",
           "Two cases share an id; ids name cases in reports and must be unique across the files given. Give "
           "every case its own id."),
    _error("E313", "duplicate key or column",
           "A key appears twice in one mapping of a YAML/JSON case, or a column twice in a CSV header; only one "
           "value is allowed. Remove one."),
    _error("E314", "id or description of the wrong type",
           "A case's id must be a text or a number, and its description a text."),
    _error("E315", "not a case file",
           "Case files end in .yaml, .yml, .json or .csv. Rename the file, or give the right path."),
    _error("E316", "directory without case files",
           "A directory was given as cases but holds no .yaml, .yml, .json or .csv file. Give the directory "
           "that holds the cases, or the files themselves."),
    # -- E4xx test expectations ---------------------------------------------------------------------------------------
    _error("E401", "malformed expectation",
           "An 'expect:' block, or one of its entries, does not have the expected shape: expect is a mapping; "
           "strengths and absent take lists of actions; pending a list or a mapping action -> inputs; params a "
           "mapping `action -> {param: value}`. The help line shows the form."),
    _error("E402", "unknown expectation key",
           "The keys of expect are must, recommend, consider, may_omit, not_recommended, never, absent, pending, "
           "params, "
           "or the name of an action (for its parameters). Check the spelling."),
    _error("E403", "unknown action in an expectation",
           "An expectation names an action the rules do not declare. Check the spelling against the action "
           "declarations."),
    _error("E404", "unknown parameter in an expectation",
           "An expectation gives a parameter that the action does not declare. Check the spelling; the help line "
           "lists the action's parameters."),
    _error("E405", "expected parameter value malformed",
           "An expected parameter value cannot be read as the parameter's type. Write it as in a rules file: "
           "`\"50..60 Gy\"`, `\"66 Gy\"`, `postoperative`, `12`."),
    _error("E406", "pending names something that is not an input",
           "'pending' maps an action to the inputs it waits on; one of them is not a declared input. Check the "
           "spelling."),
    # -- E5xx limits and rendering ------------------------------------------------------------------------------------
    _error("E501", "decision graph too large",
           "Compiling the rules built more decision-diagram nodes than the limit. The message names the inputs "
           "that contribute most; split the rules into more sections, or simplify the thresholds on those "
           "inputs."),
    _error("E502", "rendering failed",
           "The figure could not be produced: Graphviz's dot is not installed, failed, or took too long, or the "
           "output cannot be written. Install Graphviz (`apt-get install graphviz`, `brew install graphviz`), render "
           "one --section, or write a .dot file.", _U),
    # -- E6xx clinical systems (FHIR) ---------------------------------------------------------------------------------
    _error("E601", "invalid FHIR map",
           "The FHIR map file (docs/fhir-map.md) is not valid YAML or does not have the map's shape: an unknown "
           "key, a missing 'code' or 'value', a code not written 'system|code', a unit factor that is not a "
           "positive number. The message names the key; compare with rules/lms.fhir.yaml."),
    _error("E602", "FHIR map names something unknown",
           "The map reads an input, or orders an action, that the rules file does not declare, or names a resource "
           "type it cannot read or order. Check the spelling against the rules file (the help line suggests the "
           "closest name)."),
    _error("E603", "FHIR map value of the wrong kind",
           "What the map reads cannot become a value of the input: a value that is not one of the enum's values, "
           "codes for a number input, a quantity without a unit table, units on an enum. The message says what "
           "the input needs."),
    _error("E604", "invalid FHIR bundle",
           "A bundle is not JSON, not a FHIR resource, or one of its resources does not validate against the "
           "FHIR R4B models (fhir.resources). The message names the entry, the resource and the element; fix the "
           "export that produced the bundle."),
    _warning("W601", "FHIR value left unknown",
             "The map found a value but could not read it without guessing: a code the map does not list, a unit "
             "it has no factor for, or most recent values that disagree. The input is left unknown (the rules "
             "that need it are pending); add the code or unit to the map if it is right."),
    # -- E9xx files and usage -----------------------------------------------------------------------------------------
    _error("E901", "cannot read a file",
           "A rules or case file does not exist, is a directory, is not UTF-8 text, or cannot be read. Check the "
           "path and the file's encoding.", _U),
    _error("E902", "cannot write the output",
           "The output file cannot be written (its directory is missing or not writable). Check the -o path.",
           _U),
    _error("E903", "bad render option",
           "An option of render is not usable: an unknown output extension (use .dot, .svg, .pdf or .png), an "
           "unknown --section, or a --case file holding more than one case.", _U),
    _error("E904", "invalid guideline data",
           "Data given to `engine.compile.export.from_data` is not a guideline exported by `guidegraph export`; the "
           "message names the field and what it should be. Re-export it from the rules file.", _U),
    _warning("W904", "case outside the section drawn",
             "render --case --section: the case's facts make the section's condition false, so the patient never "
             "enters the section and no path is highlighted. Render the whole pathway (no --section) to see where "
             "the case goes, or choose the section the case belongs to."),
)


def _index(rows: Sequence[Code]) -> Mapping[str, Code]:
    out: dict[str, Code] = {}
    for row in rows:
        if row.code in out:
            raise ValueError(f"{row.code} is registered twice")
        out[row.code] = row
    return types.MappingProxyType(dict(sorted(out.items())))


CODES: Mapping[str, Code] = _index(_TABLE)
"""Every diagnostic code, by code, in code order."""


def range_of(code: str) -> Range:
    """The range a code belongs to (ValueError for a code outside every range)."""
    for r in RANGES:
        if code[:2] in r.prefixes:
            return r
    raise ValueError(f"{code} is in no code range")


for _row in _TABLE:
    range_of(_row.code)  # every code in a documented range, checked on import


def markdown() -> str:
    """The text of ``docs/diagnostics.md``: a table per range, then each code's explanation."""
    out = ["# Diagnostic codes", "",
           "<!-- Generated from dsl/codes.py by `python -m dsl.codes docs/diagnostics.md`; do not edit. -->", "",
           "Every diagnostic guidegraph prints has a stable code: a letter for its severity (`E` error, `W` "
           "warning, `N` note) and three digits whose first says where it comes from. Exit is the status a "
           "command ends with when that code is the worst it reports: 0 never fails, 1 findings (warnings only "
           "under `--strict`), 2 the command could not do its job.", ""]
    for r in RANGES:
        rows = [c for c in CODES.values() if c.code[:2] in r.prefixes]
        out += [f"## {r.heading}", "", f"From {r.source}.", "", "| code | severity | exit | title |",
                "| --- | --- | --- | --- |"]
        out += [f"| [{c.code}](#{c.code.lower()}) | {c.severity} | {int(c.exit)} | {c.title} |" for c in rows]
        out.append("")
        for c in rows:
            out += [f"### {c.code}", "", f"**{c.severity}: {c.title}.** {c.explanation}", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m dsl.codes [OUT]``: write the reference page to OUT, or to standard output."""
    args = list(sys.argv[1:] if argv is None else argv)
    text = markdown()
    if not args:
        sys.stdout.write(text)
        return 0
    if len(args) != 1 or args[0].startswith("-"):
        sys.stderr.write("usage: python -m dsl.codes [OUT]\n")
        return 2
    with open(args[0], "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
