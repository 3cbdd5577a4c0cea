"""Object-level access to patients: a doctor or nurse opens only assigned patients, or breaks the glass.

Each test makes its own staff accounts, so what one doctor is assigned never leaks into another test.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from db.connection import execute, fetchrow
from domain.policy import CLINICAL_PATIENT_FIELDS, TEST_RELATED_PATIENT_FIELDS
from tests.api.conftest import ADMIN, RECEPTION, doctor_id_of, insert_row, random_letters

REASON = "Patient collapsed in the corridor; treating now"


def _now() -> datetime:
    return datetime.now(UTC)


async def _visit_with(patient_id: str, doctor_id: uuid.UUID | None) -> None:
    await insert_row("patient_visits", patient_id=uuid.UUID(patient_id), visit_type="OPD", visit_date=_now(),
                     status="WAITING", assigned_doctor_id=doctor_id, created_at=_now(), updated_at=_now())


async def _ward_with_bed() -> dict[str, Any]:
    """A department, ward, room and bed of their own for one test."""
    tag = uuid.uuid4().hex[:8]
    department = await insert_row("departments", name=f"Medicine {tag}", code=f"MED{tag}", created_at=_now(),
                                  updated_at=_now())
    ward = await insert_row("wards", name=f"Ward {tag}", code=f"W{tag}", department_id=department["id"], floor=1,
                            created_at=_now(), updated_at=_now())
    room = await insert_row("rooms", ward_id=ward["id"], room_number=f"R{tag}", floor=1, bed_count=1,
                            room_type="GENERAL", created_at=_now(), updated_at=_now())
    bed = await insert_row("beds", room_id=room["id"], bed_number="1", status="AVAILABLE", version=1,
                           created_at=_now(), updated_at=_now())
    return {"ward": ward, "room": room, "bed": bed}


async def _admit(patient_id: str, bed: dict[str, Any], doctor_id: uuid.UUID, status: str = "ACTIVE") -> None:
    """An admission as the IPD service leaves it: an ACTIVE one holds its bed through an open stay."""
    admission = await insert_row(
        "ipd_admissions", patient_id=uuid.UUID(patient_id), admission_date=_now() - timedelta(days=1),
        discharge_date=_now() if status != "ACTIVE" else None, room_id=bed["room_id"],
        bed_id=bed["id"] if status == "ACTIVE" else None, admitted_by=doctor_id, primary_doctor_id=doctor_id,
        reason_for_admission="Pneumonia", admission_type="EMERGENCY", status=status, version=1,
        created_at=_now(), updated_at=_now(),
    )
    await insert_row("bed_assignments", admission_id=admission["id"], bed_id=bed["id"],
                     started_at=_now() - timedelta(days=1), ended_at=None if status == "ACTIVE" else _now())
    if status == "ACTIVE":
        await execute("UPDATE beds SET status = 'OCCUPIED' WHERE id = $1", bed["id"])


@pytest.fixture
async def clinical_patient(headers_for, make_patient) -> dict[str, Any]:
    return await make_patient(await headers_for(ADMIN), bloodGroup="O+", allergies="Penicillin",
                              chronicConditions="Asthma")


# ---------------------------------------------------------------- doctors


async def test_doctor_reads_an_assigned_patient_in_full(client, new_staff, clinical_patient):
    doctor, headers = await new_staff("DOCTOR")
    await _visit_with(clinical_patient["id"], await doctor_id_of(doctor["id"]))
    response = await client.get(f"/api/patients/{clinical_patient['id']}", headers=headers)
    assert response.status_code == 200, response.text
    patient = response.json()["patient"]
    assert patient["bloodGroup"] == "O+" and patient["allergies"] == "Penicillin"
    for part in ("medical-history", "visits", "prescriptions"):
        assert (await client.get(f"/api/patients/{clinical_patient['id']}/{part}", headers=headers)).status_code == 200


async def test_doctor_cannot_read_another_doctors_patient_until_breaking_the_glass(
    client, headers_for, new_staff, clinical_patient
):
    doctor_a, _ = await new_staff("DOCTOR")
    doctor_b, headers_b = await new_staff("DOCTOR")
    await _visit_with(clinical_patient["id"], await doctor_id_of(doctor_a["id"]))
    pid = clinical_patient["id"]

    refused = await client.get(f"/api/patients/{pid}", headers=headers_b)
    assert refused.status_code == 403
    assert "break-glass" in refused.json()["detail"]
    for part in ("medical-history", "visits", "prescriptions"):
        assert (await client.get(f"/api/patients/{pid}/{part}", headers=headers_b)).status_code == 403, part
    update = await client.put(f"/api/patients/{pid}", json={"city": "Pune", "version": 1}, headers=headers_b)
    assert update.status_code == 403
    denied = await fetchrow(
        "SELECT 1 FROM audit_log WHERE action = 'ACCESS_DENIED' AND record_id = $1 AND user_id = $2",
        pid, uuid.UUID(doctor_b["id"]),
    )
    assert denied is not None

    too_short = await client.post(f"/api/patients/{pid}/break-glass", json={"reason": "need"}, headers=headers_b)
    assert too_short.status_code == 422
    assert "reason" in too_short.json()["fields"]

    granted = await client.post(f"/api/patients/{pid}/break-glass", json={"reason": REASON}, headers=headers_b)
    assert granted.status_code == 201, granted.text
    grant = granted.json()["emergencyAccess"]
    assert grant["patientId"] == pid and grant["userId"] == doctor_b["id"] and grant["reviewedAt"] is None
    expires = datetime.fromisoformat(grant["expiresAt"])
    assert timedelta(minutes=55) < expires - _now() <= timedelta(minutes=60)

    opened = await client.get(f"/api/patients/{pid}", headers=headers_b)
    assert opened.status_code == 200
    assert opened.json()["patient"]["allergies"] == "Penicillin"
    assert (await client.get(f"/api/patients/{pid}/medical-history", headers=headers_b)).status_code == 200

    audited = await fetchrow(
        "SELECT 1 FROM audit_log WHERE action = 'BREAK_GLASS' AND record_id = $1 AND user_id = $2",
        pid, uuid.UUID(doctor_b["id"]),
    )
    assert audited is not None
    read = await fetchrow(
        "SELECT new_values->>'access' AS access FROM audit_log WHERE action = 'READ' AND record_id = $1 "
        "AND user_id = $2 ORDER BY seq DESC LIMIT 1",
        pid, uuid.UUID(doctor_b["id"]),
    )
    assert read is not None and read["access"] == "BREAK_GLASS"

    admin = await headers_for(ADMIN)
    listed = await client.get("/api/emergency-access", params={"reviewed": "false", "limit": 500}, headers=admin)
    assert listed.status_code == 200
    mine = [g for g in listed.json()["grants"] if g["id"] == grant["id"]]
    assert mine and mine[0]["reason"] == REASON and mine[0]["userRole"] == "DOCTOR"
    assert mine[0]["patientMrn"] == clinical_patient["mrn"]

    assert (await client.get("/api/emergency-access", headers=headers_b)).status_code == 403
    assert (await client.post(f"/api/emergency-access/{grant['id']}/review", headers=headers_b)).status_code == 403
    reviewed = await client.post(f"/api/emergency-access/{grant['id']}/review", headers=admin)
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["emergencyAccess"]["reviewedAt"] is not None
    assert (await client.post(f"/api/emergency-access/{grant['id']}/review", headers=admin)).status_code == 409
    done = await client.get("/api/emergency-access", params={"reviewed": "true", "limit": 500}, headers=admin)
    assert grant["id"] in [g["id"] for g in done.json()["grants"]]


async def test_an_expired_grant_opens_nothing(client, new_staff, clinical_patient):
    doctor, headers = await new_staff("DOCTOR")
    await insert_row("emergency_access", user_id=uuid.UUID(doctor["id"]), patient_id=uuid.UUID(clinical_patient["id"]),
                     reason=REASON, created_at=_now() - timedelta(hours=3), expires_at=_now() - timedelta(hours=2))
    response = await client.get(f"/api/patients/{clinical_patient['id']}", headers=headers)
    assert response.status_code == 403


@pytest.mark.parametrize("source", ["visit", "consultation", "appointment", "admission"])
async def test_each_kind_of_assignment_opens_the_record(client, new_staff, clinical_patient, source):
    doctor, headers = await new_staff("DOCTOR")
    doctor_id = await doctor_id_of(doctor["id"])
    pid = uuid.UUID(clinical_patient["id"])
    if source == "visit":
        await _visit_with(clinical_patient["id"], doctor_id)
    elif source == "consultation":
        visit = await insert_row("patient_visits", patient_id=pid, visit_type="OPD", visit_date=_now(),
                                 status="IN_CONSULTATION", created_at=_now(), updated_at=_now())
        await insert_row("opd_consultations", visit_id=visit["id"], patient_id=pid, doctor_id=doctor_id,
                         chief_complaint="Cough", diagnosis="URTI", consultation_start_time=_now(),
                         follow_up_required=False, version=1, created_at=_now(), updated_at=_now())
    elif source == "appointment":
        await insert_row("appointments", patient_id=pid, doctor_id=doctor_id,
                         appointment_date=_now() + timedelta(days=1), duration_minutes=15, status="SCHEDULED",
                         version=1, created_at=_now(), updated_at=_now())
    else:
        place = await _ward_with_bed()
        await _admit(clinical_patient["id"], place["bed"], doctor_id, status="DISCHARGED")
    response = await client.get(f"/api/patients/{clinical_patient['id']}", headers=headers)
    assert response.status_code == 200, (source, response.text)


async def test_doctor_search_shows_unassigned_patients_by_identity_only(client, new_staff, make_patient, headers_for):
    doctor, headers = await new_staff("DOCTOR")
    surname = random_letters(11)
    admin = await headers_for(ADMIN)
    mine = await make_patient(admin, lastName=surname, bloodGroup="A+", city="Nagpur")
    other = await make_patient(admin, lastName=surname, bloodGroup="B+", city="Nashik")
    await _visit_with(mine["id"], await doctor_id_of(doctor["id"]))

    response = await client.get("/api/patients", params={"search": surname}, headers=headers)
    assert response.status_code == 200
    shown = {p["id"]: p for p in response.json()["patients"]}
    assert response.json()["total"] == 2
    assert shown[mine["id"]]["bloodGroup"] == "A+" and shown[mine["id"]]["city"] == "Nagpur"
    assert set(shown[other["id"]]) == set(TEST_RELATED_PATIENT_FIELDS)
    assert shown[other["id"]]["mrn"] == other["mrn"]


# ---------------------------------------------------------------- nurses


async def test_nurse_reads_patients_admitted_to_her_ward_only(client, new_staff, make_patient, headers_for):
    doctor, _ = await new_staff("DOCTOR")
    nurse, nurse_headers = await new_staff("NURSE")
    other_nurse, other_headers = await new_staff("NURSE")
    place = await _ward_with_bed()
    patient = await make_patient(await headers_for(ADMIN), allergies="Peanuts")
    await _admit(patient["id"], place["bed"], await doctor_id_of(doctor["id"]))
    await insert_row("ward_assignments", user_id=uuid.UUID(nurse["id"]), ward_id=place["ward"]["id"],
                     created_at=_now())
    url = f"/api/patients/{patient['id']}"

    opened = await client.get(url, headers=nurse_headers)
    assert opened.status_code == 200, opened.text
    assert opened.json()["patient"]["allergies"] == "Peanuts"
    [admission] = opened.json()["admissions"]
    assert admission["wardName"] == place["ward"]["name"] and admission["reasonForAdmission"] == "Pneumonia"

    refused = await client.get(url, headers=other_headers)
    assert refused.status_code == 403
    assert "break-glass" in refused.json()["detail"]

    # On the duty roster for that ward right now: the record opens; a shift that ended does not count.
    await insert_row("duty_roster", user_id=uuid.UUID(other_nurse["id"]), ward_id=place["ward"]["id"],
                     role_on_duty="NURSE", starts_at=_now() - timedelta(hours=20),
                     ends_at=_now() - timedelta(hours=12), created_at=_now())
    assert (await client.get(url, headers=other_headers)).status_code == 403
    await insert_row("duty_roster", user_id=uuid.UUID(other_nurse["id"]), ward_id=place["ward"]["id"],
                     role_on_duty="NURSE", starts_at=_now() - timedelta(hours=1),
                     ends_at=_now() + timedelta(hours=7), created_at=_now())
    assert (await client.get(url, headers=other_headers)).status_code == 200


async def test_nurse_loses_access_once_the_patient_is_discharged(client, new_staff, make_patient, headers_for):
    doctor, _ = await new_staff("DOCTOR")
    nurse, headers = await new_staff("NURSE")
    place = await _ward_with_bed()
    patient = await make_patient(await headers_for(ADMIN))
    await _admit(patient["id"], place["bed"], await doctor_id_of(doctor["id"]), status="DISCHARGED")
    await insert_row("ward_assignments", user_id=uuid.UUID(nurse["id"]), ward_id=place["ward"]["id"],
                     created_at=_now())
    assert (await client.get(f"/api/patients/{patient['id']}", headers=headers)).status_code == 403


async def test_nurse_breaks_the_glass(client, new_staff, clinical_patient):
    _, headers = await new_staff("NURSE")
    url = f"/api/patients/{clinical_patient['id']}"
    assert (await client.get(url, headers=headers)).status_code == 403
    granted = await client.post(f"{url}/break-glass", json={"reason": REASON}, headers=headers)
    assert granted.status_code == 201
    assert (await client.get(url, headers=headers)).status_code == 200
    assert (await client.get(f"{url}/medical-history", headers=headers)).status_code == 200


# ---------------------------------------------------------------- roles without assignment


async def test_receptionist_reads_any_patient_but_never_clinical_fields(client, headers_for, clinical_patient):
    response = await client.get(f"/api/patients/{clinical_patient['id']}", headers=await headers_for(RECEPTION))
    assert response.status_code == 200
    assert not set(response.json()["patient"]) & CLINICAL_PATIENT_FIELDS


async def test_only_clinicians_break_the_glass(client, headers_for, clinical_patient):
    url = f"/api/patients/{clinical_patient['id']}/break-glass"
    for email in (RECEPTION, "billing@demo.local", "lab@demo.local"):
        response = await client.post(url, json={"reason": REASON}, headers=await headers_for(email))
        assert response.status_code == 403, email


async def test_break_glass_on_a_missing_patient_is_404(client, new_staff):
    _, headers = await new_staff("DOCTOR")
    response = await client.post(f"/api/patients/{uuid.uuid4()}/break-glass", json={"reason": REASON},
                                 headers=headers)
    assert response.status_code == 404


async def test_an_offset_past_what_postgresql_counts_is_a_field_error(client, headers_for):
    """OFFSET is a bigint: a larger offset reached asyncpg and failed as a 500."""
    response = await client.get("/api/emergency-access", params={"offset": str(2**70)},
                                headers=await headers_for(ADMIN))
    assert response.status_code == 422 and set(response.json()["fields"]) == {"offset"}, response.text
