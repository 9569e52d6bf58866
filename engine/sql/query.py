"""The decision graph as one SQL query over a table of cases (a column per input; SQL NULL is an unknown value).

Per status unit of every part (``engine.compile.units``; a rule when no entry is set aside alone) the part's
diagram is projected onto what the unit is at each leaf (impossible, active, set aside by some rules, not
applying), and per let onto its value; the projections are hash-consed together. Each node of that DAG is a few
integer columns, computed bottom-up in one nested ``SELECT`` per level (so the text grows with the DAG, never with
its paths):

- ``f`` flags over the leaves the case may reach: 1 a possible leaf, 2 the unit active, 4 possible and not active,
  8 possible and not applying (lets: 2 true, 4 false);
- ``b`` the overriders (bit per rule that overrides something) applying in a reached leaf where the unit is set
  aside;
- ``q`` the levels whose unknown branches disagree on whether the unit is active (the walk's ``needs``,
  engine/evaluate/walk.py).

An unknown input (``IS NULL``, tested first, since ``CASE WHEN NULL`` would take another branch) combines all its
branches with ``|``; ``known:x`` is ``x IS NOT NULL``. Statuses then read as the walk's :func:`outcomes_from`:
active when no reached possible leaf has it inactive, pending when some have and some have not, overridden when
it applies and is set aside in every one.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from engine.compile.guideline import CompiledGuideline, LeafKey, RuleStatus, Var
from engine.compile.units import status_units
from engine.core.values import Interval

ROW = "__gg_row"
MAX_BITS = 62


class Unsupported(Exception):
    """A guideline the SQL form cannot express (the message says why)."""


@dataclass(frozen=True)
class Node:
    level: int
    kids: tuple[int, ...]


@dataclass
class Dag:
    """Hash-consed projections: terminals are values, decision nodes :class:`Node`; ids index ``items``."""

    items: list[Hashable | Node] = field(default_factory=list)
    index: dict[Hashable, int] = field(default_factory=dict)

    def make(self, item: Hashable) -> int:
        found = self.index.get(item)
        if found is None:
            found = self.index[item] = len(self.items)
            self.items.append(item)
        return found

    def node(self, level: int, kids: tuple[int, ...]) -> int:
        if all(k == kids[0] for k in kids):
            return kids[0]
        return self.make(Node(level, kids))


def project(g: CompiledGuideline, dag: Dag, root: int, leaf: Callable[[object], Hashable]) -> int:
    m = g.mdd
    memo: dict[int, int] = {}

    def rec(n: int) -> int:
        r = memo.get(n)
        if r is None:
            if m.is_terminal(n):
                r = dag.make(("t", leaf(m.value(n))))
            else:
                r = dag.node(m.level(n), tuple(rec(c) for c in m.children(n)))
            memo[n] = r
        return r

    return rec(root)


@dataclass
class UnitOut:
    unit: int
    name: str
    node: int


@dataclass
class Query:
    """The SQL form of a guideline: :attr:`inner` selects every column of the table plus the node columns;
    ``units`` and ``lets`` name the root node of each projection."""

    g: CompiledGuideline
    dag: Dag
    make_inner: Callable[[], Any]
    """Builds :attr:`inner`. Why deferred: the sqlglot tree costs about a second for LMS, and a run whose SQL text
    is in the disk cache (:mod:`engine.sql.cache`, keyed by the DAG alone) never needs it."""
    units: list[UnitOut]
    lets: list[tuple[str, int]]
    over_bits: dict[int, int]
    inputs: tuple[str, ...]
    assume: int = -1
    """The node of all the assumptions together, as a let (its ``f`` has bit 2 when some completion of the
    case's unknown inputs satisfies them: the loader's E311 test, ``Evaluator.possible``)."""
    cells: bool = False
    """The table holds each level's cell (``__gg_v{level}``, NULL = unknown) instead of the inputs' values."""
    _inner: Any = field(default=None, repr=False)

    @property
    def inner(self) -> Any:
        """The ``SELECT`` of every column of the table plus the node columns (built on first use)."""
        if self._inner is None:
            self._inner = self.make_inner()
        return self._inner

    def col(self, kind: str, n: int) -> exp.Expression:
        item = self.dag.items[n]
        if isinstance(item, Node):
            return exp.column(f"__gg_{kind}{n}")
        return exp.Literal.number(_const(kind, item, self.over_bits))


def _const(kind: str, item: object, over_bits: dict[int, int]) -> int:
    assert isinstance(item, tuple)
    v = item[1]
    if kind == "q":
        return 0
    if kind == "b":
        return sum(1 << over_bits[o] for o in v[1]) if isinstance(v, tuple) and v[0] == "O" else 0
    if v is None or v == ("x",):
        return 0
    if v is True or v == ("A",):
        return 3
    if v is False or (isinstance(v, tuple) and v[0] == "O"):
        return 5
    return 13  # ("-",): possible, not active, not applying


def unit_name(g: CompiledGuideline, u: int) -> str:
    units = status_units(g.model).units
    rule = g.model.rules[units[u].rule]
    if u < len(g.model.rules):
        return rule.name
    return f"{rule.name}." + "+".join(rule.entries[e].action for e in units[u].entries)


def _branch_test(var: Var, col: exp.Expression, branches: list[int]) -> Any:
    if var.kind == "bool":
        vals = {bool(var.branches[i]) for i in branches}
        return col if vals == {True} else exp.Not(this=col)
    if var.numeric:
        tests: list[Any] = []
        for i in branches:
            cell = var.branches[i]
            assert isinstance(cell, Interval)
            parts: list[exp.Expression] = []
            if cell.low is not None and cell.low != float("-inf"):
                lo = exp.Literal.number(repr(float(cell.low)))
                parts.append(exp.GTE(this=col, expression=lo) if cell.low_closed else exp.GT(this=col, expression=lo))
            if cell.high is not None and cell.high != float("inf"):
                hi = exp.Literal.number(repr(float(cell.high)))
                parts.append(exp.LTE(this=col, expression=hi) if cell.high_closed
                             else exp.LT(this=col, expression=hi))
            tests.append(exp.and_(*parts) if parts else exp.true())
        return exp.or_(*tests) if len(tests) > 1 else tests[0]
    text = exp.Cast(this=col, to=exp.DataType.build("varchar"))
    return exp.In(this=text, expressions=[exp.Literal.string(str(var.branches[i])) for i in branches])


def _bor(xs: list[Any]) -> exp.Expression:
    out = xs[0]
    for x in xs[1:]:
        out = exp.BitwiseOr(this=out, expression=x)
    return exp.Paren(this=out)


def _band(x: exp.Expression, k: int) -> exp.Expression:
    return exp.Paren(this=exp.BitwiseAnd(this=x, expression=exp.Literal.number(k)))


def _index(var: Var, col: exp.Expression) -> exp.Expression:
    """The branch a value takes at ``var`` (0-based; NULL for an unknown value), computed once per row: the nodes
    then test a small integer instead of repeating text or interval tests (measured: about 2x faster on LMS)."""
    return exp.Case(ifs=[exp.If(this=_branch_test(var, col, [i]), true=exp.Literal.number(i))
                         for i in range(len(var.branches))])


def _index_test(col: exp.Expression, branches: list[int]) -> exp.Expression:
    if len(branches) == 1:
        return exp.EQ(this=col, expression=exp.Literal.number(branches[0]))
    return exp.In(this=col, expressions=[exp.Literal.number(i) for i in branches])


def _node_exprs(q: Query, n: int, node: Any, kind_of: dict[int, str]) -> list[tuple[str, exp.Expression]]:
    var = q.g.vars[node.level]
    col = exp.column(var.input if var.kind == "known" and not q.cells else f"__gg_v{node.level}")
    distinct = list(dict.fromkeys(node.kids))
    kinds = ["f", "b", "q"] if kind_of[n] == "u" else ["f"]
    out = []
    for kind in kinds:
        if var.kind == "known":
            expr: exp.Expression = exp.Case(ifs=[exp.If(this=exp.Is(this=col, expression=exp.Null()),
                                                        true=q.col(kind, node.kids[0]))],
                                            default=q.col(kind, node.kids[1]))
        else:
            if kind == "q":
                states = [exp.Case(this=_band(q.col("f", k), 7),
                                   ifs=[exp.If(this=exp.Literal.number(a), true=exp.Literal.number(b))
                                        for a, b in ((3, 2), (5, 4), (7, 8))],
                                   default=exp.Literal.number(0)) for k in distinct]
                d = _bor(states)
                minus = exp.Paren(this=exp.Sub(this=d.copy(), expression=exp.Literal.number(1)))
                split = exp.NEQ(this=exp.Paren(this=exp.BitwiseAnd(this=d, expression=minus)),
                                expression=exp.Literal.number(0))
                bit = exp.Literal.number(1 << node.level)
                unknown = _bor([*(q.col("q", k) for k in distinct),
                                exp.Case(ifs=[exp.If(this=split, true=bit)], default=exp.Literal.number(0))])
            else:
                unknown = _bor([q.col(kind, k) for k in distinct])
            ifs = [exp.If(this=exp.Is(this=col, expression=exp.Null()), true=unknown)]
            for k in distinct:
                branches = [i for i, c in enumerate(node.kids) if c == k]
                ifs.append(exp.If(this=_index_test(col, branches), true=q.col(kind, k)))
            expr = exp.Case(ifs=ifs)
        out.append((f"__gg_{kind}{n}", expr))
    return out


def build(g: CompiledGuideline, table: str | exp.Expression = "cases", assume_only: bool = False,
          parts: Sequence[int] | None = None, index_all: bool = False) -> Query:
    """The query over ``table`` (a name, or a subquery expression); ``assume_only``: only the assumptions' node
    (what validation needs: a far smaller query than the rules'). ``parts``: only the units of these parts, no
    lets and no assumptions, over a table of cells (:attr:`Query.cells`: what :mod:`engine.sql.cells` decides
    once per distinct cell combination). ``index_all``: every variable's branch index ``__gg_v{level}`` is
    computed, not only those of the levels the DAG tests (the cohort reader reads its cells from them)."""
    if len(g.vars) > MAX_BITS:
        raise Unsupported(f"more than {MAX_BITS} variables in the decision graph")
    if g.model.derived:  # they would need their definitions computed in SQL too (issue 13 left that for later)
        shown = ", ".join(list(g.model.derived)[:3])
        raise Unsupported(f"it tests values computed from the inputs ({shown}...), which the SQL engines do not "
                          "compute yet; use the Python engine (--engine python)")
    units = status_units(g.model)
    overriders = sorted({o for k in g.leaves for a in k.statuses for o in a.by})
    if len(overriders) > MAX_BITS:
        raise Unsupported(f"more than {MAX_BITS} overriding rules")
    over_bits = {o: i for i, o in enumerate(overriders)}
    dag = Dag()
    outs: list[UnitOut] = []
    kind_of: dict[int, str] = {}
    chosen = () if assume_only else g.parts if parts is None else [g.parts[i] for i in parts]
    for p in chosen:
        for u in (u for ri in p.rules for u in units.of_rule[ri]):
            def leaf(key: object, u: int = u) -> Hashable:
                assert isinstance(key, LeafKey)
                if key.impossible:
                    return ("x",)
                for a in key.statuses:
                    if a.rule == u:
                        return ("A",) if a.status is RuleStatus.ACTIVE else ("O", tuple(a.by))
                return ("-",)
            root = project(g, dag, p.node, leaf)
            outs.append(UnitOut(u, unit_name(g, u), root))
    start = len(dag.items)
    lets = [] if assume_only or parts is not None else [
        (name, project(g, dag, node, lambda v: v)) for name, node in g.let_nodes.items()]
    assume = -1 if parts is not None else project(g, dag, g.assume_node, lambda v: v)
    for i in range(len(dag.items)):
        kind_of[i] = "u" if i < start else "l"
    # a let node equal to a unit node cannot happen: their terminals differ (tuples vs bools/None)
    inputs = tuple(dict.fromkeys(v.input for v in g.vars))
    q = Query(g, dag, lambda: _inner(q, table, kind_of, index_all), outs, lets, over_bits, inputs, assume,
              cells=parts is not None)
    return q


def _inner(q: Query, table: str | exp.Expression, kind_of: dict[int, str], index_all: bool) -> Any:
    """The nested ``SELECT`` of :attr:`Query.inner`: one level of the DAG per ``SELECT``, deepest first."""
    g, dag = q.g, q.dag
    by_level: dict[int, list[int]] = {}
    for i, item in enumerate(dag.items):
        if isinstance(item, Node):
            by_level.setdefault(item.level, []).append(i)
    src: exp.Expression = exp.to_table(table) if isinstance(table, str) else table
    index = [] if q.cells else [_index(v, exp.column(v.input)).as_(f"__gg_v{lv}", copy=False)
                                for lv, v in enumerate(g.vars) if v.kind != "known" and (index_all or lv in by_level)]
    select: Any = exp.select("*", *index, copy=False).from_(src, copy=False)
    for depth, level in enumerate(sorted(by_level, reverse=True)):
        cols = [e.as_(name, copy=False) for n in by_level[level]
                for name, e in _node_exprs(q, n, dag.items[n], kind_of)]
        # copy=False: sqlglot's builders deep-copy their arguments by default, which made each level copy every
        # level below it (quadratic: 2.3 of the 2.9 s the LMS query took to build)
        select = exp.select("*", *cols, copy=False).from_(
            select.subquery(f"__gg_t{depth}", copy=False), copy=False)
    return select


def raw_query(q: Query, id_column: str = ROW) -> exp.Expression:
    """Per case: ``id_column``, then per unit its f, b, q, then per let its f (as :func:`decode` reads them)."""
    cols: list[Any] = [exp.column(id_column)]
    for u in q.units:
        cols += [q.col("f", u.node), q.col("b", u.node), q.col("q", u.node)]
    cols += [q.col("f", n) for _, n in q.lets]
    return exp.select(*cols).from_(q.inner.subquery("__gg_nodes")).order_by(exp.column(id_column))


def text_query(q: Query, id_column: str = "id") -> exp.Expression:
    """The case id column, then per unit its status ('active', 'pending', 'overridden' or NULL), its needs
    and its overriders (comma-separated names), then per let its value (NULL: undecided)."""
    names = [r.name for r in q.g.model.rules]
    over = sorted(q.over_bits, key=q.over_bits.__getitem__)
    cols: list[Any] = []
    for u in q.units:
        f = q.col("f", u.node)
        status = exp.Case(ifs=[
            exp.If(this=exp.EQ(this=_band(f, 1), expression=exp.Literal.number(0)), true=exp.Null()),
            exp.If(this=exp.EQ(this=_band(f, 4), expression=exp.Literal.number(0)), true=exp.Literal.string("active")),
            exp.If(this=exp.NEQ(this=_band(f, 2), expression=exp.Literal.number(0)),
                   true=exp.Literal.string("pending")),
            exp.If(this=exp.EQ(this=_band(f, 8), expression=exp.Literal.number(0)),
                   true=exp.Literal.string("overridden"))])
        cols.append(status.as_(u.name))
        levels = [(1 << lv, v.input) for lv, v in enumerate(q.g.vars) if v.kind != "known"]
        cols.append(_names(q.col("q", u.node), levels, exp.EQ(this=status.copy(),
                                                              expression=exp.Literal.string("pending")))
                    .as_(f"{u.name}:needs"))
        cols.append(_names(q.col("b", u.node), [(1 << i, names[o]) for i, o in enumerate(over)],
                           exp.EQ(this=status.copy(), expression=exp.Literal.string("overridden")))
                    .as_(f"{u.name}:by"))
    for name, n in q.lets:
        f = q.col("f", n)
        cols.append(exp.Case(ifs=[exp.If(this=exp.EQ(this=f, expression=exp.Literal.number(3)), true=exp.true()),
                                  exp.If(this=exp.EQ(this=f, expression=exp.Literal.number(5)), true=exp.false())])
                    .as_(f"let:{name}"))
    return exp.select(exp.column(id_column), *cols).from_(q.inner.subquery("__gg_nodes")).order_by(
        exp.column(id_column))


def _names(mask: exp.Expression, bits: list[tuple[int, str]], when: exp.Expression) -> exp.Expression:
    """The names whose bit is set in ``mask``, joined by ", " (pieces are never NULL: no dialect's NULL rules)."""
    if not bits:
        return exp.Case(ifs=[exp.If(this=when, true=exp.Literal.string(""))])
    joined: exp.Expression | None = None
    for b, name in bits:
        piece = exp.Case(ifs=[exp.If(this=exp.NEQ(this=_band(mask, b), expression=exp.Literal.number(0)),
                                     true=exp.Literal.string(f", {name}"))], default=exp.Literal.string(""))
        joined = piece if joined is None else exp.DPipe(this=joined, expression=piece, safe=True)
    text = exp.Substring(this=joined, start=exp.Literal.number(3))
    return exp.Case(ifs=[exp.If(this=when, true=text)])


def to_sql(e: exp.Expression, dialect: str) -> str:
    return e.sql(dialect=dialect, pretty=True)
