"""The OPD over HTTP: check-in and tokens (also under concurrency), the called queue, triage, consultations,
prescriptions with their warnings, completion with follow-up and bill, appointments, schedules, role rules.

Each test makes its own department and doctors, so queues and token numbers never mix between tests.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from db.connection import execute, fetch, fetchrow
from domain.clock import HOSPITAL_TZ, hospital_day
from tests.api.conftest import ADMIN, RECEPTION, doctor_id_of, insert_row, random_letters

NURSE = "nurse@demo.local"
HIGH_NEWS2 = {"respiratoryRate": 26, "oxygenSaturation": 90, "onOxygen": False, "bloodPressureSystolic": 88,
              "bloodPressureDiastolic": 60, "heartRate": 135, "consciousness": "A", "temperature": 39.5}


def _now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return hospital_day(_now())


async def new_department() -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8].upper()
    return await insert_row("departments", name=f"OPD test {tag}", code=f"T{tag}", created_at=_now(),
                            updated_at=_now())


async def doctor_in(new_staff, department_id: Any, room: str | None = "4", fee: str | None = None):
    """A fresh doctor of `department_id`, seeing patients all day every day: (headers, doctor id, user)."""
    user, headers = await new_staff("DOCTOR")
    doctor_id = await doctor_id_of(user["id"])
    await execute(
        "UPDATE doctors SET department_id = $2, opd_room = $3, available_mon_fri_start = $4, "
        "available_mon_fri_end = $5, available_weekends = true, registration_number = $6, "
        "registration_council = 'Karnataka Medical Council', qualification = 'MBBS, MD (General Medicine)', "
        "specialization = 'Internal Medicine', consultation_fee = $7::numeric WHERE id = $1",
        doctor_id, department_id, room, time(0, 0), time(23, 59), f"KMC-{uuid.uuid4().hex[:6]}", fee,
    )
    return headers, doctor_id, user


async def check_in(client, headers, expect: int = 201, **body: Any) -> dict[str, Any]:
    response = await client.post("/api/opd/check-in", json={"chiefComplaint": "Fever for 2 days", **body},
                                 headers=headers)
    assert response.status_code == expect, response.text
    return response.json()


async def call_next(client, headers, **body: Any) -> dict[str, Any] | None:
    response = await client.post("/api/opd/queue/call-next", json=body, headers=headers)
    assert response.status_code == 200, response.text
    token: dict[str, Any] | None = response.json()["token"]
    return token


async def call(client, headers, **body: Any) -> dict[str, Any]:
    """Call next, expecting somebody to be waiting."""
    token = await call_next(client, headers, **body)
    assert token is not None, "nobody was waiting"
    return token


async def queue_of(client, headers, department_id: Any) -> dict[str, Any]:
    response = await client.get("/api/opd/queue", params={"departmentId": str(department_id)}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def medicine_id(name: str) -> str:
    row = await fetchrow("SELECT id FROM medicines WHERE name = $1", name)
    assert row is not None, name
    return str(row["id"])


async def count(sql: str, *args: Any) -> int:
    row = await fetchrow(f"SELECT count(*) AS n FROM ({sql}) q", *args)
    assert row is not None
    return int(row["n"])


async def audit_rows(table: str, record_id: Any) -> list[dict[str, Any]]:
    rows = await fetch("SELECT action, new_values::text AS new FROM audit_log WHERE table_name = $1 AND record_id = $2 "
                       "ORDER BY seq", table, str(record_id))
    return [dict(r) for r in rows]


# ---------------------------------------------------------------- check-in and tokens


async def test_check_in_by_id_mrn_and_phone_issues_sequential_tokens_and_a_slip(
    client, headers_for, make_patient, new_staff
):
    dept = await new_department()
    _, doctor_id, _ = await doctor_in(new_staff, dept["id"])
    desk = await headers_for(RECEPTION)
    patients = [await make_patient(desk) for _ in range(3)]
    first = await check_in(client, desk, patientId=patients[0]["id"], doctorId=str(doctor_id))
    second = await check_in(client, desk, mrn=patients[1]["mrn"].lower(), departmentId=str(dept["id"]))
    third = await check_in(client, desk, phone=patients[2]["phone"], doctorId=str(doctor_id))
    assert [b["token"]["tokenNumber"] for b in (first, second, third)] == [1, 2, 3]
    assert first["visitId"] == first["visit"]["id"] and first["visit"]["status"] == "WAITING"
    assert first["token"]["doctorId"] == str(doctor_id) and second["token"]["doctorId"] is None
    assert first["token"]["tokenDate"] == today().isoformat()
    # The desk's answer carries no clinical field.
    assert "allergies" not in first["patient"] and "priorityReason" not in first["token"]
    visit = await fetchrow("SELECT status, chief_complaint, visit_type FROM patient_visits WHERE id = $1",
                           uuid.UUID(first["visitId"]))
    assert visit is not None and dict(visit) == {"status": "WAITING", "chief_complaint": "Fever for 2 days",
                                                 "visit_type": "OPD"}
    assert "CHECK_IN" in [r["action"] for r in await audit_rows("queue_tokens", first["token"]["id"])]
    slip = await client.get(first["slipUrl"], headers=desk)
    assert slip.status_code == 200 and slip.headers["content-type"].startswith("text/html")
    assert ">1</div>" in slip.text and patients[0]["firstName"] in slip.text and dept["name"] in slip.text


async def test_fifty_concurrent_check_ins_get_distinct_sequential_tokens(client, headers_for, make_patient):
    dept = await new_department()
    desk = await headers_for(RECEPTION)
    known = await asyncio.gather(*[make_patient(desk) for _ in range(25)])
    bodies: list[dict[str, Any]] = [{"patientId": p["id"]} for p in known]
    bodies += [{"newPatient": {"firstName": random_letters(), "lastName": random_letters(), "gender": "MALE",
                               "age": 30 + i, "phone": f"9{uuid.uuid4().int % 10**9:09d}"}} for i in range(25)]
    responses = await asyncio.gather(*[
        client.post("/api/opd/check-in", json={"chiefComplaint": "Cough", "departmentId": str(dept["id"]), **b},
                    headers=desk)
        for b in bodies
    ])
    assert [r.status_code for r in responses] == [201] * 50, [r.text for r in responses if r.status_code != 201]
    numbers = sorted(r.json()["token"]["tokenNumber"] for r in responses)
    assert numbers == list(range(1, 51))
    stored = await fetch("SELECT token_number FROM queue_tokens WHERE department_id = $1 ORDER BY token_number",
                         dept["id"])
    assert [r["token_number"] for r in stored] == list(range(1, 51))
    assert sum(1 for r in responses if r.json()["registered"]) == 25


async def test_check_in_registers_a_new_patient_in_the_same_step_and_refuses_a_second_check_in(
    client, headers_for, new_staff
):
    dept = await new_department()
    _, doctor_id, _ = await doctor_in(new_staff, dept["id"])
    desk = await headers_for(RECEPTION)
    phone = f"9{uuid.uuid4().int % 10**9:09d}"
    body = await check_in(client, desk, doctorId=str(doctor_id), newPatient={
        "firstName": "Savitha", "lastName": random_letters(), "gender": "FEMALE", "dateOfBirth": "1950-03-04",
        "phone": phone})
    assert body["registered"] is True and body["patient"]["mrn"].startswith("MRN-")
    # 60 and over: a senior citizen queues as ELDERLY_DISABLED.
    assert body["token"]["priority"] == "ELDERLY_DISABLED"
    again = await check_in(client, desk, expect=409, phone=phone, doctorId=str(doctor_id))
    assert again["tokenNumber"] == body["token"]["tokenNumber"]


async def test_a_phone_shared_by_two_patients_asks_which_one(client, headers_for, make_patient):
    dept = await new_department()
    desk = await headers_for(RECEPTION)
    phone = f"9{uuid.uuid4().int % 10**9:09d}"
    await make_patient(desk, phone=phone)
    await make_patient(desk, phone=phone)
    body = await check_in(client, desk, expect=409, phone=phone, departmentId=str(dept["id"]))
    assert len(body["candidates"]) == 2 and body["fields"] == {"phone": "more than one patient"}


async def test_check_in_validation_names_the_fields_and_writes_nothing(client, headers_for, make_patient):
    dept = await new_department()
    desk = await headers_for(RECEPTION)
    patient = await make_patient(desk)
    before = await count("SELECT 1 FROM patient_visits WHERE patient_id = $1", uuid.UUID(patient["id"]))
    two_ways = await check_in(client, desk, expect=422, patientId=patient["id"], mrn=patient["mrn"],
                              departmentId=str(dept["id"]))
    assert set(two_ways["fields"]) == {"patientId", "mrn"}
    nowhere = await check_in(client, desk, expect=422, patientId=patient["id"])
    assert set(nowhere["fields"]) == {"doctorId", "departmentId"}
    empty = await client.post("/api/opd/check-in", json={"patientId": patient["id"], "departmentId": str(dept["id"]),
                                                         "chiefComplaint": ""}, headers=desk)
    assert empty.status_code == 422 and "chiefComplaint" in empty.json()["fields"]
    unknown = await check_in(client, desk, expect=422, patientId=patient["id"], departmentId=str(dept["id"]),
                             bloodGroup="O+")
    assert "bloodGroup" in str(unknown)
    assert await count("SELECT 1 FROM patient_visits WHERE patient_id = $1", uuid.UUID(patient["id"])) == before


async def test_cancel_a_check_in_and_move_a_patient_to_another_doctor(client, headers_for, make_patient, new_staff):
    dept, other_dept = await new_department(), await new_department()
    _, doc_a, _ = await doctor_in(new_staff, dept["id"])
    _, doc_b, _ = await doctor_in(new_staff, dept["id"])
    _, doc_c, _ = await doctor_in(new_staff, other_dept["id"])
    desk = await headers_for(RECEPTION)
    one = await check_in(client, desk, patientId=(await make_patient(desk))["id"], doctorId=str(doc_a))
    two = await check_in(client, desk, patientId=(await make_patient(desk))["id"], doctorId=str(doc_a))
    await check_in(client, desk, patientId=(await make_patient(desk))["id"], doctorId=str(doc_c))

    cancelled = await client.post(f"/api/opd/visits/{one['visitId']}/cancel", json={"reason": "Registered twice"},
                                  headers=desk)
    assert cancelled.status_code == 200 and cancelled.json()["token"]["status"] == "CANCELLED"
    visit = await fetchrow("SELECT status FROM patient_visits WHERE id = $1", uuid.UUID(one["visitId"]))
    assert visit is not None and visit["status"] == "CANCELLED"
    again = await client.post(f"/api/opd/visits/{one['visitId']}/cancel", json={"reason": "Registered twice"},
                              headers=desk)
    assert again.status_code == 409 and again.json()["currentState"] == "CANCELLED"

    same = await client.post(f"/api/opd/visits/{two['visitId']}/move", json={"doctorId": str(doc_b)}, headers=desk)
    assert same.status_code == 200, same.text
    assert same.json()["token"]["doctorId"] == str(doc_b) and same.json()["token"]["tokenNumber"] == 2
    across = await client.post(f"/api/opd/visits/{two['visitId']}/move",
                               json={"doctorId": str(doc_c), "reason": "Needs the other clinic"}, headers=desk)
    assert across.status_code == 200, across.text
    moved = across.json()["token"]
    assert moved["departmentId"] == str(other_dept["id"]) and moved["tokenNumber"] == 2
    assert moved["arrivedAt"] == two["token"]["arrivedAt"]  # keeps its place by arrival
    left = await queue_of(client, await headers_for(ADMIN), dept["id"])
    assert [e["tokenNumber"] for e in left["waitingPatients"]] == []


# ---------------------------------------------------------------- the called queue


async def test_call_next_goes_by_priority_then_arrival_and_emergencies_are_seen_at_once(
    client, headers_for, make_patient, new_staff
):
    dept = await new_department()
    doctor, doctor_id, _ = await doctor_in(new_staff, dept["id"], room="7")
    desk = await headers_for(RECEPTION)
    young = "1990-01-01"
    routine_1 = await check_in(client, desk, patientId=(await make_patient(desk, dateOfBirth=young))["id"],
                               doctorId=str(doctor_id))
    elderly = await check_in(client, desk, patientId=(await make_patient(desk, dateOfBirth="1940-01-01"))["id"],
                             doctorId=str(doctor_id))
    routine_2 = await check_in(client, desk, patientId=(await make_patient(desk, dateOfBirth=young))["id"],
                               departmentId=str(dept["id"]))
    urgent = await check_in(client, desk, patientId=(await make_patient(desk, dateOfBirth=young))["id"],
                            doctorId=str(doctor_id), priority="URGENT", priorityReason="Severe pain")
    emergency = await check_in(client, desk, visitType="EMERGENCY", departmentId=str(dept["id"]),
                               chiefComplaint="Road traffic accident",
                               newPatient={"unidentified": True, "gender": "MALE", "age": 35})
    assert emergency["token"]["priority"] == "EMERGENCY" and emergency["patient"]["isUnidentified"] is True
    order = []
    for _ in range(5):
        called = await call_next(client, doctor)
        assert called is not None
        order.append(called)
        gone = await client.post(f"/api/opd/queue/tokens/{called['id']}/no-show", json={}, headers=doctor)
        assert gone.status_code == 200, gone.text
    assert [t["visitId"] for t in order] == [
        emergency["visitId"], urgent["visitId"], elderly["visitId"], routine_1["visitId"], routine_2["visitId"]]
    # The unassigned token went to the doctor who called it, to their room.
    assert order[0]["room"] == "7" and order[0]["announcement"] == (
        f"Token {emergency['token']['tokenNumber']}, Room 7")
    assert order[0]["doctorId"] == str(doctor_id)


async def test_call_next_never_passes_over_a_patient_twice_for_later_arrivals(
    client, headers_for, make_patient, new_staff
):
    """A booked patient whose appointment is due goes before earlier walk-ins, but not twice in a row."""
    dept = await new_department()
    doctor, doctor_id, _ = await doctor_in(new_staff, dept["id"])
    desk = await headers_for(RECEPTION)
    young = "1990-01-01"
    walk_in = await check_in(client, desk, patientId=(await make_patient(desk, dateOfBirth=young))["id"],
                             doctorId=str(doctor_id))
    booked = []
    for minutes in (5, 10):
        patient = await make_patient(desk, dateOfBirth=young)
        appointment = await insert_row(
            "appointments", patient_id=uuid.UUID(patient["id"]), doctor_id=doctor_id,
            appointment_date=_now() + timedelta(minutes=minutes), duration_minutes=15, status="SCHEDULED",
            version=1, created_at=_now(), updated_at=_now())
        booked.append(await check_in(client, desk, patientId=patient["id"], doctorId=str(doctor_id),
                                     appointmentId=str(appointment["id"])))
    assert booked[0]["appointmentId"] is not None
    first = await call(client, doctor)
    await client.post(f"/api/opd/queue/tokens/{first['id']}/no-show", json={}, headers=doctor)
    second = await call(client, doctor)
    # The due appointment went first; the walk-in, passed over once, is not passed over by the second booking.
    assert first["visitId"] == booked[0]["visitId"] and second["visitId"] == walk_in["visitId"]


async def test_recall_three_times_then_no_show_skip_and_explicit_no_show(client, headers_for, make_patient, new_staff):
    dept = await new_department()
    doctor, doctor_id, _ = await doctor_in(new_staff, dept["id"])
    desk = await headers_for(RECEPTION)
    visits = [await check_in(client, desk, patientId=(await make_patient(desk, dateOfBirth="1990-01-01"))["id"],
                             doctorId=str(doctor_id)) for _ in range(5)]
    called = await call_next(client, doctor)
    assert called is not None and called["visitId"] == visits[0]["visitId"] and called["callCount"] == 1
    tid = called["id"]
    for expected in (2, 3):
        recalled = await client.post(f"/api/opd/queue/tokens/{tid}/recall", json={}, headers=doctor)
        assert recalled.status_code == 200 and recalled.json()["token"]["callCount"] == expected
    gone = await client.post(f"/api/opd/queue/tokens/{tid}/recall", json={}, headers=doctor)
    assert gone.status_code == 200 and gone.json()["token"]["status"] == "NO_SHOW"
    visit = await fetchrow("SELECT status FROM patient_visits WHERE id = $1", uuid.UUID(visits[0]["visitId"]))
    assert visit is not None and visit["status"] == "CANCELLED"
    closed = await client.post(f"/api/opd/queue/tokens/{tid}/recall", json={}, headers=doctor)
    assert closed.status_code == 409 and closed.json()["currentState"] == "NO_SHOW"

    # Skip: back in the queue after two others.
    second = await call(client, doctor)
    skipped = await client.post(f"/api/opd/queue/tokens/{second['id']}/skip", json={"after": 2}, headers=doctor)
    assert skipped.status_code == 200 and skipped.json()["token"]["status"] == "WAITING"
    then = [await call(client, doctor) for _ in range(3)]
    assert [t["visitId"] for t in then] == [visits[2]["visitId"], visits[3]["visitId"], visits[1]["visitId"]]
    assert then[2]["callCount"] == 2  # the unanswered calls still count

    explicit = await client.post(f"/api/opd/queue/tokens/{then[2]['id']}/no-show", json={}, headers=doctor)
    assert explicit.status_code == 200 and explicit.json()["token"]["status"] == "NO_SHOW"
    board = await queue_of(client, doctor, dept["id"])
    assert {e["visitId"] for e in board["missed"]} == {visits[0]["visitId"], visits[1]["visitId"]}


async def test_call_next_needs_a_room_and_says_when_nobody_waits(client, headers_for, new_staff):
    dept = await new_department()
    doctor, _, _ = await doctor_in(new_staff, dept["id"], room=None)
    nobody_room = await client.post("/api/opd/queue/call-next", json={}, headers=doctor)
    assert nobody_room.status_code == 422 and "room" in nobody_room.json()["fields"]
    empty = await client.post("/api/opd/queue/call-next", json={"room": "12"}, headers=doctor)
    assert empty.status_code == 200 and empty.json()["token"] is None


# ---------------------------------------------------------------- triage


async def test_triage_scores_news2_and_raises_priority(client, headers_for, make_patient, new_staff):
    dept = await new_department()
    doctor, doctor_id, _ = await doctor_in(new_staff, dept["id"])
    desk = await headers_for(RECEPTION)
    early = await check_in(client, desk, patientId=(await make_patient(desk, dateOfBirth="1990-01-01"))["id"],
                           doctorId=str(doctor_id))
    sick = await check_in(client, desk, patientId=(await make_patient(desk, dateOfBirth="1990-01-01"))["id"],
                          doctorId=str(doctor_id))
    nurse = await headers_for(NURSE)
    partial = await client.post(f"/api/opd/visits/{early['visitId']}/triage", json={"temperature": 37.2,
                                                                                    "heartRate": 88}, headers=nurse)
    assert partial.status_code == 201, partial.text
    assert partial.json()["news2Score"] is None and partial.json()["priorityChanged"] is False
    assert "respiratoryRate" in partial.json()["missingForNews2"]
    scored = await client.post(f"/api/opd/visits/{sick['visitId']}/triage", json=HIGH_NEWS2, headers=nurse)
    assert scored.status_code == 201, scored.text
    assert scored.json()["news2Band"] == "HIGH" and scored.json()["priorityAfter"] == "EMERGENCY"
    impossible = await client.post(f"/api/opd/visits/{sick['visitId']}/triage", json={"temperature": 98.6},
                                   headers=nurse)
    assert impossible.status_code == 422 and "°F" in impossible.json()["fields"]["temperature"]
    first = await call(client, doctor)
    assert first["visitId"] == sick["visitId"] and first["priorityReason"].startswith("NEWS2")


async def test_observations_no_column_can_hold_are_field_errors_and_write_nothing(
    client, headers_for, make_patient, new_staff
):
    """A temperature of 1e999999 could not be rounded to check for °F, and a weight of 1e-999999 passed the range
    check but could not be sent to PostgreSQL: both were 500s."""
    dept = await new_department()
    _, doctor_id, _ = await doctor_in(new_staff, dept["id"])
    desk = await headers_for(RECEPTION)
    visit = await check_in(client, desk, patientId=(await make_patient(desk))["id"], doctorId=str(doctor_id))
    nurse = await headers_for(NURSE)
    for field, value in [("temperature", "1e999999"), ("temperature", "-1e999999"), ("weightKg", "1e-999999"),
                         ("weightKg", "0.001"), ("weightKg", "NaN")]:
        response = await client.post(f"/api/opd/visits/{visit['visitId']}/triage", json={field: value},
                                     headers=nurse)
        assert response.status_code == 422, (field, value, response.text)
        assert set(response.json()["fields"]) == {field}, (field, value)
    assert await count("SELECT 1 FROM opd_triage WHERE visit_id = $1", uuid.UUID(visit["visitId"])) == 0


# ---------------------------------------------------------------- consultations, prescriptions, completion


async def _patient_in_consultation(client, headers_for, make_patient, new_staff, **patient_fields):
    dept = await new_department()
    doctor, doctor_id, user = await doctor_in(new_staff, dept["id"], fee="650")
    admin = await headers_for(ADMIN)
    patient = await make_patient(admin, **patient_fields)
    visit = await check_in(client, await headers_for(RECEPTION), patientId=patient["id"], doctorId=str(doctor_id))
    token = await call_next(client, doctor)
    assert token is not None
    started = await client.post("/api/opd/consultations", json={
        "patientId": patient["id"], "doctorId": str(doctor_id), "templateId": "gm-viral-fever",
        "diagnosisCodes": ["r509", "A97.0"], "examination": "Febrile, chest clear",
    }, headers=doctor)
    assert started.status_code == 201, started.text
    return {"dept": dept, "doctor": doctor, "doctor_id": doctor_id, "user": user, "patient": patient, "visit": visit,
            "consultation": started.json()["consultation"]}


async def test_a_consultation_from_the_queue_to_the_bill(client, headers_for, make_patient, new_staff):
    s = await _patient_in_consultation(client, headers_for, make_patient, new_staff)
    c, doctor = s["consultation"], s["doctor"]
    assert c["examinationFindings"] == "Febrile, chest clear"  # the spec's `examination`
    assert c["diagnosis"] == "Acute febrile illness, likely viral"  # from the template
    assert [d["code"] for d in c["diagnosisCodes"]] == ["R50.9", "A97.0"]
    token = await fetchrow("SELECT status FROM queue_tokens WHERE visit_id = $1", uuid.UUID(s["visit"]["visitId"]))
    assert token is not None and token["status"] == "IN_CONSULTATION"

    stale = await client.put(f"/api/opd/consultations/{c['id']}", json={"diagnosis": "Dengue", "version": 99},
                             headers=doctor)
    assert stale.status_code == 412
    changed = await client.put(f"/api/opd/consultations/{c['id']}",
                               json={"diagnosis": "Dengue without warning signs", "diagnosisCodes": ["A97.0"]},
                               headers={**doctor, "If-Match": f'"{c["version"]}"'})
    assert changed.status_code == 200, changed.text
    assert changed.json()["consultation"]["version"] == c["version"] + 1
    bad_code = await client.put(f"/api/opd/consultations/{c['id']}", json={"diagnosisCodes": ["Q99.99"],
                                                                           "version": c["version"] + 1}, headers=doctor)
    assert bad_code.status_code == 422 and "diagnosisCodes" in bad_code.json()["fields"]
    noted = await client.post(f"/api/opd/consultations/{c['id']}/notes", json={"notes": "Platelets tomorrow"},
                              headers=doctor)
    assert noted.status_code == 200 and noted.json()["updated"] is True
    assert "Platelets tomorrow" in noted.json()["consultation"]["notes"]

    prescribed = await client.post(f"/api/opd/consultations/{c['id']}/prescribe", json={"medicines": [
        {"medicineId": await medicine_id("Dolo 650"), "dose": 1, "frequency": "TDS", "duration": 3,
         "instructions": "After food"}]}, headers=doctor)
    assert prescribed.status_code == 201, prescribed.text
    item = prescribed.json()["prescription"]["items"][0]
    assert (item["doseUnit"], item["frequency"], item["duration"]) == ("tab", "TDS", 3)

    follow_up = today() + timedelta(days=7)
    done = await client.post(f"/api/opd/consultations/{c['id']}/complete",
                             json={"followUpRequired": True, "followUpDate": follow_up.isoformat()}, headers=doctor)
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["consultationId"] == c["id"] and body["consultation"]["consultationEndTime"] is not None
    appointment = body["followUpAppointment"]
    assert appointment is not None and appointment["status"] == "SCHEDULED"
    assert datetime.fromisoformat(appointment["appointmentDate"]).astimezone(HOSPITAL_TZ).date() == follow_up
    # A doctor sees the bill but never its amounts.
    bill = body["bill"]
    assert bill["status"] == "DRAFT" and bill["items"][0]["itemType"] == "CONSULTATION"
    assert "totalAmount" not in bill and "amount" not in bill["items"][0]
    stored = await fetchrow("SELECT total_amount, balance, bill_type FROM bills WHERE id = $1", uuid.UUID(bill["id"]))
    assert stored is not None and str(stored["total_amount"]) == "650.00" and stored["bill_type"] == "OPD"
    states = await fetchrow(
        "SELECT v.status AS visit, t.status AS token FROM patient_visits v JOIN queue_tokens t ON t.visit_id = v.id "
        "WHERE v.id = $1", uuid.UUID(s["visit"]["visitId"]))
    assert states is not None and dict(states) == {"visit": "COMPLETED", "token": "COMPLETED"}
    twice = await client.post(f"/api/opd/consultations/{c['id']}/complete", json={}, headers=doctor)
    assert twice.status_code == 409

    record = await client.get(f"/api/opd/consultations/{c['id']}", headers=doctor)
    assert record.status_code == 200, record.text
    assert record.json()["prescriptions"][0]["items"][0]["medicineName"] == "Dolo 650"
    assert record.json()["doctor"]["registrationCouncil"] == "Karnataka Medical Council"
    schedule = await client.get("/api/dashboard/doctor/my-schedule", headers=doctor)
    assert schedule.status_code == 200, schedule.text
    assert [x["id"] for x in schedule.json()["consultations"]] == [c["id"]]
    assert schedule.json()["queue"]["COMPLETED"] == 1


async def test_completing_needs_a_diagnosis(client, headers_for, make_patient, new_staff):
    dept = await new_department()
    doctor, doctor_id, _ = await doctor_in(new_staff, dept["id"])
    desk = await headers_for(RECEPTION)
    visit = await check_in(client, desk, patientId=(await make_patient(desk))["id"], doctorId=str(doctor_id))
    started = await client.post("/api/opd/consultations", json={"visitId": visit["visitId"]}, headers=doctor)
    assert started.status_code == 201, started.text
    c = started.json()["consultation"]
    assert c["chiefComplaint"] == "Fever for 2 days"  # the desk's words, carried over
    refused = await client.post(f"/api/opd/consultations/{c['id']}/complete", json={}, headers=doctor)
    assert refused.status_code == 422 and "diagnosis" in refused.json()["fields"]


async def test_allergy_by_drug_class_warns_and_an_override_reason_is_recorded(
    client, headers_for, make_patient, new_staff
):
    s = await _patient_in_consultation(
        client, headers_for, make_patient, new_staff,
        structuredAllergies=[{"allergen": "Penicillins", "allergenType": "DRUG_CLASS", "severity": "SEVERE",
                              "reaction": "urticaria"}],
        allergies="Cousin allergic to sulfa drugs",  # free text: never matched
    )
    c, doctor = s["consultation"], s["doctor"]
    augmentin, septran = await medicine_id("Augmentin 625 Duo"), await medicine_id("Septran DS")
    lines = [{"medicineId": augmentin, "dose": 1, "frequency": "BD", "duration": 5},
             {"medicineId": septran, "dose": 1, "frequency": "BD", "duration": 5}]
    warned = await client.post(f"/api/opd/consultations/{c['id']}/prescribe", json={"medicines": lines},
                               headers=doctor)
    assert warned.status_code == 409, warned.text
    body = warned.json()
    assert [(w["line"], w["kind"], w["matched"]) for w in body["warnings"]] == [(0, "ALLERGY", "Penicillins")]
    assert body["fields"] == {"medicines[0].overrideReason": "needed to override the warnings"}
    assert await count("SELECT 1 FROM prescriptions WHERE consultation_id = $1", uuid.UUID(c["id"])) == 0

    lines[0]["overrideReason"] = "Took amoxicillin in 2024 without reaction; observed 30 minutes"
    done = await client.post(f"/api/opd/consultations/{c['id']}/prescribe", json={"medicines": lines}, headers=doctor)
    assert done.status_code == 201, done.text
    item = done.json()["prescription"]["items"][0]
    assert item["overrideReason"] == lines[0]["overrideReason"] and item["warnings"][0]["kind"] == "ALLERGY"
    stored = await fetchrow("SELECT override_reason FROM prescription_items WHERE id = $1", uuid.UUID(item["id"]))
    assert stored is not None and stored["override_reason"] == lines[0]["overrideReason"]
    assert [r["action"] for r in await audit_rows("prescription_items", item["id"])] == ["OVERRIDE_WARNING"]

    # Both are current medicines now: prescribing them again is a duplicate.
    again = await client.post(f"/api/opd/consultations/{c['id']}/prescribe", json={"medicines": [
        {"medicineId": await medicine_id("Mox 500"), "dose": 1, "frequency": "TDS", "duration": 5}]}, headers=doctor)
    assert again.status_code == 409
    assert {w["kind"] for w in again.json()["warnings"]} == {"ALLERGY", "DUPLICATE_MEDICATION"}

    printed = await client.get(done.json()["prescription"]["printUrl"], headers=doctor)
    assert printed.status_code == 200 and printed.headers["content-type"].startswith("text/html")
    doctor_row = await fetchrow("SELECT registration_number FROM doctors WHERE id = $1", s["doctor_id"])
    assert doctor_row is not None
    for shown in (s["user"]["firstName"], doctor_row["registration_number"], "Karnataka Medical Council",
                  "Augmentin 625 Duo", "Penicillins", s["patient"]["mrn"]):
        assert shown in printed.text
    pharmacy = await client.get(done.json()["prescription"]["printUrl"], headers=await headers_for(
        "pharmacy@demo.local"))
    assert pharmacy.status_code == 200
    pdf = await client.get(done.json()["prescription"]["printUrl"], params={"format": "pdf"}, headers=doctor)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    for shown in (doctor_row["registration_number"], "Karnataka Medical Council", s["patient"]["mrn"]):
        assert shown.encode() in pdf.content


async def test_prescription_validation_names_every_bad_line_and_writes_nothing(
    client, headers_for, make_patient, new_staff
):
    s = await _patient_in_consultation(client, headers_for, make_patient, new_staff)
    c, doctor = s["consultation"], s["doctor"]
    dolo = await medicine_id("Dolo 650")
    response = await client.post(f"/api/opd/consultations/{c['id']}/prescribe", json={"medicines": [
        {"medicineId": str(uuid.uuid4()), "dose": 1, "frequency": "TDS", "duration": 3},
        {"medicineId": dolo, "dose": -1, "frequency": "TDS", "duration": 3},
        {"medicineId": dolo, "dose": 1, "frequency": "QD", "duration": 3},
        {"medicineId": dolo, "dose": 1, "frequency": "OD", "duration": 0},
        {"medicineId": dolo, "dose": 1, "doseUnit": "spoonful", "frequency": "OD", "duration": 3},
    ]}, headers=doctor)
    assert response.status_code == 422, response.text
    assert set(response.json()["fields"]) == {"medicines[0].medicineId", "medicines[1].dose",
                                              "medicines[2].frequency", "medicines[3].duration",
                                              "medicines[4].doseUnit"}
    wrong_type = await client.post(f"/api/opd/consultations/{c['id']}/prescribe", json={"medicines": [
        {"medicineId": dolo, "dose": "one", "frequency": "OD", "duration": 3}]}, headers=doctor)
    assert wrong_type.status_code == 422 and "medicines[0].dose" in wrong_type.json()["fields"]
    assert await count("SELECT 1 FROM prescriptions WHERE consultation_id = $1", uuid.UUID(c["id"])) == 0


# ---------------------------------------------------------------- role rules


async def test_role_rules_of_the_opd(client, headers_for, make_patient, new_staff):
    s = await _patient_in_consultation(client, headers_for, make_patient, new_staff)
    c = s["consultation"]
    desk, nurse = await headers_for(RECEPTION), await headers_for(NURSE)
    dolo = await medicine_id("Dolo 650")
    line = {"medicines": [{"medicineId": dolo, "dose": 1, "frequency": "OD", "duration": 1}]}
    # A receptionist checks in but neither reads nor writes a consultation, nor prescribes.
    assert (await client.get(f"/api/opd/consultations/{c['id']}", headers=desk)).status_code == 403
    assert (await client.post("/api/opd/consultations", json={"visitId": s["visit"]["visitId"]},
                              headers=desk)).status_code == 403
    prescribe = f"/api/opd/consultations/{c['id']}/prescribe"
    assert (await client.post(prescribe, json=line, headers=desk)).status_code == 403
    # A nurse does not prescribe or consult (she triages).
    assert (await client.post(prescribe, json=line, headers=nurse)).status_code == 403
    assert (await client.post("/api/opd/queue/call-next", json={}, headers=nurse)).status_code == 403
    # Another doctor, even of the same department, neither prescribes on it nor changes it.
    colleague, _, _ = await doctor_in(new_staff, s["dept"]["id"])
    assert (await client.post(f"/api/opd/consultations/{c['id']}/prescribe", json=line,
                              headers=colleague)).status_code == 403
    assert (await client.post(f"/api/opd/consultations/{c['id']}/notes", json={"notes": "x"},
                              headers=colleague)).status_code == 403
    # ADMIN may work a queue for a doctor, but prescriptions are signed by the consultation's doctor.
    admin = await headers_for(ADMIN)
    assert (await client.post(f"/api/opd/consultations/{c['id']}/prescribe", json=line,
                              headers=admin)).status_code == 403


async def test_a_doctor_works_only_their_own_departments_queue(client, headers_for, make_patient, new_staff):
    dept, other = await new_department(), await new_department()
    mine, my_id, _ = await doctor_in(new_staff, dept["id"])
    stranger, stranger_id, _ = await doctor_in(new_staff, other["id"])
    desk = await headers_for(RECEPTION)
    await check_in(client, desk, patientId=(await make_patient(desk))["id"], departmentId=str(dept["id"]))
    called = await call_next(client, mine)
    assert called is not None
    for action in ("recall", "skip", "no-show"):
        response = await client.post(f"/api/opd/queue/tokens/{called['id']}/{action}", json={}, headers=stranger)
        assert response.status_code == 403, action
    assert await call_next(client, stranger) is None  # their queue is empty: ours is never offered
    spoofed = await client.post("/api/opd/queue/call-next", json={"doctorId": str(my_id)}, headers=stranger)
    assert spoofed.status_code == 403
    other_queue = await client.get("/api/opd/queue", params={"departmentId": str(dept["id"])}, headers=stranger)
    assert other_queue.status_code == 403
    # ADMIN may call for a named doctor.
    admin = await headers_for(ADMIN)
    as_admin = await client.post("/api/opd/queue/call-next", json={"doctorId": str(stranger_id)}, headers=admin)
    assert as_admin.status_code == 200 and as_admin.json()["token"] is None


# ---------------------------------------------------------------- appointments and schedules


def _kolkata(day: date, hh: int, mm: int = 0) -> str:
    return datetime.combine(day, time(hh, mm), tzinfo=HOSPITAL_TZ).isoformat()


async def test_appointments_are_booked_without_clashes_rescheduled_cancelled_and_shown_by_week(
    client, headers_for, make_patient, new_staff
):
    dept = await new_department()
    doctor, doctor_id, _ = await doctor_in(new_staff, dept["id"])
    await execute("UPDATE doctors SET available_mon_fri_start = '09:00', available_mon_fri_end = '17:00', "
                  "available_weekends = false WHERE id = $1", doctor_id)
    desk = await headers_for(RECEPTION)
    patient = await make_patient(desk)
    day = today() + timedelta(days=7)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    book = {"patientId": patient["id"], "doctorId": str(doctor_id), "appointmentDate": _kolkata(day, 10),
            "durationMinutes": 15, "reason": "Diabetes review"}
    made = await client.post("/api/opd/appointments", json=book, headers=desk)
    assert made.status_code == 201, made.text
    appointment = made.json()["appointment"]
    clash = await client.post("/api/opd/appointments", json={**book, "appointmentDate": _kolkata(day, 10, 10)},
                              headers=desk)
    assert clash.status_code == 409 and clash.json()["fields"] == {"appointmentDate": "clashes"}
    late = await client.post("/api/opd/appointments", json={**book, "appointmentDate": _kolkata(day, 18)},
                             headers=desk)
    assert late.status_code == 422 and "hours" in late.json()["fields"]["appointmentDate"]
    naive = await client.post("/api/opd/appointments", json={**book, "appointmentDate": f"{day.isoformat()}T11:00:00"},
                              headers=desk)
    assert naive.status_code == 422 and "appointmentDate" in naive.json()["fields"]
    assert (await client.post("/api/opd/appointments", json=book, headers=doctor)).status_code == 403

    moved = await client.put(f"/api/opd/appointments/{appointment['id']}",
                             json={"appointmentDate": _kolkata(day, 11), "version": appointment["version"]},
                             headers=desk)
    assert moved.status_code == 200, moved.text
    assert moved.json()["appointment"]["version"] == appointment["version"] + 1
    stale = await client.put(f"/api/opd/appointments/{appointment['id']}",
                             json={"appointmentDate": _kolkata(day, 12), "version": appointment["version"]},
                             headers=desk)
    assert stale.status_code == 412

    week = await client.get("/api/opd/appointments/week", params={"doctorId": str(doctor_id), "date": day.isoformat()},
                            headers=doctor)
    assert week.status_code == 200, week.text
    days = week.json()["days"]
    assert len(days) == 7 and week.json()["weekStart"] == (day - timedelta(days=day.weekday())).isoformat()
    shown = next(d for d in days if d["date"] == day.isoformat())
    assert [a["id"] for a in shown["appointments"]] == [appointment["id"]] and shown["opens"] == "09:00:00"
    assert days[6]["opens"] is None  # Sunday: no OPD for this doctor

    listed = await client.get("/api/opd/appointments", params={"patientId": patient["id"],
                                                                "startDate": day.isoformat()}, headers=desk)
    assert listed.status_code == 200 and [a["id"] for a in listed.json()["appointments"]] == [appointment["id"]]

    cancelled = await client.post(f"/api/opd/appointments/{appointment['id']}/cancel",
                                  json={"reason": "Patient travelling"}, headers=desk)
    assert cancelled.status_code == 200 and cancelled.json()["appointment"]["status"] == "CANCELLED"


async def test_a_booked_patient_checking_in_keeps_the_appointment(client, headers_for, make_patient, new_staff):
    dept = await new_department()
    _doctor, doctor_id, _ = await doctor_in(new_staff, dept["id"])
    desk = await headers_for(RECEPTION)
    patient = await make_patient(desk)
    appointment = await insert_row(
        "appointments", patient_id=uuid.UUID(patient["id"]), doctor_id=doctor_id,
        appointment_date=_now() + timedelta(minutes=20), duration_minutes=15, status="SCHEDULED", version=1,
        created_at=_now(), updated_at=_now())
    ready = await client.get("/api/dashboard/receptionist/queue", params={"departmentId": str(dept["id"])},
                             headers=desk)
    assert ready.status_code == 200 and [a["id"] for a in ready.json()["checkInReady"]] == [str(appointment["id"])]
    # Not mentioned at the desk: found by itself.
    body = await check_in(client, desk, patientId=patient["id"], departmentId=str(dept["id"]))
    assert body["appointmentId"] == str(appointment["id"]) and body["token"]["doctorId"] == str(doctor_id)
    assert body["token"]["appointmentAt"] is not None
    row = await fetchrow("SELECT status FROM appointments WHERE id = $1", appointment["id"])
    assert row is not None and row["status"] == "CHECK_IN"
    after = await client.get("/api/dashboard/receptionist/queue", params={"departmentId": str(dept["id"])},
                             headers=desk)
    assert after.json()["checkInReady"] == []
    assert [t["visitId"] for t in after.json()["waitingPatients"]] == [body["visitId"]]
    schedule = await client.get(f"/api/opd/doctor/{doctor_id}/schedule", headers=desk)
    assert schedule.status_code == 200, schedule.text
    assert schedule.json()["queue"]["WAITING"] == 1
    assert schedule.json()["availability"]["seesPatients"] is True


# ---------------------------------------------------------------- reference lists and the report


async def test_icd10_search_templates_and_chief_complaints(client, headers_for, new_staff):
    doctor = await headers_for("doctor@demo.local")
    found = await client.get("/api/opd/icd10", params={"search": "htn"}, headers=doctor)
    assert found.status_code == 200 and found.json()["codes"][0]["code"] == "I10"
    assert (await client.get("/api/opd/icd10", params={"search": "htn"},
                             headers=await headers_for(RECEPTION))).status_code == 403
    templates = await client.get("/api/opd/templates", headers=doctor)
    assert templates.status_code == 200 and templates.json()["specialty"] == "General Medicine"
    assert templates.json()["templates"][0]["specialty"] == "General Medicine"
    complaints = await client.get("/api/opd/chief-complaints", headers=await headers_for(RECEPTION))
    assert complaints.status_code == 200 and "Fever for __ days" in complaints.json()["chiefComplaints"]


async def test_opd_summary_report(client, headers_for, make_patient, new_staff):
    await _patient_in_consultation(client, headers_for, make_patient, new_staff)
    report = await client.get("/api/reports/opd-summary",
                              params={"startDate": today().isoformat(), "endDate": today().isoformat()},
                              headers=await headers_for(ADMIN))
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["totalConsultations"] >= 1 and body["newPatients"] + body["followUps"] == body["totalConsultations"]
    assert body["byDoctor"] and body["byComplaint"]
    backwards = await client.get("/api/reports/opd-summary",
                                 params={"startDate": today().isoformat(),
                                         "endDate": (today() - timedelta(days=1)).isoformat()},
                                 headers=await headers_for(ADMIN))
    assert backwards.status_code == 422 and "endDate" in backwards.json()["fields"]


@pytest.mark.parametrize("role_email", [RECEPTION, "billing@demo.local"])
async def test_reading_the_queue_needs_a_department_for_the_desk(client, headers_for, role_email):
    response = await client.get("/api/opd/queue", headers=await headers_for(role_email))
    assert response.status_code in (403, 422)


async def test_a_dose_no_column_can_hold_is_a_field_error_and_nothing_is_prescribed(
    client, headers_for, make_patient, new_staff
):
    """prescription_items.dose_quantity is numeric(10, 2): 0.001 rounded to 0 and broke its CHECK, 1e999999 could
    not be sent at all; both were 500s."""
    s = await _patient_in_consultation(client, headers_for, make_patient, new_staff)
    c, doctor = s["consultation"], s["doctor"]
    dolo = await medicine_id("Dolo 650")
    for dose in ["0.001", "1e-999999", "1e999999", "100000000"]:
        response = await client.post(f"/api/opd/consultations/{c['id']}/prescribe", json={"medicines": [
            {"medicineId": dolo, "dose": dose, "frequency": "TDS", "duration": 3}]}, headers=doctor)
        assert response.status_code == 422, (dose, response.text)
        assert set(response.json()["fields"]) == {"medicines[0].dose"}, dose
    assert await count("SELECT 1 FROM prescriptions WHERE consultation_id = $1", uuid.UUID(c["id"])) == 0


async def test_departments_list_their_opd_doctors_and_who_is_on_duty_now(client, headers_for, new_staff):
    dept, empty = await new_department(), await new_department()
    _, on_duty, on_duty_user = await doctor_in(new_staff, dept["id"], room="7")
    _, off_duty, _ = await doctor_in(new_staff, dept["id"], room=None)
    gone_user, _ = await new_staff("DOCTOR")
    await execute("UPDATE doctors SET department_id = $2 WHERE user_id = $1", uuid.UUID(gone_user["id"]), dept["id"])
    await execute("UPDATE users SET is_active = false WHERE id = $1", uuid.UUID(gone_user["id"]))
    now = _now()
    await insert_row("duty_roster", user_id=uuid.UUID(on_duty_user["id"]), department_id=dept["id"],
                     role_on_duty="Consultant", starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=7),
                     created_at=now)
    response = await client.get("/api/opd/departments", headers=await headers_for(RECEPTION))
    assert response.status_code == 200, response.text
    found = {d["id"]: d for d in response.json()["departments"]}
    mine = found[str(dept["id"])]
    assert (mine["code"], mine["name"], mine["runsOpd"]) == (dept["code"], dept["name"], True)
    doctors = {d["id"]: d for d in mine["doctors"]}
    assert set(doctors) == {str(on_duty), str(off_duty)}  # a deactivated doctor is not offered
    assert doctors[str(on_duty)] == {
        "id": str(on_duty), "userId": on_duty_user["id"],
        "name": f"{on_duty_user['firstName']} {on_duty_user['lastName']}",
        "specialization": "Internal Medicine", "opdRoom": "7", "onDutyNow": True,
    }
    assert doctors[str(off_duty)]["onDutyNow"] is False and doctors[str(off_duty)]["opdRoom"] is None
    assert found[str(empty["id"])]["runsOpd"] is False and found[str(empty["id"])]["doctors"] == []
    # The seeded hospital: Radiology's radiologists take no OPD queue.
    seeded = {d["code"]: d for d in response.json()["departments"]}
    assert seeded["GMED"]["runsOpd"] is True and seeded["RADI"]["runsOpd"] is False
