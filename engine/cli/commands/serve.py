"""`guidegraph serve RULES --fhir-map MAP [--host H] [--port P] --insecure`: a CDS Hooks service over HTTP.

The rules are compiled and the map checked before the server listens, so a broken rules file or map exits (1, or
2 when unreadable) with the usual diagnostics instead of failing on the first request; the first request does not
pay for compilation or code generation either. The service (engine/fhir/service.py) answers discovery
(``GET /cds-services``) and the ``patient-view`` hook. It listens on 127.0.0.1 unless told otherwise.

Authentication: the design asks for CDS Hooks' signed JWT bearer tokens (issuer allow-list, audience, expiry,
signature against the client's keys). This version does not verify them, so it refuses to start unless
``--insecure`` says that no authentication is wanted (local testing), and says so on start. Logs name no patient.
"""

from __future__ import annotations

import argparse
import logging
import os

from engine.cli.fhir_support import load_rules_and_map, missing_extra
from engine.cli.support import Exit, say


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", metavar="RULES", help="the rules file")
    parser.add_argument("--fhir-map", metavar="MAP", required=True,
                        help="how the inputs are read from FHIR resources (e.g. rules/lms.fhir.yaml)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (default: 8080)")
    parser.add_argument("--insecure", action="store_true",
                        help="serve without authenticating CDS clients (JWT verification is not implemented yet): "
                             "for local testing only")
    parser.add_argument("--max-body", type=int, default=None, metavar="BYTES",
                        help="largest request body accepted (default: 2 MiB)")
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                        help="longest a hook call may take before it is answered 503 (default: 5)")


def run(args: argparse.Namespace) -> int:
    if not args.insecure:
        say("guidegraph: error: serve does not verify CDS clients' JWT bearer tokens yet, so it only runs with "
            "--insecure (no authentication: for local testing)\n")
        return Exit.USAGE
    if not 0 < args.port < 65536:
        say(f"guidegraph: error: --port must be 1-65535, got {args.port}\n")
        return Exit.USAGE
    if (missing := missing_extra("starlette", "uvicorn")) is not None:
        return missing
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
    app = create_app(guideline, fmap, settings)
    logging.basicConfig(level=logging.INFO, format="guidegraph serve: %(message)s")
    say(f"guidegraph serve: {settings.title}: http://{args.host}:{args.port}/cds-services (service "
        f"'{settings.service_id}', hook patient-view); --insecure: CDS clients are NOT authenticated\n")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return Exit.OK
