"""The clinical forms around the live screens, in real browsers against the real server: the doctor's
consultation (from the queue to completion with a follow-up), the lab worklist (live from its section's topic,
sample to verified result, with the server's flags and its second-person rule), and admitting and transferring
from the census board, each change reaching every other open census board at once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from db.connection import fetch, fetchrow
from tests.api.conftest import RECEPTION, insert_row, random_dob, random_letters, random_mobile

DOCTOR = "doctor@demo.local"
DOCTOR2 = "doctor2@demo.local"
LAB = "lab@demo.local"


async def _register(client: httpx.AsyncClient, headers_for: Any, **fields: Any) -> dict[str, Any]:
    body = {"firstName": random_letters(), "lastName": random_letters(), "dateOfBirth": random_dob(),
            "gender": "FEMALE", "phone": random_mobile(), "confirmNotDuplicate": True, **fields}
    response = await client.post("/api/patients", json=body, headers=await headers_for(RECEPTION))
    assert response.status_code == 201, response.text
    patient: dict[str, Any] = response.json()["patient"]
    return patient


async def _doctor(email: str) -> Any:
    row = await fetchrow("SELECT d.id, d.department_id FROM doctors d JOIN users u ON u.id = d.user_id "
                         "WHERE lower(u.email) = lower($1)", email)
    assert row is not None
    return row


async def test_a_doctor_calls_a_patient_writes_the_consultation_and_completes_it_with_a_follow_up(
    run_scenario, client, headers_for
):
    async def patient(_: dict[str, Any]) -> dict[str, Any]:
        # doctor2@'s own queue, as an emergency so "Call next" calls this patient first; allergic to penicillins,
        # so prescribing Augmentin meets the server's allergy warning.
        found = await _register(client, headers_for)
        doctor = await _doctor(DOCTOR2)
        response = await client.post("/api/opd/check-in", json={
            "patientId": found["id"], "doctorId": str(doctor["id"]), "chiefComplaint": "Fever for 3 days",
            "priority": "EMERGENCY", "priorityReason": "High fever with rigors",
        }, headers=await headers_for(RECEPTION))
        assert response.status_code == 201, response.text
        token = response.json()["token"]["tokenNumber"]
        # The coded allergy is clinical: recorded by the doctor the patient is now assigned to.
        response = await client.put(f"/api/patients/{found['id']}", json={"version": 1, "structuredAllergies": [
            {"allergen": "Penicillins", "allergenType": "DRUG_CLASS", "severity": "SEVERE", "reaction": "Hives"},
        ]}, headers=await headers_for(DOCTOR2))
        assert response.status_code == 200, response.text
        return {"tokenNumber": token, "mrn": found["mrn"],
                "name": f"{found['firstName']} {found['lastName']}"}

    output = await run_scenario("consultation", hooks={"consult-patient": patient})
    assert "ok consultation" in output


async def test_the_lab_worklist_is_live_and_takes_an_order_from_sample_to_a_verified_flagged_result(
    run_scenario, client, headers_for
):
    async def technicians(_: dict[str, Any]) -> dict[str, Any]:
        # Two lab technicians of this test's own (with the demo password), so no other test's lock-out or
        # password change of a seeded account can get in the way.
        lab = await fetchrow("SELECT password_hash FROM users WHERE lower(email) = $1", LAB)
        assert lab is not None
        emails = []
        for first_name in ("Asha", "Imran"):
            email = f"lab-{random_letters().lower()}@demo.local"
            now = datetime.now(UTC)
            await insert_row("users", email=email, first_name=first_name, last_name="Technician", role="LAB_STAFF",
                             password_hash=lab["password_hash"], is_active=True, sessions_valid_after=now, version=1,
                             created_at=now, updated_at=now)
            emails.append(email)
        return {"emails": emails}

    async def place_order(_: dict[str, Any]) -> dict[str, Any]:
        found = await _register(client, headers_for)
        doctor = await _doctor(DOCTOR)
        # A visit with doctor@ makes the patient theirs to order for.
        await insert_row("patient_visits", patient_id=uuid.UUID(found["id"]), visit_type="OPD",
                         visit_date=datetime.now(UTC), status="IN_CONSULTATION", assigned_doctor_id=doctor["id"],
                         created_at=datetime.now(UTC), updated_at=datetime.now(UTC))
        response = await client.post("/api/lab/orders", json={"patientId": found["id"], "testCode": "RBS",
                                                               "urgency": "STAT"}, headers=await headers_for(DOCTOR))
        assert response.status_code == 201, response.text
        return {"accessionNumber": response.json()["accessionNumber"], "mrn": found["mrn"]}

    output = await run_scenario("lab", hooks={"technicians": technicians, "lab-order": place_order})
    assert "ok lab" in output


async def test_admitting_and_transferring_from_the_census_board_reach_every_other_census_board_at_once(
    run_scenario, client, headers_for
):
    async def setup(_: dict[str, Any]) -> dict[str, Any]:
        found = await _register(client, headers_for)
        doctor = await _doctor(DOCTOR)
        wards = {r["code"]: str(r["id"]) for r in await fetch("SELECT id, code FROM wards")}
        free = await fetchrow("SELECT count(*) AS n FROM beds b JOIN rooms r ON r.id = b.room_id "
                              "WHERE r.ward_id = $1 AND b.status = 'AVAILABLE'", uuid.UUID(wards["GMW"]))
        assert free is not None and free["n"] >= 2, "GMW needs two free beds for this test"
        return {"mrn": found["mrn"], "doctorId": str(doctor["id"]), "wardId": wards["GMW"]}

    output = await run_scenario("census-admit", hooks={"admit-setup": setup})
    assert "ok census-admit" in output
