"""LMS on a large synthetic cohort with DuckDB (Parquet in, Parquet out, end to end through the CLI), against the
Python path's rows per second measured in the same run on a smaller sample (CSV in, CSV out), plus a check that
both engines write the same bytes for the sample.

Why the CLI and not the library: "end to end" is what a registry user runs, process start, rules compile, query
build (cached on disk after the first run: the first run is reported separately), reading, validating, deciding
and writing included.

``python -m bench.bench_cohort_sql [N] [SAMPLE] [SPARK_N]`` (defaults 10,000,000, 100,000 and 20,000): also
``run --engine spark`` on a ``local[*]`` session (SPARK_N rows, CSV in and out, the JVM's start included; the cases
are read by the Python loader and the whole query runs on Spark), when pyspark is installed.

``python -m bench.bench_cohort_sql --audit [N]`` (default 1,000,000): ``guidegraph audit`` on N synthetic rows with
given columns, DuckDB on Parquet and on CSV, against the Python recount of the same rows (CSV, the Python path);
the JSON of all three must be equal (Parquet rows are numbered as records, CSV rows as lines: one apart).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LMS = str(ROOT / "rules/lms.rules")
GG = [sys.executable, "-m", "engine"]


def _timed(argv: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    took = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"failed ({done.returncode}): {' '.join(argv)}\n{done.stderr[-2000:]}")
    return took


def _audit(argv: list[str], out: str) -> float:
    took = _timed([*argv, "--format", "json", "-o", out])
    return took


def audit_main(argv: list[str]) -> int:
    """The audit bench (see the module docstring)."""
    import json

    n = int(argv[0]) if argv else 1_000_000
    sys.path.insert(0, str(ROOT))
    from rules.lms_cohort import GIVEN, write

    given = ",".join(f"given_{a}" for a in GIVEN)
    with tempfile.TemporaryDirectory(prefix="gg-bench-") as tmp:
        pq, csv = os.path.join(tmp, "c.parquet"), os.path.join(tmp, "c.csv")
        write(pq, n, given=True)
        write(csv, n, given=True)
        outs = {k: os.path.join(tmp, f"{k}.json") for k in ("pq", "csv", "py")}
        base = [*GG, "audit", LMS]
        t_pq = _audit([*base, pq, "--given", given, "--engine", "duckdb"], outs["pq"])
        t_csv = _audit([*base, csv, "--given", given, "--engine", "duckdb"], outs["csv"])
        t_py = _audit([*base, csv, "--given", given], outs["py"])
        found = {}
        for k, path in outs.items():
            with open(path, encoding="utf-8") as f:
                found[k] = json.load(f)
            found[k].pop("engine")
        for d in found["pq"]["discordant"]:
            d["row"] += 1
    same_pq, same_csv = found["pq"] == found["py"], found["csv"] == found["py"]
    py = found["py"]
    print(f"audit: {n:,} synthetic LMS rows with {len(GIVEN)} given columns, {len(py['discordant']):,} discordant "
          "rows")
    print(f"duckdb  Parquet: {t_pq:.1f} s ({n / t_pq:,.0f} rows/s); equal to the Python recount: {same_pq}")
    print(f"duckdb  CSV:     {t_csv:.1f} s ({n / t_csv:,.0f} rows/s); equal to the Python recount: {same_csv}")
    print(f"python  CSV:     {t_py:.1f} s ({n / t_py:,.0f} rows/s)")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end")
    return 0 if same_pq and same_csv else 1


def _spark(tmp: str, n: int, master: str) -> tuple[float, bool] | None:
    """``run --engine spark`` on ``n`` rows (CSV in, CSV out) and whether its bytes are the Python path's; None
    when pyspark is not installed."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return None
    from rules.lms_cohort import write

    path = os.path.join(tmp, "spark.csv")
    write(path, n)
    py_out, sp_out = os.path.join(tmp, "spark-py.csv"), os.path.join(tmp, "spark-sp.csv")
    _timed([*GG, "run", LMS, path, "--format", "csv", "--engine", "python", "-o", py_out])
    took = _timed([*GG, "run", LMS, path, "--format", "csv", "--engine", "spark", "--spark-master", master,
                   "-o", sp_out])
    return took, Path(py_out).read_bytes() == Path(sp_out).read_bytes()


def main(argv: list[str]) -> int:
    """``[N] [SAMPLE] [SPARK_N]``: DuckDB on N rows (Parquet in and out), Python on SAMPLE rows (CSV), Spark
    ``local[*]`` on SPARK_N rows (CSV; 0 skips it), all in this run."""
    if argv[:1] == ["--audit"]:
        return audit_main(argv[1:])
    n = int(argv[0]) if argv else 10_000_000
    sample = int(argv[1]) if len(argv) > 1 else 100_000
    spark_n = int(argv[2]) if len(argv) > 2 else 20_000
    sys.path.insert(0, str(ROOT))
    from rules.lms_cohort import write

    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="gg-bench-") as tmp:
        big, small = os.path.join(tmp, "big.parquet"), os.path.join(tmp, "small.csv")
        t = time.perf_counter()
        write(big, n)
        made = time.perf_counter() - t
        write(small, sample)
        py_out, dk_out = os.path.join(tmp, "py.csv"), os.path.join(tmp, "dk.csv")
        # the first DuckDB run builds and caches the query texts; the timed runs below reuse them
        _timed([*GG, "run", LMS, small, "--format", "csv", "--engine", "duckdb", "-o", dk_out])
        py = _timed([*GG, "run", LMS, small, "--format", "csv", "--engine", "python", "-o", py_out])
        loads.append(os.getloadavg()[0])
        same = Path(py_out).read_bytes() == Path(dk_out).read_bytes()
        out = os.path.join(tmp, "out.parquet")
        dk = _timed([*GG, "run", LMS, big, "--engine", "duckdb", "-o", out])
        loads.append(os.getloadavg()[0])
        size = os.path.getsize(out)
        import duckdb

        rows = duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{out}')").fetchall()[0][0]
        spark = _spark(tmp, spark_n, "local[*]") if spark_n else None
        loads.append(os.getloadavg()[0])
    py_rate, dk_rate = sample / py, n / dk
    print(f"cohort: {n:,} synthetic LMS rows made by DuckDB in {made:.1f} s (rules/lms_cohort.py)")
    print(f"python  (CSV in, CSV out, {sample:,} rows): {py:.1f} s, {py_rate:,.0f} rows/s")
    print(f"duckdb  (Parquet in, Parquet out, {n:,} rows): {dk:.1f} s, {dk_rate:,.0f} rows/s "
          f"({rows:,} report rows, {size / 2**20:.0f} MB)")
    print(f"speed-up: {dk_rate / py_rate:.1f}x (goal 20x); same CSV bytes on the sample: {same}")
    if spark is not None:
        print(f"spark   (local[*], CSV in, CSV out, {spark_n:,} rows): {spark[0]:.1f} s, {spark_n / spark[0]:,.0f} "
              f"rows/s, JVM start included; same CSV bytes as Python: {spark[1]}")
    print(f"machine: {os.cpu_count()} cores, load average (1 min) {', '.join(f'{x:.1f}' for x in loads)} "
          "(start, after Python, after DuckDB, at the end)")
    return 0 if same and (spark is None or spark[1]) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
