"""Who may call the CDS service: the CDS Hooks specification's signed JWT bearer tokens ("Trusting CDS Clients").

A CDS client sends ``Authorization: Bearer <JWT>`` with every call, discovery included. The token is signed with
the client's private key; the service holds, per trusted issuer, that client's public JSON Web Key Set (a file, or
a URL the client publishes, fetched once at start). A request is accepted only when all of these hold:

- the algorithm is one of :data:`ALGORITHMS`: the spec recommends RS384 and ES384; RS256 and ES256 are as strong
  for this use and common. ``none`` and every HMAC algorithm are refused by the spec (an HMAC "signature" made
  with the public key as the secret is the classic key-confusion forgery), and so is anything else;
- ``iss`` is on the allow-list and the header's ``kid`` names a key in that issuer's set whose type fits the
  algorithm; a ``jku`` header is accepted only when it is the very URL configured for the issuer (the spec asks
  services to allow-list ``jku`` too: a key set named by the caller proves nothing);
- the signature verifies; ``aud`` is the URL being called (the spec: the discovery URL for discovery, the
  service's own URL for a hook call; the discovery URL is accepted for a hook call as well, as some clients send
  the base); ``exp`` is in the future and ``iat`` not, both within :data:`LEEWAY` seconds of clock skew;
- ``jti`` is a non-empty string not seen before from this issuer while the token is still valid: a captured
  token cannot be replayed. The memory is per process and holds each jti only until its token expires, which is
  at most :data:`MAX_LIFETIME` after it was issued.

Anything else is :class:`AuthError` (the service answers 401). The messages say what was wrong with the token
and never repeat the token; they are safe to return to the caller, and only :attr:`AuthError.kind` is logged.
"""

from __future__ import annotations

import ipaddress
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import jwt

ALGORITHMS = ("RS384", "ES384", "RS256", "ES256")
LEEWAY = 30
"""Seconds of clock difference allowed between the client and the service (``exp``, ``iat``)."""
MAX_LIFETIME = 3600
"""Seconds from ``iat`` to ``exp`` at most: CDS clients sign a token per call that lives minutes; a longer one
would be a bearer credential worth stealing, and its jti would have to be remembered that long."""
MAX_TOKEN = 16 * 1024
"""Characters in a bearer token: a CDS Hooks JWT is a few hundred; anything far larger is not worth parsing."""
MAX_JWKS = 1024 * 1024
"""Bytes in a key set read from a file or fetched: a few keys are a few kilobytes."""
_CURVES = {"ES256": "P-256", "ES384": "P-384"}


class TrustError(Exception):
    """A ``--trust`` that cannot be used (the serve command exits 2 with this message)."""


class AuthError(Exception):
    """A request the service refuses with 401: ``message`` for the caller, ``kind`` (a fixed word) for the log.

    ``missing`` is true when no credentials came at all: RFC 6750 then wants a bare ``Bearer`` challenge."""

    def __init__(self, kind: str, message: str, missing: bool = False) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.missing = missing

    @property
    def challenge(self) -> str:
        """The ``WWW-Authenticate`` value: fixed text only, nothing the caller sent (no header injection)."""
        if self.missing:
            return 'Bearer realm="cds-services"'
        return f'Bearer realm="cds-services", error="invalid_token", error_description="{self.kind}"'


@dataclass(frozen=True, slots=True)
class Issuer:
    """One trusted CDS client: its ``iss``, where its keys came from, and its verification keys by ``kid``."""

    name: str
    source: str
    url: str | None
    keys: dict[str, Key] = field(repr=False)


@dataclass(frozen=True, slots=True)
class Key:
    """A verification key and the JWK members that say which algorithms it may check."""

    jwk: dict[str, Any]
    key: jwt.PyJWK

    def fits(self, alg: str) -> bool:
        """The key's own ``alg`` if it names one; its type and (EC) its curve otherwise."""
        if self.jwk.get("alg") not in (None, alg):
            return False
        if alg.startswith("RS"):
            return bool(self.jwk.get("kty") == "RSA")
        return bool(self.jwk.get("kty") == "EC" and self.jwk.get("crv") == _CURVES.get(alg))


def parse_trust(value: str) -> tuple[str, str]:
    """``ISSUER=JWKS`` split at the first ``=`` (an issuer URL has none; a key set URL may have a query)."""
    name, sep, source = value.partition("=")
    if not sep or not name.strip() or not source.strip():
        raise TrustError(f"--trust wants ISSUER=JWKS_FILE_OR_URL, got {value[:80]!r}")
    return name.strip(), source.strip()


def load_issuer(name: str, source: str, timeout: float = 10.0) -> Issuer:
    """The issuer with its key set, read from a file or fetched from an https URL (http only on loopback, for
    tests), or :class:`TrustError` naming the issuer and what is wrong."""
    url: str | None = None
    if "://" in source:
        url = source
        data = _fetch(name, source, timeout)
    else:
        try:
            with open(source, "rb") as f:
                data = f.read(MAX_JWKS + 1)
        except OSError as e:
            raise TrustError(f"--trust {name}: cannot read the key set {source!r}: {e.strerror or e}") from None
    if len(data) > MAX_JWKS:
        raise TrustError(f"--trust {name}: the key set {source!r} is larger than {MAX_JWKS:,} bytes")
    return Issuer(name, source, url, _keys(name, source, data))


def _fetch(name: str, url: str, timeout: float) -> bytes:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and _loopback(parts.hostname or "")):
        raise TrustError(f"--trust {name}: a key set URL must be https (http only on loopback, for tests): {url!r}")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data: bytes = response.read(MAX_JWKS + 1)
            return data
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", None) or e
        raise TrustError(f"--trust {name}: cannot fetch the key set {url!r}: {reason}") from None


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _keys(name: str, source: str, data: bytes) -> dict[str, Key]:
    """The usable verification keys of a JWK Set by ``kid``. A set with a private key is refused (the service
    must never hold a client's private key); keys for encryption, symmetric keys and keys without ``kid`` are
    left out (a CDS client's JWT header must name its ``kid``); no usable key at all is an error."""
    where = f"--trust {name}: the key set {source!r}"
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        raise TrustError(f"{where} is not JSON") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("keys"), list):
        raise TrustError(f"{where} is not a JSON Web Key Set (an object with a 'keys' list)")
    out: dict[str, Key] = {}
    for i, jwk in enumerate(doc["keys"], 1):
        if not isinstance(jwk, dict):
            raise TrustError(f"{where}: key {i} is not an object")
        if "d" in jwk:
            raise TrustError(f"{where}: key {i} is a private key; give the service the public keys only")
        if jwk.get("kty") not in ("RSA", "EC") or jwk.get("use", "sig") != "sig" or not isinstance(
                jwk.get("kid"), str):
            continue
        try:
            out[jwk["kid"]] = Key(jwk, jwt.PyJWK(jwk))
        except (jwt.PyJWTError, ValueError, TypeError) as e:
            raise TrustError(f"{where}: key {i} ('{jwk['kid'][:40]}') is not a usable key: {e}") from None
    if not out:
        raise TrustError(f"{where} holds no RSA or EC signing key with a 'kid'")
    return out


class Verifier:
    """Checks one request's ``Authorization`` header (see the module docstring); remembers recent ``jti``s."""

    def __init__(self, issuers: list[Issuer], audience: str, leeway: float = LEEWAY) -> None:
        self.issuers = {i.name: i for i in issuers}
        self.audience = audience.rstrip("/")
        self.leeway = leeway
        self.seen: dict[tuple[str, str], float] = {}
        self._prune_at = 0.0

    def check(self, authorization: str | None, path: str = "") -> dict[str, Any]:
        """The token's claims if the caller may call ``audience + path``; :class:`AuthError` otherwise."""
        scheme, _, token = (authorization or "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise AuthError("missing_token", "this service needs a JWT bearer token from a trusted CDS client "
                                             "(Authorization: Bearer <JWT>)", missing=True)
        if len(token) > MAX_TOKEN:
            raise AuthError("token_too_large", f"the bearer token is longer than {MAX_TOKEN:,} characters")
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except (jwt.PyJWTError, ValueError, TypeError, RecursionError):  # RecursionError: JSON nested 10,000 deep
            raise AuthError("malformed", "the bearer token is not a signed JWT") from None
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise AuthError("algorithm", f"the token's algorithm {_shown(alg)} is not accepted "
                                         f"(accepted: {', '.join(ALGORITHMS)})")
        iss = unverified.get("iss")
        issuer = self.issuers.get(iss) if isinstance(iss, str) else None
        if issuer is None:
            raise AuthError("issuer", "the token's issuer (iss) is not a CDS client this service trusts")
        jku = header.get("jku")
        if jku is not None and jku != issuer.url:
            raise AuthError("jku", "the token's key set URL (jku) is not the one configured for its issuer")
        kid = header.get("kid")
        key = issuer.keys.get(kid) if isinstance(kid, str) else None
        if key is None or not key.fits(alg):
            raise AuthError("key", f"the issuer has no {alg} key with the token's kid {_shown(kid)}")
        audiences = sorted({self.audience, self.audience + path})
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key.key.key, algorithms=[alg], audience=audiences, issuer=issuer.name, leeway=self.leeway,
                options={"require": ["iss", "aud", "exp", "iat", "jti"]})
        except jwt.ExpiredSignatureError:
            raise AuthError("expired", "the token has expired (exp)") from None
        except jwt.ImmatureSignatureError:
            raise AuthError("not_yet_valid", "the token is issued in the future (iat or nbf)") from None
        except jwt.InvalidAudienceError:
            raise AuthError("audience", f"the token's audience (aud) is not {' or '.join(audiences)}") from None
        except jwt.InvalidSignatureError:
            raise AuthError("signature", "the token's signature does not verify with the issuer's key") from None
        except jwt.MissingRequiredClaimError as e:
            raise AuthError("claim", f"the token has no '{e.claim}' claim") from None
        except (jwt.PyJWTError, ValueError, TypeError, RecursionError):
            raise AuthError("invalid", "the bearer token is not valid") from None
        exp, iat = claims["exp"], claims["iat"]
        if not all(isinstance(t, int | float) and not isinstance(t, bool) for t in (exp, iat)):
            raise AuthError("claim", "the token's 'exp' and 'iat' must be numbers (seconds since 1970)")
        if exp - iat > MAX_LIFETIME:
            raise AuthError("lifetime", f"the token lives longer than {MAX_LIFETIME} s (exp - iat): sign one per call")
        self._once(issuer.name, claims)
        return claims

    def _once(self, issuer: str, claims: dict[str, Any]) -> None:
        """Refuse a ``jti`` already used while its token is valid; remember it until then (and the leeway)."""
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti or len(jti) > 256:
            raise AuthError("claim", "the token's 'jti' must be a non-empty string (a nonce)")
        now = time.time()
        if now >= self._prune_at:
            self.seen = {k: t for k, t in self.seen.items() if t > now}
            self._prune_at = now + 10
        if self.seen.get((issuer, jti), 0.0) > now:
            raise AuthError("replayed", "the token was already used (its jti was seen): sign one per request")
        self.seen[(issuer, jti)] = float(claims["exp"]) + self.leeway


def _shown(value: Any) -> str:
    return repr(value[:40]) if isinstance(value, str) else "none" if value is None else type(value).__name__
