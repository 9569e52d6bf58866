"""A synthetic leiomyosarcoma cohort, made by DuckDB from nothing but a seed: no real patient data.

Why here: what an LMS patient looks like (uterine tumours in women, deep retroperitoneal ones, lung metastases
only in metastatic disease, follow-up only after localized disease, menopausal status recorded for women) is
guideline knowledge, and ``rules/`` is where that lives; the engine knows no sarcoma. The rows respect every
``assume`` of ``rules/lms.rules`` and leave about ``p_missing`` of the optional cells empty, as registries do.

Rows are generated in SQL from ``hash(row, column, seed)``, so 10 million rows take seconds and the same seed
always gives the same file, whatever the number of threads. With ``--given``, ``given_<action>`` columns record
what was done, for ``guidegraph audit --given given_radiotherapy,...`` (:data:`GIVEN`): 1 or 0, drawn at random
(half and half, so an audit finds both concordant and discordant patients), and empty (not recorded) for about
``p_missing`` of the cells. ``run`` reads inputs only: it refuses a file with these columns.

``python -m rules.lms_cohort OUT.{parquet,csv} N [P_MISSING] [SEED] [--given]``
"""

from __future__ import annotations

import sys

GIVEN = ("radiotherapy", "wide_excision", "doxorubicin", "sarcoma_mdt")
"""The actions the ``given_*`` columns record."""


def _pick(col: int, values: list[str], weights: list[int], seed: int) -> str:
    """A value drawn by ``weights`` (per mille) from the row's hash for column ``col``."""
    u = f"(hash(i, {col}, {seed}) % 1000)"
    out, acc = [], 0
    for v, w in zip(values, weights, strict=True):
        acc += w
        out.append(f"WHEN {u} < {acc} THEN '{v}'")
    return f"CASE {' '.join(out)} END"


def _maybe(col: int, expr: str, p_missing: float, seed: int) -> str:
    return f"CASE WHEN hash(i, {col + 500}, {seed}) % 1000 < {int(p_missing * 1000)} THEN NULL ELSE {expr} END"


def cohort_sql(n: int, p_missing: float = 0.05, seed: int = 1, given: bool = False) -> str:
    """The ``SELECT`` of the cohort (``id`` ``p0``, ``p1``, ..., then one column per LMS input)."""
    def u(col: int) -> str:
        return f"(hash(i, {col}, {seed}) % 100000) / 100000.0"

    def flag(col: int, per_mille: int) -> str:
        return f"(hash(i, {col}, {seed}) % 1000 < {per_mille})"

    base = f"""SELECT i, {_pick(1, ['diagnosis', 'treatment', 'follow_up'], [300, 500, 200], seed)} AS phase,
      {_pick(2, ['extremity', 'trunk_wall', 'retroperitoneum', 'uterus', 'other'], [300, 150, 200, 300, 50], seed)}
        AS site,
      {_pick(3, ['localized', 'metastatic'], [750, 250], seed)} AS extent0,
      {_pick(4, ['female', 'male'], [500, 500], seed)} AS sex0
    FROM range({n}) t(i)"""
    m = p_missing
    cols = [
        "'p' || CAST(i AS VARCHAR) AS id", "phase",
        "CASE WHEN phase = 'follow_up' THEN 'localized' ELSE extent0 END AS extent", "site",
        "CASE WHEN site = 'uterus' THEN 'female' ELSE sex0 END AS sex",
        _maybe(5, f"CASE WHEN site = 'uterus' OR (sex0 = 'female') THEN "
                  f"{_pick(5, ['premenopausal', 'postmenopausal'], [400, 600], seed)} END", m, seed)
        + " AS menopausal_status",
        f"CASE WHEN phase = 'follow_up' THEN round({u(6)} * 10, 1) END AS years_since_treatment",
        _maybe(7, flag(7, 800), m, seed) + " AS imaging_done",
        _maybe(8, f"CASE WHEN site IN ('retroperitoneum', 'uterus') THEN 'deep' ELSE "
                  f"{_pick(8, ['superficial', 'deep'], [300, 700], seed)} END", m, seed) + " AS depth",
        _maybe(9, f"round(0.5 + {u(9)} * 25, 1)", m, seed) + " AS size_cm",
        _maybe(10, f"CAST({_pick(10, ['1', '2', '3'], [200, 300, 500], seed)} AS INTEGER)", m, seed) + " AS grade",
        _maybe(11, flag(11, 700), m, seed) + " AS mdt_reviewed",
        _maybe(12, _pick(12, ["clinically_negative", "macroscopically_involved"], [900, 100], seed), m, seed)
        + " AS nodes",
        _maybe(13, flag(13, 200), m, seed) + " AS prior_doxorubicin",
        "CASE WHEN phase <> 'follow_up' AND extent0 = 'metastatic' THEN " + flag(14, 600)
        + " ELSE FALSE END AS lung_metastases",
        f"CASE WHEN phase <> 'diagnosis' THEN {_maybe(15, _pick(15, ['wide', 'close', 'positive'], [600, 250, 150], seed), m, seed)} END AS margin",  # noqa: E501
        f"round(18 + {u(16)} * 72) AS age",
        _maybe(17, flag(17, 300), m, seed) + " AS vascular_invasion",
        _maybe(18, flag(18, 400), m, seed) + " AS necrosis",
        _maybe(19, flag(19, 500), m, seed) + " AS dna_aneuploidy",
        _maybe(20, _pick(20, ["low", "high"], [400, 600], seed), m, seed) + " AS mitotic_rate",
        _maybe(21, f"CAST({_pick(21, ['1', '2', '3', '4'], [200, 300, 300, 200], seed)} AS INTEGER)", m, seed)
        + " AS ajcc_stage",
        _maybe(22, _pick(22, ["preoperative", "postoperative"], [400, 600], seed), m, seed) + " AS rt_timing",
    ]
    if given:
        cols += [_maybe(30 + k, f"CAST({flag(30 + k, 500)} AS INTEGER)", m, seed) + f" AS given_{a}"
                 for k, a in enumerate(GIVEN)]
    return f"SELECT {', '.join(cols)} FROM ({base}) ORDER BY i"


def write(path: str, n: int, p_missing: float = 0.05, seed: int = 1, given: bool = False) -> None:
    """Write the cohort to ``path`` (Parquet or CSV, by its suffix) with DuckDB."""
    import duckdb

    fmt = "FORMAT parquet" if path.lower().endswith(".parquet") else "FORMAT csv, HEADER true"
    con = duckdb.connect()
    con.execute(f"COPY ({cohort_sql(n, p_missing, seed, given)}) TO '{path.replace(chr(39), chr(39) * 2)}' ({fmt})")
    con.close()


def main(argv: list[str]) -> int:
    given = "--given" in argv
    args = [a for a in argv if a != "--given"]
    if not 2 <= len(args) <= 4:
        sys.stderr.write("usage: python -m rules.lms_cohort OUT.{parquet,csv} N [P_MISSING] [SEED] [--given]\n")
        return 2
    write(args[0], int(args[1]), float(args[2]) if len(args) > 2 else 0.05, int(args[3]) if len(args) > 3 else 1,
          given)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
