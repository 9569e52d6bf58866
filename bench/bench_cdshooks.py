"""``python -m bench.bench_cdshooks``: latency of the CDS Hooks ``patient-view`` call for LMS under load (issue 21's
goal: p99 under 50 ms with 8 concurrent clients, 0 errors).

A real ``guidegraph serve`` process on a free loopback port; 8 client threads, each with its own keep-alive HTTP
connection, send 2,000 hook calls in all. The requests are the LMS cases (rules/cases) as synthetic Bundles
(scripts/fhir_bundles.py), cycled, so the service sees every kind of patient. The time of each call is measured
from sending the request to having read the whole response; an error is any status other than 200 or a body that
is not a card list. Client and server share the machine's cores, so the figures include the clients' own cost.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

from scripts.fhir_bundles import bundles, fhir_id

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RULES = os.path.join(ROOT, "rules", "lms.rules")
MAP = os.path.join(ROOT, "rules", "lms.fhir.yaml")
PATH = "/cds-services/guidegraph-lms"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bodies() -> list[bytes]:
    made = bundles(RULES, MAP, [os.path.join(ROOT, "rules", "cases")])
    return [json.dumps({"hook": "patient-view", "hookInstance": f"bench-{i}",
                        "context": {"userId": "Practitioner/bench", "patientId": fhir_id(case_id)},
                        "prefetch": {"record": bundle}}).encode()
            for i, (case_id, bundle) in enumerate(made.items())]


def _wait(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"guidegraph serve exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/cds-services")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("guidegraph serve did not start within 60 s")


def _client(port: int, bodies: list[bytes], jobs: list[int], lock: threading.Lock, times: list[float],
            errors: list[str]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"}
    while True:
        with lock:
            if not jobs:
                break
            i = jobs.pop()
        body = bodies[i % len(bodies)]
        start = time.perf_counter()
        try:
            conn.request("POST", PATH, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            elapsed = time.perf_counter() - start
            if response.status != 200 or not isinstance(json.loads(data).get("cards"), list):
                errors.append(f"HTTP {response.status}")
        except (OSError, ValueError, http.client.HTTPException) as e:
            elapsed = time.perf_counter() - start
            errors.append(type(e).__name__)
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        times.append(elapsed)
    conn.close()


def _percentile(sorted_ms: list[float], p: float) -> float:
    k = max(0, min(len(sorted_ms) - 1, round(p / 100 * len(sorted_ms) + 0.5) - 1))
    return sorted_ms[k]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=100, help="calls before measuring (not counted)")
    args = parser.parse_args(argv)
    bodies = _bodies()
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "engine", "serve", RULES, "--fhir-map", MAP, "--insecure",
                             "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(port, proc)
        lock = threading.Lock()
        for jobs_n, keep in ((args.warmup, False), (args.requests, True)):
            jobs = list(range(jobs_n))
            times: list[float] = []
            errors: list[str] = []
            threads = [threading.Thread(target=_client, args=(port, bodies, jobs, lock, times, errors))
                       for _ in range(args.clients)]
            wall = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - wall
            if not keep:
                continue
            ms = sorted(t * 1e3 for t in times)
            p50, p90, p99 = (_percentile(ms, p) for p in (50, 90, 99))
            kinds = ", ".join(f"{k} x{errors.count(k)}" for k in sorted(set(errors)))
            print(f"CDS Hooks patient-view, LMS: {len(ms):,} requests, {args.clients} concurrent clients, "
                  f"{len(bodies)} distinct patients, loopback")
            print(f"  latency ms: p50 {p50:.1f}  p90 {p90:.1f}  p99 {p99:.1f}  max {ms[-1]:.1f}  "
                  f"mean {statistics.fmean(ms):.1f}")
            print(f"  throughput: {len(ms) / wall:,.0f} requests/s; errors: {len(errors)}"
                  + (f" ({kinds})" if kinds else ""))
            ok = p99 < 50 and not errors
            print(f"  goal p99 < 50 ms and 0 errors: {'met' if ok else 'NOT met'}")
        return 0
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    raise SystemExit(main())
