"""``python -m bench.bench_lsp``: how fast ``guidegraph lsp`` answers an edit of rules/lms.rules (issue 19's goals:
parse and resolve diagnostics within 300 ms of an edit, the checker's findings within 2 s).

A real server process and a stdio client (tests/lsp_client.py): lms.rules is opened, then edited ``ROUNDS`` times,
alternately breaking and restoring one name; the time from sending each change to receiving the diagnostics is
measured (the checks' time includes the server's pause of ``CHECK_DELAY`` seconds after the last keystroke).
"""

from __future__ import annotations

import statistics
import sys
import time

from engine.lsp.server import CHECK_DELAY
from tests.lsp_client import ROOT, Client

ROUNDS = 10


def _has_checks(ds: list[dict[str, object]]) -> bool:
    return any(str(d["code"]).startswith(("W2", "N2", "E2")) for d in ds)


def main() -> int:
    lms = ROOT / "rules" / "lms.rules"
    text, uri = lms.read_text(encoding="utf-8"), lms.as_uri()
    client = Client([sys.executable, "-m", "engine", "lsp"])
    client.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    client.notify("initialized", {})
    client.open(uri, text)
    client.diagnostics(uri, _has_checks)
    i = text.index("treatment and extent == localized") + len("treatment and ")
    line, col = text.count("\n", 0, i), i - text.rfind("\n", 0, i) - 1
    fronts, checks, word = [], [], "extent"
    for version in range(2, 2 + 2 * ROUNDS):
        new = "extnt" if word == "extent" else "extent"
        change = {"range": {"start": {"line": line, "character": col},
                            "end": {"line": line, "character": col + len(word)}}, "text": new}
        start = time.perf_counter()
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                 "contentChanges": [change]})
        client.diagnostics(uri)
        fronts.append(time.perf_counter() - start)
        if new == "extent":
            client.diagnostics(uri, _has_checks)
            checks.append(time.perf_counter() - start)
        word = new
    client.request("shutdown", None)
    client.notify("exit", None)
    front_ms, check_ms = 1000 * statistics.median(fronts), 1000 * statistics.median(checks)
    print(f"lsp, lms.rules: parse+resolve diagnostics {front_ms:.0f} ms after an edit (median of {len(fronts)}; "
          f"goal 300 ms: {'met' if front_ms <= 300 else 'NOT met'})")
    print(f"lsp, lms.rules: checker findings {check_ms:.0f} ms after an edit, {1000 * CHECK_DELAY:.0f} ms pause "
          f"included (median of {len(checks)}; goal 2000 ms: {'met' if check_ms <= 2000 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
