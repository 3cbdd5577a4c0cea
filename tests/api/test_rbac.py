"""The role policy of spec section 4, checked against the live app for every route.

EXPECTED is written by hand from the spec's permission matrix, not generated from domain/policy.py, so a
change to the policy that contradicts the spec fails here. Each row: (method, path, roles allowed).
A denied role must get 403 before anything is read or written; an allowed role must get past the guard
(any answer but 401/403: usually a 4xx about the empty body or the made-up id).
"""

from __future__ import annotations

import uuid

import pytest

from server.app import create_app
from tests.conftest import sign_in

ROLES = {
    "ADMIN": "admin@demo.local",
    "DOCTOR": "doctor@demo.local",
    "NURSE": "nurse@demo.local",
    "LAB_STAFF": "lab@demo.local",
    "PHARMACY_STAFF": "pharmacy@demo.local",
    "RECEPTIONIST": "reception@demo.local",
    "BILLING_STAFF": "billing@demo.local",
    "RADIOLOGIST": "radiology@demo.local",
}
ALL = frozenset(ROLES)
STAFF_WITH_PATIENT_LOOKUP = frozenset({"ADMIN", "DOCTOR", "NURSE", "RECEPTIONIST", "BILLING_STAFF"})
CLINICAL = frozenset({"ADMIN", "DOCTOR", "NURSE"})
X = "00000000-0000-4000-8000-000000000000"  # an id that exists nowhere

EXPECTED: list[tuple[str, str, frozenset[str]]] = [
    # Authentication and accounts: user management is ADMIN's alone.
    ("POST", "/api/auth/logout", ALL),
    ("POST", "/api/auth/activity", ALL),
    ("POST", "/api/auth/register", frozenset({"ADMIN"})),
    ("GET", "/api/users", frozenset({"ADMIN"})),
    ("POST", "/api/users", frozenset({"ADMIN"})),
    ("PUT", f"/api/users/{X}/role", frozenset({"ADMIN"})),
    ("POST", f"/api/users/{X}/deactivate", frozenset({"ADMIN"})),
    ("POST", f"/api/users/{X}/activate", frozenset({"ADMIN"})),
    ("POST", f"/api/users/{X}/reset-password", frozenset({"ADMIN"})),
    ("GET", f"/api/users/{X}/permissions", frozenset({"ADMIN"})),
    ("GET", "/api/audit-log", frozenset({"ADMIN"})),
    ("GET", "/api/devices", frozenset({"ADMIN"})),
    ("POST", "/api/devices", frozenset({"ADMIN"})),
    ("POST", f"/api/devices/{X}/revoke", frozenset({"ADMIN"})),
    # The formulary: prescribers, nurses and the pharmacy look medicines up.
    ("GET", "/api/pharmacy/medicines", frozenset({"ADMIN", "DOCTOR", "NURSE", "PHARMACY_STAFF"})),
    # Patients: reception registers; lab, radiology and pharmacy see patients only inside their orders.
    ("GET", "/api/patients", STAFF_WITH_PATIENT_LOOKUP),
    ("POST", "/api/patients", frozenset({"ADMIN", "RECEPTIONIST"})),
    ("GET", f"/api/patients/{X}", STAFF_WITH_PATIENT_LOOKUP),
    ("PUT", f"/api/patients/{X}", STAFF_WITH_PATIENT_LOOKUP),
    # Clinical data: never reception, billing, lab (beyond their tests) or pharmacy.
    ("GET", f"/api/patients/{X}/medical-history", CLINICAL),
    ("GET", f"/api/patients/{X}/visits", CLINICAL),
    # Financial data: never doctors, nurses or radiologists.
    ("GET", f"/api/patients/{X}/bills", frozenset({"ADMIN", "BILLING_STAFF"})),
    ("GET", f"/api/patients/{X}/prescriptions", frozenset({"ADMIN", "DOCTOR", "NURSE", "PHARMACY_STAFF"})),
    ("POST", f"/api/patients/{X}/break-glass", CLINICAL),
    ("POST", f"/api/patients/{X}/merge", frozenset({"ADMIN"})),
    ("GET", "/api/emergency-access", frozenset({"ADMIN"})),
    ("POST", f"/api/emergency-access/{X}/review", frozenset({"ADMIN"})),
    # Inpatient beds: housekeeping is nurses' (and ADMIN's); the census is the admission desk's too.
    ("POST", f"/api/ipd/beds/{X}/status", frozenset({"ADMIN", "NURSE"})),
    ("GET", "/api/ipd/census", frozenset({"ADMIN", "DOCTOR", "NURSE", "RECEPTIONIST"})),
    ("GET", f"/api/ipd/rooms/{X}/beds", frozenset({"ADMIN", "DOCTOR", "NURSE", "RECEPTIONIST"})),
    ("GET", f"/api/ipd/wards/{X}/board", CLINICAL),
    # Admissions: doctors admit; a nurse (the bed manager at the census board) places a patient naming the
    # doctor. Discharging and reverting a discharge are doctors'; prescribing a doctor's; doses are nurses'.
    ("POST", "/api/ipd/admissions", CLINICAL),
    ("GET", "/api/ipd/admissions", CLINICAL),
    ("GET", f"/api/ipd/admissions/{X}", CLINICAL),
    ("POST", f"/api/ipd/admissions/{X}/transfer", CLINICAL),
    ("POST", f"/api/ipd/admissions/{X}/discharge", frozenset({"ADMIN", "DOCTOR"})),
    ("GET", f"/api/ipd/admissions/{X}/discharge-summary", CLINICAL),
    ("POST", f"/api/ipd/admissions/{X}/cancel", CLINICAL),
    ("POST", f"/api/ipd/admissions/{X}/revert-discharge", frozenset({"ADMIN", "DOCTOR"})),
    ("POST", f"/api/ipd/admissions/{X}/spo2-scale", frozenset({"ADMIN", "DOCTOR"})),
    # Vitals and notes: clinical only; a receptionist sees no vitals.
    ("POST", f"/api/ipd/admissions/{X}/vital-signs", CLINICAL),
    ("GET", f"/api/ipd/admissions/{X}/vital-signs", CLINICAL),
    ("POST", f"/api/ipd/admissions/{X}/vital-signs/{X}/entered-in-error", CLINICAL),
    ("POST", f"/api/ipd/admissions/{X}/daily-notes", CLINICAL),
    ("GET", f"/api/ipd/admissions/{X}/daily-notes", CLINICAL),
    ("POST", f"/api/ipd/admissions/{X}/prescribe", frozenset({"ADMIN", "DOCTOR"})),
    ("GET", f"/api/ipd/admissions/{X}/lab-orders", CLINICAL),
    # The medication administration record: pharmacy tracks administration too.
    ("GET", f"/api/ipd/admissions/{X}/medication-chart", frozenset({"ADMIN", "DOCTOR", "NURSE", "PHARMACY_STAFF"})),
    ("POST", f"/api/ipd/doses/{X}", frozenset({"ADMIN", "NURSE"})),
    ("POST", f"/api/ipd/admissions/{X}/prn-doses", frozenset({"ADMIN", "NURSE"})),
    ("GET", "/api/dashboard/nurse/my-patients", frozenset({"ADMIN", "NURSE"})),
    ("GET", "/api/reports/ipd-summary", frozenset({"ADMIN", "DOCTOR"})),
    # The live socket: anyone signed in may ask for a ticket (what they may watch is checked per topic).
    ("POST", "/api/ws-ticket", ALL),
    # OPD: the desk checks in and books; doctors call and consult; nurses triage; clinical reads stay clinical.
    ("POST", "/api/opd/check-in", frozenset({"ADMIN", "RECEPTIONIST"})),
    ("GET", f"/api/opd/tokens/{X}/slip", frozenset({"ADMIN", "RECEPTIONIST"})),
    ("POST", f"/api/opd/visits/{X}/cancel", frozenset({"ADMIN", "RECEPTIONIST"})),
    ("POST", f"/api/opd/visits/{X}/move", frozenset({"ADMIN", "RECEPTIONIST"})),
    ("POST", f"/api/opd/visits/{X}/triage", CLINICAL),
    ("GET", "/api/opd/queue", frozenset({"ADMIN", "DOCTOR", "NURSE", "RECEPTIONIST"})),
    ("GET", f"/api/opd/display/{X}", frozenset({"ADMIN", "DOCTOR", "NURSE", "RECEPTIONIST"})),
    ("GET", "/api/opd/chief-complaints", frozenset({"ADMIN", "DOCTOR", "NURSE", "RECEPTIONIST"})),
    ("GET", "/api/opd/departments", frozenset({"ADMIN", "DOCTOR", "NURSE", "RECEPTIONIST"})),
    ("POST", "/api/opd/queue/call-next", frozenset({"ADMIN", "DOCTOR"})),
    ("POST", f"/api/opd/queue/tokens/{X}/recall", frozenset({"ADMIN", "DOCTOR"})),
    ("POST", f"/api/opd/queue/tokens/{X}/skip", frozenset({"ADMIN", "DOCTOR"})),
    ("POST", f"/api/opd/queue/tokens/{X}/no-show", frozenset({"ADMIN", "DOCTOR"})),
    ("POST", f"/api/opd/queue/tokens/{X}/priority", CLINICAL),
    ("POST", "/api/opd/consultations", frozenset({"ADMIN", "DOCTOR"})),
    ("GET", f"/api/opd/consultations/{X}", CLINICAL),
    ("PUT", f"/api/opd/consultations/{X}", frozenset({"ADMIN", "DOCTOR"})),
    ("POST", f"/api/opd/consultations/{X}/notes", frozenset({"ADMIN", "DOCTOR"})),
    ("POST", f"/api/opd/consultations/{X}/prescribe", frozenset({"ADMIN", "DOCTOR"})),
    ("POST", f"/api/opd/consultations/{X}/complete", frozenset({"ADMIN", "DOCTOR"})),
    ("GET", f"/api/opd/prescriptions/{X}/print", frozenset({"ADMIN", "DOCTOR", "NURSE", "PHARMACY_STAFF"})),
    ("GET", "/api/opd/templates", frozenset({"ADMIN", "DOCTOR"})),
    ("GET", "/api/opd/icd10", CLINICAL),
    ("POST", "/api/opd/appointments", frozenset({"ADMIN", "RECEPTIONIST"})),
    ("PUT", f"/api/opd/appointments/{X}", frozenset({"ADMIN", "RECEPTIONIST"})),
    ("POST", f"/api/opd/appointments/{X}/cancel", frozenset({"ADMIN", "RECEPTIONIST"})),
    ("GET", "/api/opd/appointments", frozenset({"ADMIN", "DOCTOR", "NURSE", "RECEPTIONIST"})),
    ("GET", "/api/opd/appointments/week", frozenset({"ADMIN", "DOCTOR", "NURSE", "RECEPTIONIST"})),
    ("GET", f"/api/opd/doctor/{X}/schedule", frozenset({"ADMIN", "DOCTOR", "NURSE", "RECEPTIONIST"})),
    ("GET", "/api/dashboard/doctor/my-schedule", frozenset({"ADMIN", "DOCTOR"})),
    ("GET", "/api/dashboard/receptionist/queue", frozenset({"ADMIN", "RECEPTIONIST"})),
    ("GET", "/api/reports/opd-summary", frozenset({"ADMIN", "DOCTOR"})),
    # Lab: doctors order (and cancel their orders); lab staff collect, enter and verify but never modify orders;
    # ward nurses collect samples too; results are read by the clinicians and the lab.
    ("POST", "/api/lab/orders", frozenset({"ADMIN", "DOCTOR"})),
    ("GET", "/api/lab/orders", frozenset({"ADMIN", "DOCTOR", "NURSE", "LAB_STAFF"})),
    ("GET", f"/api/lab/orders/{X}", frozenset({"ADMIN", "DOCTOR", "NURSE", "LAB_STAFF"})),
    ("POST", f"/api/lab/orders/{X}/cancel", frozenset({"ADMIN", "DOCTOR"})),
    ("POST", f"/api/lab/orders/{X}/collect-sample", frozenset({"ADMIN", "NURSE", "LAB_STAFF"})),
    ("GET", f"/api/lab/orders/{X}/label", frozenset({"ADMIN", "NURSE", "LAB_STAFF"})),
    ("POST", f"/api/lab/orders/{X}/reject-sample", frozenset({"ADMIN", "LAB_STAFF"})),
    ("POST", f"/api/lab/orders/{X}/process", frozenset({"ADMIN", "LAB_STAFF"})),
    ("POST", f"/api/lab/orders/{X}/result", frozenset({"ADMIN", "LAB_STAFF"})),
    ("POST", f"/api/lab/orders/{X}/verify", frozenset({"ADMIN", "LAB_STAFF"})),
    ("POST", f"/api/lab/orders/{X}/release", frozenset({"ADMIN", "LAB_STAFF"})),
    ("POST", f"/api/lab/orders/{X}/rerun", frozenset({"ADMIN", "LAB_STAFF"})),
    ("POST", f"/api/lab/orders/{X}/correct", frozenset({"ADMIN", "LAB_STAFF"})),
    ("GET", f"/api/lab/orders/{X}/report", frozenset({"ADMIN", "DOCTOR", "NURSE", "LAB_STAFF"})),
    ("GET", "/api/lab/worklist", frozenset({"ADMIN", "LAB_STAFF"})),
    ("GET", "/api/lab/worklist/board", frozenset({"ADMIN", "LAB_STAFF"})),
    ("GET", "/api/lab/test-categories", frozenset({"ADMIN", "DOCTOR", "NURSE", "LAB_STAFF"})),
    ("POST", "/api/lab/quality-control", frozenset({"ADMIN", "LAB_STAFF"})),
    ("GET", "/api/lab/quality-control", frozenset({"ADMIN", "LAB_STAFF"})),
    ("POST", "/api/lab/hl7", frozenset({"ADMIN", "LAB_STAFF"})),
    ("GET", "/api/reports/lab-volume", frozenset({"ADMIN", "DOCTOR"})),
    ("GET", "/api/reports/critical-results", frozenset({"ADMIN", "DOCTOR"})),
    # Imaging: doctors order; a radiologist schedules, performs and reports but cannot order.
    ("POST", "/api/imaging/orders", frozenset({"ADMIN", "DOCTOR"})),
    ("GET", "/api/imaging/orders", frozenset({"ADMIN", "DOCTOR", "NURSE", "RADIOLOGIST"})),
    ("GET", f"/api/imaging/orders/{X}", frozenset({"ADMIN", "DOCTOR", "NURSE", "RADIOLOGIST"})),
    ("POST", f"/api/imaging/orders/{X}/schedule", frozenset({"ADMIN", "RADIOLOGIST"})),
    ("POST", f"/api/imaging/orders/{X}/procedure", frozenset({"ADMIN", "RADIOLOGIST"})),
    ("POST", f"/api/imaging/orders/{X}/report", frozenset({"ADMIN", "RADIOLOGIST"})),
    ("POST", f"/api/imaging/orders/{X}/cancel", frozenset({"ADMIN", "DOCTOR"})),
    ("POST", f"/api/imaging/orders/{X}/images", frozenset({"ADMIN", "RADIOLOGIST"})),
    ("GET", f"/api/imaging/orders/{X}/images", frozenset({"ADMIN", "DOCTOR", "RADIOLOGIST"})),
    ("GET", "/api/imaging/board", frozenset({"ADMIN", "DOCTOR", "NURSE", "RADIOLOGIST"})),
    # Alerts: the clinicians who receive them; the doctor's pending actions.
    ("GET", "/api/alerts", CLINICAL),
    ("GET", "/api/alerts/board", CLINICAL),
    ("GET", f"/api/alerts/{X}", CLINICAL),
    ("POST", f"/api/alerts/{X}/ack", CLINICAL),
    ("POST", f"/api/alerts/{X}/receipt", CLINICAL),
    ("POST", f"/api/alerts/{X}/seen", CLINICAL),
    ("GET", "/api/dashboard/doctor/pending-actions", frozenset({"ADMIN", "DOCTOR"})),
]

PUBLIC = {("GET", "/api/health"), ("POST", "/api/auth/login"), ("POST", "/api/auth/refresh-token"),
          ("GET", "/api/asyncapi.json"),
          # The staff app's static files and its single-page fallback (server/frontend.py): no data in them.
          ("GET", "/"), ("GET", "/{path:path}"),
          # A stored image by its short-lived signed URL (server/imaging.py): the signature is the permission.
          ("GET", "/api/imaging/files/{file_id}")}


def _app_routes() -> set[tuple[str, str]]:
    app = create_app()
    found = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in handler.http_methods:
                if method in ("HEAD", "OPTIONS"):
                    continue
                path = route.path
                if path.startswith("/api/schema"):
                    continue
                found.add((method, path, handler))
    return {(m, p) for m, p, _ in found}


def _normalise(path: str) -> str:
    return path.replace(X, "{id}")


def test_every_route_has_a_guard_or_is_declared_public():
    app = create_app()
    unguarded = []
    for route in app.routes:
        if route.path.startswith("/api/schema"):
            continue
        for handler in getattr(route, "route_handlers", []):
            if set(handler.http_methods) <= {"OPTIONS", "HEAD"}:
                continue  # Litestar's own CORS pre-flight answer
            guards = [g for layer in handler.ownership_layers for g in (layer.guards or [])]
            public = handler.opt.get("exclude_from_auth", False)
            if not guards and not public:
                unguarded.append((sorted(handler.http_methods), route.path))
    assert unguarded == []


def test_the_expectation_table_covers_every_route_of_the_app():
    import re

    def shape(path: str) -> str:
        return re.sub(r"\{[^}]+\}", "{}", path)

    in_app = {(m, shape(p)) for m, p in _app_routes()}
    in_table = {(m, shape(re.sub(X, "{}", p))) for m, p, _ in EXPECTED} | {(m, shape(p)) for m, p in PUBLIC}
    assert in_app - in_table == set(), "routes without a row in EXPECTED"
    assert in_table - in_app == set(), "rows in EXPECTED for routes that do not exist"


@pytest.mark.parametrize(("method", "path", "allowed"), EXPECTED, ids=[f"{m} {_normalise(p)}" for m, p, _ in EXPECTED])
async def test_role_matrix_on_the_live_app(client, headers_for, method, path, allowed):
    for role, email in ROLES.items():
        headers = {**(await headers_for(email)), "Idempotency-Key": uuid.uuid4().hex}
        if path.endswith("/logout"):  # a session of its own, so the shared cached one survives
            headers = {"Authorization": f"Bearer {(await sign_in(client, email))['token']}"}
        response = await client.request(method, path, headers=headers, json={} if method != "GET" else None)
        if role in allowed:
            assert response.status_code not in (401, 403), f"{role} refused: {response.text}"
        else:
            assert response.status_code == 403, f"{role} got {response.status_code}: {response.text}"


async def test_anonymous_callers_get_401_on_every_guarded_route(client):
    for method, path, _ in EXPECTED:
        response = await client.request(method, path, json={} if method != "GET" else None)
        assert response.status_code == 401, f"{method} {path}"
