"""`guidegraph serve RULES --fhir-map MAP (--trust ISSUER=JWKS... | --insecure)`: a CDS Hooks service over HTTP.

The rules are compiled and the map checked before the server listens, so a broken rules file or map exits (1, or
2 when unreadable) with the usual diagnostics instead of failing on the first request; the first request does not
pay for compilation or code generation either. The service (engine/fhir/service.py) answers discovery
(``GET /cds-services``) and the ``patient-view`` hook. It listens on 127.0.0.1 unless told otherwise.

Authentication is on unless ``--insecure`` turns it off: the CDS Hooks specification has every client sign a JWT
per call, so serving clinical decision support to anyone who can reach the port would be a silent downgrade.
``--trust ISSUER=JWKS`` (repeatable) is the allow-list of clients, each with its public key set (a file, or the
https URL the client publishes, fetched now so a wrong URL fails at start, not at the first patient).
``--audience`` is the discovery URL as clients call it (the tokens' ``aud``); it defaults to the URL served here,
which is wrong behind a proxy or on a wildcard address, so a wildcard address needs it said. Neither ``--trust``
nor ``--insecure`` is a usage error (2), and so is a key set that cannot be read. ``--insecure`` says so at start.
Logs name no patient and show no token.
"""

from __future__ import annotations

import argparse
import logging
import os

from engine.cli.fhir_support import load_rules_and_map, missing_extra
from engine.cli.support import Exit, say

_WILDCARDS = {"", "0.0.0.0", "::", "[::]"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", metavar="RULES", help="the rules file")
    parser.add_argument("--fhir-map", metavar="MAP", required=True,
                        help="how the inputs are read from FHIR resources (e.g. rules/lms.fhir.yaml)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (default: 8080)")
    parser.add_argument("--trust", action="append", default=[], metavar="ISSUER=JWKS",
                        help="a CDS client allowed to call: its JWT issuer (iss) and its JSON Web Key Set, a file or "
                             "an https URL (fetched at start; a token's jku must be this URL); repeatable")
    parser.add_argument("--audience", metavar="URL",
                        help="the discovery URL as clients call it, which tokens must name as aud (default: "
                             "http://HOST:PORT/cds-services); a hook call may name its own URL, URL/SERVICE_ID")
    parser.add_argument("--insecure", action="store_true",
                        help="serve without authenticating CDS clients: for local testing only")
    parser.add_argument("--max-body", type=int, default=None, metavar="BYTES",
                        help="largest request body accepted (default: 2 MiB)")
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                        help="longest a hook call may take before it is answered 503 (default: 5)")


def _usage(message: str) -> Exit:
    say(f"guidegraph: error: {message}\n")
    return Exit.USAGE


def _audience(args: argparse.Namespace) -> str | Exit:
    if args.audience is None:
        if args.host in _WILDCARDS:
            return _usage(f"--host {args.host!r} listens on every address, so the URL clients call is not "
                          "known: give it with --audience (e.g. https://cds.example.org/cds-services)")
        host = f"[{args.host}]" if ":" in args.host else args.host
        return f"http://{host}:{args.port}/cds-services"
    audience = str(args.audience).rstrip("/")
    if not audience.startswith(("https://", "http://")) or not audience.endswith("/cds-services"):
        return _usage(f"--audience must be the discovery URL, http(s)://.../cds-services, got {args.audience!r}")
    return audience


def run(args: argparse.Namespace) -> int:
    if args.insecure and (args.trust or args.audience):
        return _usage("--insecure turns authentication off, so it cannot go with --trust or --audience")
    if not args.insecure and not args.trust:
        return _usage("serve authenticates CDS clients by their signed JWTs: give each client with "
                      "--trust ISSUER=JWKS_FILE_OR_URL (its issuer and public key set), or --insecure to serve "
                      "without authentication (local testing only)")
    if not 0 < args.port < 65536:
        return _usage(f"--port must be 1-65535, got {args.port}")
    if (missing := missing_extra("starlette", "uvicorn", "jwt", "cryptography")) is not None:
        return missing
    from engine.fhir.auth import TrustError, Verifier, load_issuer, parse_trust

    auth: Verifier | None = None
    if not args.insecure:
        audience = _audience(args)
        if isinstance(audience, Exit):
            return audience
        try:
            trusted = [parse_trust(t) for t in args.trust]
            if len({name for name, _ in trusted}) < len(trusted):
                raise TrustError("--trust names the same issuer twice")
            auth = Verifier([load_issuer(name, source) for name, source in trusted], audience)
        except TrustError as e:
            return _usage(str(e))
    loaded = load_rules_and_map(args.rules, args.fhir_map)
    if isinstance(loaded, Exit):
        return loaded
    guideline, fmap = loaded
    import uvicorn

    from engine.evaluate.api import prepare
    from engine.fhir.service import MAX_BODY, TIMEOUT, Settings, create_app

    prepare(guideline)
    stem = os.path.splitext(os.path.basename(args.rules))[0]
    settings = Settings(fmap.service_id or stem, fmap.title or guideline.model.title,
                        args.max_body or MAX_BODY, args.timeout or TIMEOUT)
    app = create_app(guideline, fmap, settings, auth)
    logging.basicConfig(level=logging.INFO, format="guidegraph serve: %(message)s")
    say(f"guidegraph serve: {settings.title}: http://{args.host}:{args.port}/cds-services (service "
        f"'{settings.service_id}', hook patient-view)\n")
    if auth is None:
        say("guidegraph serve: warning: --insecure: CDS clients are NOT authenticated; anyone who can reach the port "
            "gets decision support (local testing only)\n")
    else:
        say(f"guidegraph serve: CDS clients authenticated by signed JWT: audience {auth.audience}, trusted issuers "
            + ", ".join(f"{i.name} ({len(i.keys)} key{'s' if len(i.keys) != 1 else ''} from {i.source})"
                        for i in auth.issuers.values()) + "\n")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return Exit.OK
