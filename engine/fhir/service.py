"""The CDS Hooks service: discovery and the ``patient-view`` hook over HTTP (a Starlette app, run by uvicorn).

``GET /cds-services`` lists one service (the guideline) with the prefetch templates the map needs (the Patient and
a search per resource type the map reads). ``POST /cds-services/{id}`` takes the CDS Hooks request, reads the
patient from the prefetched resources (one Bundle, or a resource or searchset Bundle per key: all are merged),
evaluates the guideline and answers ``{"cards": [...]}`` (engine/fhir/cards.py).

Limits and errors, as the CDS Hooks specification says, always with a JSON body ``{"error": ...}``:

- 400 for a request that is not the spec's shape (not JSON, no ``hookInstance``, a wrong ``hook``, a
  ``context.patientId`` that is not the prefetched Patient's) or whose resources are not valid FHIR R4B (the
  message names the prefetch key, the entry, the resource and the element);
- 412 when no prefetched data came (all keys missing or null, or OperationOutcomes): the service does not query the
  FHIR server itself;
- 404 for an unknown service id; 413 for a body over ``max_body`` bytes (checked on the header and while reading,
  so a lying Content-Length changes nothing); 503 when the work takes longer than ``timeout`` seconds.

A record the guideline cannot be applied to (it breaks an assumption, a value out of range) is not a protocol
error: it gets 200 and one warning card saying why, because that is where the clinician will look.

Authentication (engine/fhir/auth.py): with a :class:`~engine.fhir.auth.Verifier`, every request, discovery
included, must carry a CDS client's signed JWT whose audience is the URL called; otherwise 401 with a JSON body and
``WWW-Authenticate: Bearer``. Discovery is authenticated too because the spec has clients send the token on every
call, discovery named, so a conforming client loses nothing, and the list of guidelines a site runs is not shown
to strangers. The check comes before the body is read, so an unauthenticated caller cannot make the service read
or parse megabytes. Without a verifier (``serve --insecure``) nobody is authenticated.

Nothing about the patient is logged: the log says which hook ran, how many cards, how long it took, and for an
error its status and kind. The guideline is compiled once, before the first request (:func:`create_app` takes it).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from engine.evaluate.guideline import Guideline
from engine.fhir.auth import AuthError, Verifier
from engine.fhir.bundle import BundleError, check_resource, resources
from engine.fhir.cards import CardMaker
from engine.fhir.cases import PatientReader, patient_id
from engine.fhir.mapfile import FhirMap

HOOK = "patient-view"
MAX_BODY = 2 * 2**20
"""Bytes in one request: a patient's prefetched record for one guideline is tens of kilobytes."""
TIMEOUT = 5.0
"""Seconds for one request, body included; CDS clients expect answers in well under a second."""

log = logging.getLogger("guidegraph.serve")


class HookError(Exception):
    """A request the service answers with an HTTP error: ``status`` and a message without patient data."""

    def __init__(self, status: int, message: str, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or []


@dataclass(frozen=True, slots=True)
class Settings:
    service_id: str
    title: str
    max_body: int = MAX_BODY
    timeout: float = TIMEOUT


def prefetch_templates(fmap: FhirMap) -> dict[str, str]:
    """The prefetch the service asks for: the Patient, and every resource of each other type the map reads."""
    out: dict[str, str] = {}
    for rtype in fmap.resource_types():
        if rtype == "Patient":
            out["patient"] = "Patient/{{context.patientId}}"
        else:
            out[rtype[0].lower() + rtype[1:] + "s"] = f"{rtype}?patient={{{{context.patientId}}}}"
    return out


class Hooks:
    """The work behind the routes, kept apart from HTTP so it can be called (and timed) on its own."""

    def __init__(self, guideline: Guideline, fmap: FhirMap, settings: Settings) -> None:
        self.guideline = guideline
        self.reader = PatientReader(guideline, fmap)
        self.cards = CardMaker(guideline.model, fmap)
        self.settings = settings
        model = guideline.model
        self.discovery = {"services": [{
            "hook": HOOK, "id": settings.service_id, "title": settings.title,
            "description": f"Recommendations of '{model.title}'" + (f" {model.version}" if model.version else "")
                           + " for the patient in view, read from the patient's FHIR record: one card per "
                             "recommendation, and a card naming the data that would decide the rest.",
            "prefetch": prefetch_templates(fmap)}]}
        self.warm()

    def warm(self) -> None:
        """Pay for what the first request would otherwise pay for (measured: about 370 ms): importing the FHIR
        model classes the map reads, their validators, and one evaluation with its cards."""
        for rtype in ("Bundle", *self.reader.fmap.resource_types()):
            check_resource({"resourceType": rtype}, "warm-up")
        facts, unread, _ = self.reader.read([], "warm-up")
        if facts is not None:
            self.cards.cards(self.guideline.evaluate(facts, None, validate=False), None, "warm-up", unread)

    def call(self, body: bytes) -> dict[str, Any]:
        """The response to one hook call's body, or :class:`HookError`."""
        try:
            request = json.loads(body)
        except (ValueError, RecursionError):
            raise HookError(400, "the request body is not valid JSON") from None
        if not isinstance(request, dict):
            raise HookError(400, "the request must be a JSON object")
        if request.get("hook") != HOOK:
            raise HookError(400, f"this service answers the '{HOOK}' hook, got {_shown(request.get('hook'))}")
        seed = request.get("hookInstance")
        if not isinstance(seed, str) or not seed:
            raise HookError(400, "'hookInstance' must be a non-empty string")
        context = request.get("context")
        if not isinstance(context, dict) or not isinstance(context.get("patientId"), str):
            raise HookError(400, "'context' must be an object with the string 'patientId'")
        found = self.prefetched(request.get("prefetch"))
        pid = patient_id(found)
        if pid is not None and pid != context["patientId"]:
            raise HookError(400, "the prefetched Patient is not the patient of 'context.patientId'")
        facts, unread, errors = self.reader.read(found, "the patient's record")
        if facts is None:
            return {"cards": [self.cards.problem_card([d.message for d in errors], seed)]}
        result = self.guideline.evaluate(facts, pid, validate=False)
        return {"cards": self.cards.cards(result, context["patientId"], seed, unread)}

    def prefetched(self, prefetch: Any) -> list[dict[str, Any]]:
        if prefetch is None:
            raise HookError(412, "no prefetch: this service reads the patient from prefetched data only "
                                 "(see the prefetch templates of GET /cds-services)")
        if not isinstance(prefetch, dict):
            raise HookError(400, "'prefetch' must be an object of prefetch keys to FHIR resources")
        found: list[dict[str, Any]] = []
        problems: list[str] = []
        for key, value in prefetch.items():
            if value is None or (isinstance(value, dict) and value.get("resourceType") == "OperationOutcome"):
                continue  # the client could not fetch this one (CDS Hooks: null, or an OperationOutcome)
            try:
                found += resources(value, f"prefetch '{key}'")
            except BundleError as e:
                problems += e.problems
        if problems:
            raise HookError(400, "the prefetched resources are not valid FHIR R4", problems)
        if not found:
            raise HookError(412, "the prefetch holds no resource: this service does not query the FHIR server")
        return found


def _shown(value: Any) -> str:
    return repr(value)[:60] if isinstance(value, str) else type(value).__name__


def _error(status: int, message: str, details: list[str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": message}
    if details:
        body["details"] = details
    return JSONResponse(body, status_code=status)


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise HookError(413, f"the request body is larger than {limit:,} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HookError(413, f"the request body is larger than {limit:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _refused(e: AuthError) -> JSONResponse:
    log.info("auth: HTTP 401 (%s)", e.kind)
    response = _error(401, e.message)
    response.headers["WWW-Authenticate"] = e.challenge
    return response


def create_app(guideline: Guideline, fmap: FhirMap, settings: Settings, auth: Verifier | None) -> Starlette:
    """The ASGI app for one compiled guideline and its map; ``auth`` None serves everyone (``--insecure``)."""
    hooks = Hooks(guideline, fmap, settings)

    async def discovery(request: Request) -> JSONResponse:
        if auth is not None:
            try:
                auth.check(request.headers.get("authorization"))
            except AuthError as e:
                return _refused(e)
        return JSONResponse(hooks.discovery)

    async def call(request: Request) -> JSONResponse:
        start = time.perf_counter()
        service = request.path_params["service"]
        if auth is not None:
            try:
                auth.check(request.headers.get("authorization"), "/" + service)
            except AuthError as e:
                return _refused(e)
        try:
            if service != settings.service_id:
                raise HookError(404, f"no CDS service '{service[:60]}' here (see GET /cds-services)")
            if "json" not in request.headers.get("content-type", "application/json"):
                raise HookError(400, "the request must be JSON (Content-Type: application/json)")
            with anyio.fail_after(settings.timeout):
                body = await _body(request, settings.max_body)
                answer = await run_in_threadpool(hooks.call, body)
        except HookError as e:
            log.info("hook %s: HTTP %d (%s)", HOOK, e.status, type(e).__name__)
            return _error(e.status, e.message, e.details)
        except TimeoutError:
            log.warning("hook %s: HTTP 503 (took longer than %.1f s)", HOOK, settings.timeout)
            return _error(503, f"the request took longer than {settings.timeout:g} s")
        log.info("hook %s: %d cards in %.1f ms", HOOK, len(answer["cards"]), (time.perf_counter() - start) * 1e3)
        return JSONResponse(answer)

    routes = [Route("/cds-services", discovery, methods=["GET"]),
              Route("/cds-services/{service}", call, methods=["POST"])]

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        if status == 404:
            return _error(404, "not found (the services are listed at GET /cds-services)")
        if status == 405:
            return _error(405, f"{request.method} is not allowed here")
        log.error("HTTP %d: %s", status, type(exc).__name__)
        return _error(status, "internal error in the CDS service" if status == 500 else str(exc))

    return Starlette(routes=routes, exception_handlers={HTTPException: http_error, Exception: http_error})
