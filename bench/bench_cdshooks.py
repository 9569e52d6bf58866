"""``python -m bench.bench_cdshooks``: latency of the CDS Hooks ``patient-view`` call for LMS under load (issue 21's
goal: p99 under 50 ms with 8 concurrent clients, 0 errors).

A real ``guidegraph serve`` process on a free loopback port; 8 client threads, each with its own keep-alive HTTP
connection, send 2,000 hook calls in all. The requests are the LMS cases (rules/cases) as synthetic Bundles
(scripts/fhir_bundles.py), cycled, so the service sees every kind of patient. The time of each call is measured
from sending the request to having read the whole response; an error is any status other than 200 or a body that
is not a card list. Client and server share the machine's cores, so the figures include the clients' own cost.

Authenticated by default, as a deployment is: the bench makes an EC P-384 key pair, gives the service the public
key set (``--trust``) and sends each call with its own ES384 JWT (the algorithm CDS Hooks recommends), because the
service refuses a reused ``jti`` as a replay and a CDS client signs one token per call. The tokens are signed
before the clock starts (the time to sign one is printed apart), so the latency is the service's, verification
included. ``--alg RS384`` or ``ES256`` signs with an RSA 2048 or P-256 key instead (checked about 4 times faster
than P-384 here); ``--insecure`` measures the service without authentication, for comparison.
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
import tempfile
import threading
import time
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from scripts.fhir_bundles import bundles, fhir_id

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RULES = os.path.join(ROOT, "rules", "lms.rules")
MAP = os.path.join(ROOT, "rules", "lms.fhir.yaml")
PATH = "/cds-services/guidegraph-lms"
ISSUER = "https://bench-ehr.example.org"


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
            if conn.getresponse().status in (200, 401):  # 401: up, and asking for a token
                conn.close()
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("guidegraph serve did not start within 60 s")


class Signer:
    """The bench's CDS client identity: an ES384 key, its public key set in a file for ``--trust``."""

    def __init__(self, folder: str, port: int, alg: str) -> None:
        self.alg = alg
        self.key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048) if alg.startswith("RS")
            else ec.generate_private_key(ec.SECP384R1() if alg == "ES384" else ec.SECP256R1()))
        jwk = json.loads(jwt.algorithms.get_default_algorithms()[alg].to_jwk(self.key.public_key()))
        self.jwks = os.path.join(folder, "bench.jwks.json")
        with open(self.jwks, "w") as f:
            json.dump({"keys": [{**jwk, "kid": "bench-1", "use": "sig", "alg": alg}]}, f)
        self.audience = f"http://127.0.0.1:{port}{PATH}"

    def tokens(self, n: int) -> list[str]:
        now = int(time.time())
        return [jwt.encode({"iss": ISSUER, "aud": self.audience, "iat": now, "exp": now + 300,
                            "jti": str(uuid.uuid4())}, self.key, algorithm=self.alg, headers={"kid": "bench-1"})
                for _ in range(n)]


def _client(port: int, bodies: list[bytes], tokens: list[str] | None, jobs: list[int], lock: threading.Lock,
            times: list[float], errors: list[str]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while True:
        with lock:
            if not jobs:
                break
            i = jobs.pop()
        body = bodies[i % len(bodies)]
        headers = {"Content-Type": "application/json"}
        if tokens is not None:
            headers["Authorization"] = f"Bearer {tokens[i]}"
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
    parser.add_argument("--alg", choices=("ES384", "RS384", "ES256", "RS256"), default="ES384",
                        help="the JWT signing algorithm of the bench's client (default: ES384)")
    parser.add_argument("--insecure", action="store_true", help="serve and call without authentication")
    args = parser.parse_args(argv)
    bodies = _bodies()
    port = _free_port()
    folder = tempfile.TemporaryDirectory()
    signer = None if args.insecure else Signer(folder.name, port, args.alg)
    auth = ["--insecure"] if signer is None else ["--trust", f"{ISSUER}={signer.jwks}"]
    proc = subprocess.Popen([sys.executable, "-m", "engine", "serve", RULES, "--fhir-map", MAP, *auth,
                             "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(port, proc)
        lock = threading.Lock()
        for jobs_n, keep in ((args.warmup, False), (args.requests, True)):
            jobs = list(range(jobs_n))
            times: list[float] = []
            errors: list[str] = []
            signing = time.perf_counter()
            tokens = None if signer is None else signer.tokens(jobs_n)
            signing = time.perf_counter() - signing
            threads = [threading.Thread(target=_client, args=(port, bodies, tokens, jobs, lock, times, errors))
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
                  f"{len(bodies)} distinct patients, loopback, "
                  + ("NOT authenticated (--insecure)" if signer is None else
                     f"authenticated (one {args.alg} JWT per call, signed beforehand: "
                     f"{signing / max(1, jobs_n) * 1e3:.2f} ms each)"))
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
        folder.cleanup()


if __name__ == "__main__":
    raise SystemExit(main())
