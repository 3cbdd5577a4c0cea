"""Helpers shared by the lab, imaging, alert and HL7 tests: patients of a doctor, admissions, orders, results.

Set-up rows (a visit assigning the patient to the doctor, an admission to a bed) are written straight to
PostgreSQL through the app's pool, so these tests do not depend on the OPD and IPD routes.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
import msgspec

from db.connection import fetch, fetchrow
from tests.api.conftest import RECEPTION, insert_row

DOCTOR = "doctor@demo.local"
DOCTOR2 = "doctor2@demo.local"
LAB = "lab@demo.local"
ADMIN = "admin@demo.local"
NURSE = "nurse@demo.local"
RADIOLOGY = "radiology@demo.local"

Headers = dict[str, str]

# A complete blood count as an analyzer reports it, in the catalogue's units (16 analytes).
CBC_NORMAL_FEMALE = {
    "HB": ("13.1", "g/dL"), "HCT": ("40", "%"), "RBC": ("4.5", "10^6/µL"), "MCV": ("89", "fL"),
    "MCH": ("29", "pg"), "MCHC": ("33", "g/dL"), "RDW": ("13", "%"), "WBC": ("7.2", "10^3/µL"),
    "NEUT": ("60", "%"), "LYMPH": ("30", "%"), "MONO": ("6", "%"), "EOS": ("3", "%"), "BASO": ("1", "%"),
    "ANC": ("4.3", "10^3/µL"), "PLT": ("250", "10^3/µL"), "MPV": ("9.8", "fL"),
}


async def user_id_of(email: str) -> uuid.UUID:
    row = await fetchrow("SELECT id FROM users WHERE lower(email) = lower($1)", email)
    assert row is not None
    return uuid.UUID(str(row["id"]))


async def doctor_row_of(email: str) -> Any:
    row = await fetchrow("SELECT d.id, d.department_id, d.user_id FROM doctors d JOIN users u ON u.id = d.user_id "
                         "WHERE lower(u.email) = lower($1)", email)
    assert row is not None
    return row


async def patient_of(
    client: httpx.AsyncClient, headers_for: Callable[..., Awaitable[Headers]],
    make_patient: Callable[..., Awaitable[dict[str, Any]]], doctor_email: str = DOCTOR, **fields: Any,
) -> dict[str, Any]:
    """A newly registered patient with an OPD visit assigned to `doctor_email` (so the doctor may open them)."""
    patient = await make_patient(await headers_for(RECEPTION), **fields)
    doctor = await doctor_row_of(doctor_email)
    await insert_row("patient_visits", patient_id=uuid.UUID(patient["id"]), visit_type="OPD",
                     visit_date=datetime.now(UTC), status="IN_CONSULTATION", assigned_doctor_id=doctor["id"],
                     created_at=datetime.now(UTC), updated_at=datetime.now(UTC))
    return patient


async def admit(patient_id: str, bed_id: uuid.UUID, doctor_email: str = DOCTOR) -> uuid.UUID:
    """An ACTIVE admission of the patient to the bed (and the bed OCCUPIED), by the doctor."""
    doctor = await doctor_row_of(doctor_email)
    bed = await fetchrow("SELECT room_id FROM beds WHERE id = $1", bed_id)
    assert bed is not None
    row = await insert_row(
        "ipd_admissions", patient_id=uuid.UUID(patient_id), admission_date=datetime.now(UTC), room_id=bed["room_id"],
        bed_id=bed_id, admitted_by=doctor["id"], primary_doctor_id=doctor["id"], reason_for_admission="test",
        admission_type="EMERGENCY", status="ACTIVE", version=1, created_at=datetime.now(UTC),
        updated_at=datetime.now(UTC),
    )
    await fetch("UPDATE beds SET status = 'OCCUPIED' WHERE id = $1", bed_id)
    return uuid.UUID(str(row["id"]))


async def order(client: httpx.AsyncClient, headers: Headers, patient_id: str, code: str, *,
                urgency: str = "ROUTINE", **extra: Any) -> dict[str, Any]:
    response = await client.post("/api/lab/orders", json={"patientId": patient_id, "testCode": code,
                                                          "urgency": urgency, **extra}, headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def collect(client: httpx.AsyncClient, headers: Headers, order_id: str, **body: Any) -> dict[str, Any]:
    response = await client.post(f"/api/lab/orders/{order_id}/collect-sample", json=body, headers=headers)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()["order"]
    return found


async def enter(client: httpx.AsyncClient, headers: Headers, order_id: str,
                values: Mapping[str, tuple[str, str | None]]) -> httpx.Response:
    results = [{"code": code, "value": value, "unit": unit} for code, (value, unit) in values.items()]
    return await client.post(f"/api/lab/orders/{order_id}/result", json={"results": results}, headers=headers)


async def verify(client: httpx.AsyncClient, headers: Headers, order_id: str, **body: Any) -> httpx.Response:
    return await client.post(f"/api/lab/orders/{order_id}/verify", json=body, headers=headers)


async def events_on(topic: str, *, after_seq: int = 0, event: str | None = None) -> list[dict[str, Any]]:
    """Events written to the outbox on `topic` (decoded payloads), oldest first."""
    rows = await fetch(
        "SELECT seq, event_type, payload::text AS payload FROM outbox_events WHERE topic = $1 AND seq > $2 "
        "AND ($3::text IS NULL OR event_type = $3) ORDER BY seq",
        topic, after_seq, event,
    )
    return [{"seq": r["seq"], "event": r["event_type"], "data": msgspec.json.decode(r["payload"])} for r in rows]


async def seq_of(topic: str) -> int:
    row = await fetchrow("SELECT seq FROM topic_counters WHERE topic = $1", topic)
    return int(row["seq"]) if row else 0

