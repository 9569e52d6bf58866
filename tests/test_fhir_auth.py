"""`guidegraph serve` authenticates CDS clients as the CDS Hooks specification says (a signed JWT per call), as a
real process on a loopback port called over HTTP: a good token gets cards; a missing, forged, foreign, misaddressed,
stale, unsigned, HMAC-confused or replayed one gets 401 with a JSON body and a Bearer challenge. The keys are made
here (no key material in the repository); one client's key set is served over loopback HTTP to check ``jku``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import http.server
import json
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fhir.resources")
pytest.importorskip("uvicorn")
pytest.importorskip("jwt")
pytest.importorskip("cryptography")

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from engine.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
RULES = str(ROOT / "rules" / "lms.rules")
MAP = str(ROOT / "rules" / "lms.fhir.yaml")
EHR = "https://ehr.example.org"
PORTAL = "https://portal.example.org"
REQUEST = (ROOT / "docs" / "examples" / "patient-view.json").read_bytes()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk(key: Any, kid: str) -> dict[str, Any]:
    jwk = json.loads(jwt.algorithms.get_default_algorithms()["RS256" if isinstance(key, rsa.RSAPublicKey)
                                                              else "ES256"].to_jwk(key))
    return {**jwk, "kid": kid, "use": "sig"}


class Keys:
    """The clients' private keys and the key sets the service is given."""

    def __init__(self, tmp: Path) -> None:
        self.ec = ec.generate_private_key(ec.SECP384R1())
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.portal = ec.generate_private_key(ec.SECP256R1())
        self.stranger = ec.generate_private_key(ec.SECP384R1())
        self.ehr_file = tmp / "ehr.jwks.json"
        self.ehr_file.write_text(json.dumps({"keys": [public_jwk(self.ec.public_key(), "ehr-ec"),
                                                      public_jwk(self.rsa.public_key(), "ehr-rsa")]}))
        self.portal_jwks = json.dumps({"keys": [public_jwk(self.portal.public_key(), "portal-1")]}).encode()


class Server:
    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.log = log
        self.base = f"http://127.0.0.1:{port}/cds-services"

    def call(self, method: str, path: str, token: str | None, body: bytes | None = None,
             scheme: str = "Bearer") -> tuple[int, Any, dict[str, str]]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"{scheme} {token}"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, json.loads(response.read()), dict(response.getheaders())
        finally:
            conn.close()

    def hook(self, token: str | None, **kw: Any) -> tuple[int, Any, dict[str, str]]:
        return self.call("POST", "/cds-services/guidegraph-lms", token, REQUEST, **kw)


def start(args: list[str], log: Path) -> tuple[subprocess.Popen[bytes], Server]:
    port = free_port()
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "engine", "serve", RULES, "--fhir-map", MAP,
                                 "--port", str(port), *args], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    srv = Server(port, log)
    deadline = time.monotonic() + 30
    while True:
        try:
            srv.call("GET", "/cds-services", None)
            return proc, srv
        except OSError:
            pass
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "the service did not start"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return Keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def jwks_url(keys: Keys) -> Iterator[str]:
    """The portal's key set, published at a loopback URL (the spec's ``jku``)."""
    body = keys.portal_jwks

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/jwks.json"
    httpd.shutdown()


@pytest.fixture(scope="module")
def server(keys: Keys, jwks_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    proc, srv = start(["--trust", f"{EHR}={keys.ehr_file}", "--trust", f"{PORTAL}={jwks_url}"],
                      tmp_path_factory.mktemp("serve") / "serve.log")
    try:
        yield srv
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def claims(srv: Server, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    out = {"iss": EHR, "aud": srv.base + "/guidegraph-lms", "iat": now, "exp": now + 300, "jti": str(uuid.uuid4())}
    out.update(changes)
    return {k: v for k, v in out.items() if v is not None}


def token(srv: Server, key: Any = None, alg: str = "ES384", kid: str = "ehr-ec", headers: dict[str, Any] | None = None,
          **changes: Any) -> str:
    return str(jwt.encode(claims(srv, **changes), key, algorithm=alg, headers={"kid": kid, **(headers or {})}))


def unsigned(header: dict[str, Any], payload: dict[str, Any], sign: Any = None) -> str:
    text = b64(json.dumps(header).encode()) + "." + b64(json.dumps(payload).encode())
    return text + "." + (b64(sign(text.encode())) if sign else "")


def refused(answer: tuple[int, Any, dict[str, str]], words: str) -> bool:
    status, body, headers = answer
    return (status == 401 and words in body["error"]
            and headers.get("www-authenticate", headers.get("WWW-Authenticate", "")).startswith("Bearer"))


def test_a_signed_token_gets_the_cards(server: Server, keys: Keys) -> None:
    status, body, _ = server.hook(token(server, keys.ec))
    assert status == 200 and len(body["cards"]) == 8
    status, body, _ = server.hook(token(server, keys.rsa, "RS384", "ehr-rsa"))
    assert status == 200 and len(body["cards"]) == 8


def test_discovery_needs_a_token_addressed_to_it(server: Server, keys: Keys) -> None:
    assert refused(server.call("GET", "/cds-services", None), "bearer token")
    status, body, _ = server.call("GET", "/cds-services", token(server, keys.ec, aud=server.base))
    assert status == 200 and body["services"][0]["id"] == "guidegraph-lms"
    assert refused(server.call("GET", "/cds-services", token(server, keys.ec)), "audience")


def test_the_discovery_url_as_audience_is_accepted_for_a_hook_call(server: Server, keys: Keys) -> None:
    assert server.hook(token(server, keys.ec, aud=[server.base]))[0] == 200


def test_a_missing_token_is_401(server: Server, keys: Keys) -> None:
    status, body, headers = server.hook(None)
    assert refused((status, body, headers), "bearer token")
    assert headers["www-authenticate"] == 'Bearer realm="cds-services"'
    assert refused(server.hook(token(server, keys.ec), scheme="Basic"), "bearer token")
    assert refused(server.hook("not-a-jwt"), "not a signed JWT")
    deep = b64(b"[" * 5000)  # JSON nested deeper than Python recurses: a 401, not a 500
    header = b64(json.dumps({"alg": "ES384", "kid": "ehr-ec"}).encode())
    for tok in (deep + "." + b64(b"{}") + ".c2ln", header + "." + deep + ".c2ln"):
        assert refused(server.hook(tok), "not a signed JWT")


@pytest.mark.parametrize("case, words", [
    ("wrong signature", "signature"),
    ("unknown issuer", "issuer"),
    ("wrong audience", "audience"),
    ("expired", "expired"),
    ("issued in the future", "future"),
    ("no jti", "jti"),
    ("long-lived", "lives longer"),
    ("unknown kid", "kid"),
    ("key of another type", "kid"),
    ("foreign jku", "jku"),
])
def test_a_bad_token_is_401(server: Server, keys: Keys, case: str, words: str) -> None:
    now = int(time.time())
    tok = {
        "wrong signature": lambda: token(server, keys.stranger),
        "unknown issuer": lambda: token(server, keys.ec, iss="https://evil.example.org"),
        "wrong audience": lambda: token(server, keys.ec, aud="https://other.example.org/cds-services/guidegraph-lms"),
        "expired": lambda: token(server, keys.ec, iat=now - 900, exp=now - 600),
        "issued in the future": lambda: token(server, keys.ec, iat=now + 600, exp=now + 900),
        "no jti": lambda: token(server, keys.ec, jti=None),
        "long-lived": lambda: token(server, keys.ec, exp=now + 86400),
        "unknown kid": lambda: token(server, keys.ec, kid="nope"),
        "key of another type": lambda: token(server, keys.ec, kid="ehr-rsa"),
        "foreign jku": lambda: token(server, keys.ec, headers={"jku": "https://evil.example.org/jwks.json"}),
    }[case]()
    assert refused(server.hook(tok), words)


def test_alg_none_is_401(server: Server) -> None:
    tok = unsigned({"alg": "none", "typ": "JWT", "kid": "ehr-ec"}, claims(server))
    assert refused(server.hook(tok), "algorithm")


def test_hs256_with_the_public_key_as_secret_is_401(server: Server, keys: Keys) -> None:
    """The key-confusion forgery: a verifier that lets the token pick HMAC would take the public key as secret."""
    for pem in (keys.ec.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo),
                keys.ehr_file.read_bytes()):
        tok = unsigned({"alg": "HS256", "typ": "JWT", "kid": "ehr-ec"}, claims(server),
                       lambda text, pem=pem: hmac.new(pem, text, hashlib.sha256).digest())
        assert refused(server.hook(tok), "algorithm")


def test_a_replayed_token_is_401(server: Server, keys: Keys) -> None:
    tok = token(server, keys.ec)
    assert server.hook(tok)[0] == 200
    assert refused(server.hook(tok), "already used")


def test_a_key_set_published_at_a_url_is_trusted_with_its_jku(server: Server, keys: Keys, jwks_url: str) -> None:
    def portal(**kw: Any) -> str:
        return token(server, keys.portal, "ES256", "portal-1", iss=PORTAL, **kw)

    assert server.hook(portal())[0] == 200
    assert server.hook(portal(headers={"jku": jwks_url}))[0] == 200
    assert refused(server.hook(portal(headers={"jku": jwks_url + "?other"})), "jku")


def test_the_log_shows_no_token_and_no_patient(server: Server, keys: Keys) -> None:
    tok = token(server, keys.ec, aud="https://other.example.org")
    server.hook(tok)
    text = server.log.read_text()
    assert "CDS clients authenticated by signed JWT" in text and "auth: HTTP 401 (audience)" in text
    assert tok.split(".")[2] not in text and "eyJ" not in text
    assert '"example"' not in text and "Patient/example" not in text


def test_insecure_serves_without_a_token_and_says_so(tmp_path: Path) -> None:
    proc, srv = start(["--insecure"], tmp_path / "serve.log")
    try:
        status, body, _ = srv.hook(None)
        assert status == 200 and len(body["cards"]) == 8
        assert "warning: --insecure: CDS clients are NOT authenticated" in srv.log.read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize("args, words", [
    ([], "--trust ISSUER=JWKS_FILE_OR_URL"),
    (["--insecure", "--trust", "a=b"], "cannot go with --trust"),
    (["--trust", "no-equals-sign"], "ISSUER=JWKS"),
    (["--trust", "x=/nonexistent/jwks.json"], "cannot read the key set"),
    (["--trust", "x=http://example.org/jwks.json"], "must be https"),
    (["--trust", "x=KEYS", "--host", "0.0.0.0"], "--audience"),
    (["--trust", "x=KEYS", "--audience", "https://cds.example.org/"], "/cds-services"),
    (["--trust", "x=PRIVATE"], "private key"),
])
def test_serve_refuses_to_start_without_a_usable_trust(keys: Keys, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         args: list[str], words: str) -> None:
    private = tmp_path / "private.json"
    private.write_text(json.dumps({"keys": [{**public_jwk(keys.ec.public_key(), "k"),
                                             "d": b64(b"not really a key")}]}))
    args = [a.replace("KEYS", str(keys.ehr_file)).replace("PRIVATE", str(private)) for a in args]
    assert main(["serve", RULES, "--fhir-map", MAP, *args]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
