"""Admissions over HTTP: one bed for one patient (also when twenty race for it), transfers with their bed history,
the four ways of leaving with their statuses and the draft bill, undoing mistakes, admission from an OPD visit,
lists, details, the printable summary, and a census that adds up."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from db.connection import execute, fetch, fetchrow, transaction
from domain.inpatient import room_charge_days
from tests.api.conftest import ADMIN, RECEPTION
from tests.api.ipd_support import NORMAL, admit, admitted, chart, make_ipd_ward, new_patient, now, one
from tests.channels.conftest import NURSE

BILLING = "billing@demo.local"


async def census_matches_the_database(client: Any, headers: Any) -> dict[str, Any]:
    """GET /api/ipd/census agrees with the beds table, and its parts add up to its totals."""
    body: dict[str, Any] = (await client.get("/api/ipd/census", headers=headers)).json()
    rows = await fetch("SELECT status, count(*) AS n FROM beds GROUP BY status")
    by_status = {r["status"]: int(r["n"]) for r in rows}
    assert body["totalBeds"] == sum(by_status.values())
    assert body["occupiedBeds"] == by_status.get("OCCUPIED", 0)
    assert body["available"] == by_status.get("AVAILABLE", 0)
    assert body["cleaning"] == by_status.get("CLEANING", 0)
    keys = ("totalBeds", "occupiedBeds", "available", "reserved", "cleaning", "maintenance")
    for key in keys:
        assert sum(w[key] for w in body["byWard"]) == body[key], key
        assert sum(r[key] for r in body["byRoomType"]) == body[key], key
    assert body["totalBeds"] == sum(body[k] for k in keys[1:])
    active = await fetchrow("SELECT count(*) AS n FROM ipd_admissions WHERE status = 'ACTIVE'")
    assert active is not None and len(body["admissions"]) == active["n"]
    # Every active admission holds exactly one OCCUPIED bed, and the census lists no names.
    assert all("firstName" not in a for a in body["admissions"])
    return body


# ---------------------------------------------------------------- admitting


async def test_a_doctor_admits_to_a_free_bed_of_the_room_in_one_transaction(client, headers_for, make_patient,
                                                                            new_staff):
    ward = await make_ipd_ward(new_staff)
    patient = await new_patient(make_patient, headers_for)
    response = await admit(client, ward.doctor, patient["id"], roomId=ward.rooms[1], icdCodes=["J18.9"],
                           estimatedCost="45000")
    body = response.json()
    admission = body["admission"]
    assert body["admissionId"] == admission["id"] and response.headers["etag"] == '"1"'
    assert admission["status"] == "ACTIVE" and admission["admittedBy"]["id"] == str(ward.doctor_id)
    assert admission["primaryDoctor"]["id"] == str(ward.doctor_id)
    assert admission["place"]["roomId"] == str(ward.rooms[1]) and admission["place"]["bedNumber"] == "A"
    assert admission["icdCodes"] == ["J18.9"] and "estimatedCost" not in admission  # no money for a doctor
    bed_id = uuid.UUID(admission["place"]["bedId"])
    assert bed_id == ward.beds[3]
    bed = await fetchrow("SELECT status, version FROM beds WHERE id = $1", bed_id)
    assert bed is not None and (bed["status"], bed["version"]) == ("OCCUPIED", 2)
    stays = await fetch("SELECT bed_id, ended_at FROM bed_assignments WHERE admission_id = $1",
                        uuid.UUID(admission["id"]))
    assert [(s["bed_id"], s["ended_at"]) for s in stays] == [(bed_id, None)]
    visit = await fetchrow("SELECT visit_type, status FROM patient_visits WHERE id = $1",
                           uuid.UUID(admission["visitId"]))
    assert visit is not None and dict(visit) == {"visit_type": "IPD", "status": "ADMITTED"}
    assert admission["vitalsDueAt"] is not None  # the baseline set of observations is due
    audits = await fetch("SELECT action FROM audit_log WHERE table_name = 'ipd_admissions' AND record_id = $1",
                         admission["id"])
    assert [a["action"] for a in audits] == ["ADMIT"]
    events = await fetch("SELECT topic, event_type FROM outbox_events WHERE payload->>'bedId' = $1 ORDER BY id",
                         str(bed_id))
    assert sorted((e["topic"], e["event_type"]) for e in events) == [
        ("census", "census.updated"), (f"ward:{ward.id}", "bed.occupied")]
    # A second admission of the same patient is refused.
    again = await admit(client, ward.doctor, patient["id"], bedId=ward.beds[0], expect=409)
    assert again.json()["admissionId"] == admission["id"]


async def test_a_nurse_places_a_patient_naming_the_admitting_doctor(client, headers_for, make_patient, new_staff):
    ward = await make_ipd_ward(new_staff)
    patient = await new_patient(make_patient, headers_for)
    unnamed = await admit(client, ward.nurse, patient["id"], bedId=ward.beds[0], expect=422)
    assert "doctorId" in unnamed.json()["fields"]
    assert (await one("SELECT status FROM beds WHERE id = $1", ward.beds[0]))["status"] == "AVAILABLE"
    placed = (await admit(client, ward.nurse, patient["id"], bedId=ward.beds[0], doctorId=ward.doctor_id)).json()
    assert placed["admission"]["admittedBy"]["id"] == str(ward.doctor_id)
    # ADMIN names a doctor too; a doctor admits under their own name only.
    other = await new_patient(make_patient, headers_for)
    refused = await admit(client, ward.doctor, other["id"], bedId=ward.beds[1], expect=403,
                          doctorId=(await one("SELECT id FROM doctors WHERE id <> $1 LIMIT 1",
                                                   ward.doctor_id))["id"])
    assert "own name" in refused.json()["detail"]
    by_admin = await admit(client, await headers_for(ADMIN), other["id"], bedId=ward.beds[1], doctorId=ward.doctor_id)
    assert by_admin.json()["admission"]["admittedBy"]["id"] == str(ward.doctor_id)


async def test_twenty_concurrent_admissions_to_one_bed_one_wins(client, headers_for, make_patient, new_staff):
    ward = await make_ipd_ward(new_staff)
    patients = [await new_patient(make_patient, headers_for) for _ in range(20)]
    bed = ward.beds[0]
    responses = await asyncio.gather(*(
        admit(client, ward.doctor, p["id"], bedId=bed, expect=None) for p in patients
    ))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 19, codes
    for refused in (r for r in responses if r.status_code == 409):
        body = refused.json()
        assert body["currentState"] == "OCCUPIED" or body.get("constraint", "").startswith("ux_"), body
    holders = await fetch("SELECT id FROM ipd_admissions WHERE bed_id = $1 AND status = 'ACTIVE'", bed)
    assert len(holders) == 1
    assert len(await fetch("SELECT id FROM bed_assignments WHERE bed_id = $1 AND ended_at IS NULL", bed)) == 1
    # The losers left nothing behind: no admission, no IPD visit, no event.
    winner = next(r for r in responses if r.status_code == 201).json()["admission"]["patientId"]
    losers = [uuid.UUID(p["id"]) for p in patients if p["id"] != winner]
    assert await fetch("SELECT id FROM ipd_admissions WHERE patient_id = ANY($1::uuid[])", losers) == []
    assert await fetch("SELECT id FROM patient_visits WHERE patient_id = ANY($1::uuid[]) AND visit_type = 'IPD'",
                       losers) == []
    occupied = await fetch("SELECT id FROM outbox_events WHERE topic = $1 AND event_type = 'bed.occupied'", ward.topic)
    assert len(occupied) == 1
    await census_matches_the_database(client, await headers_for(RECEPTION))


async def test_the_database_refuses_a_second_active_admission_whatever_the_code_does(client, headers_for,
                                                                                      make_patient, new_staff):
    ward = await make_ipd_ward(new_staff, rooms=1, beds_per_room=6)
    patient = await new_patient(make_patient, headers_for)
    # The same patient sent to six beds at once: no lock is shared, the partial unique index decides.
    responses = await asyncio.gather(*(
        admit(client, ward.doctor, patient["id"], bedId=b, expect=None) for b in ward.beds
    ))
    assert sorted(r.status_code for r in responses) == [201] + [409] * 5
    assert all("active admission" in r.json()["detail"] for r in responses if r.status_code == 409)
    beds = await fetch("SELECT status FROM beds WHERE id = ANY($1::uuid[])", ward.beds)
    assert sorted(b["status"] for b in beds) == ["AVAILABLE"] * 5 + ["OCCUPIED"]
    # And straight into the table, past every check in Python: still refused.
    held = await fetchrow("SELECT * FROM ipd_admissions WHERE patient_id = $1 AND status = 'ACTIVE'",
                          uuid.UUID(patient["id"]))
    assert held is not None
    with pytest.raises(asyncpg.UniqueViolationError) as refused:
        async with transaction():
            await execute(
                "INSERT INTO ipd_admissions (id, patient_id, admission_date, bed_id, room_id, admitted_by, "
                "reason_for_admission, admission_type, status, created_at, updated_at) "
                "VALUES (gen_random_uuid(), $1, now(), $2, $3, $4, 'x', 'ROUTINE', 'ACTIVE', now(), now())",
                uuid.UUID(patient["id"]), ward.beds[5], ward.rooms[0], ward.doctor_id,
            )
    assert refused.value.constraint_name == "ux_ipd_admissions_active_patient"


async def test_a_full_room_and_an_unavailable_bed_are_409_with_the_reason(client, headers_for, make_patient,
                                                                          new_staff):
    ward = await make_ipd_ward(new_staff, rooms=1, beds_per_room=1)
    first = await new_patient(make_patient, headers_for)
    await admit(client, ward.doctor, first["id"], roomId=ward.rooms[0])
    second = await new_patient(make_patient, headers_for)
    full = await admit(client, ward.doctor, second["id"], roomId=ward.rooms[0], expect=409)
    assert "no AVAILABLE bed" in full.json()["detail"] and full.json()["beds"] == {"OCCUPIED": 1}
    other = await make_ipd_ward(new_staff, rooms=1, beds_per_room=1)
    await execute("UPDATE beds SET status = 'MAINTENANCE' WHERE id = $1", other.beds[0])
    broken = await admit(client, ward.doctor, second["id"], bedId=other.beds[0], expect=409)
    assert broken.json()["currentState"] == "MAINTENANCE"
    wrong_room = await admit(client, ward.doctor, second["id"], bedId=other.beds[0], roomId=ward.rooms[0], expect=422)
    assert "bedId" in wrong_room.json()["fields"]
    # A RESERVED bed is held for an incoming patient: naming it admits to it.
    await execute("UPDATE beds SET status = 'RESERVED' WHERE id = $1", other.beds[0])
    await admit(client, ward.doctor, second["id"], bedId=other.beds[0])


# ---------------------------------------------------------------- transfer


async def test_a_transfer_moves_the_patient_atomically_and_keeps_the_bed_history(client, headers_for, make_patient,
                                                                                  new_staff):
    ward = await make_ipd_ward(new_staff)
    icu = await make_ipd_ward(new_staff, rooms=1, beds_per_room=2, room_type="ICU")
    _, admission = await admitted(client, ward, make_patient, headers_for, bed=0)
    before = await census_matches_the_database(client, await headers_for(RECEPTION))
    moved = await client.post(f"/api/ipd/admissions/{admission['id']}/transfer",
                              json={"newRoomId": str(icu.rooms[0]), "reason": "needs ventilation", "version": 1},
                              headers=ward.nurse)
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["updated"] is True and body["admission"]["status"] == "ACTIVE"
    assert body["admission"]["place"]["bedId"] == str(icu.beds[0]) and body["admission"]["version"] == 2
    states = {r["id"]: r["status"] for r in await fetch("SELECT id, status FROM beds WHERE id = ANY($1::uuid[])",
                                                        [ward.beds[0], icu.beds[0]])}
    assert states == {ward.beds[0]: "CLEANING", icu.beds[0]: "OCCUPIED"}
    stays = await fetch("SELECT bed_id, ended_at FROM bed_assignments WHERE admission_id = $1 ORDER BY started_at",
                        uuid.UUID(admission["id"]))
    assert [s["bed_id"] for s in stays] == [ward.beds[0], icu.beds[0]]
    assert stays[0]["ended_at"] is not None and stays[1]["ended_at"] is None
    # One event on each ward involved, two census changes.
    on_old = await fetch("SELECT event_type, payload->>'status' AS status FROM outbox_events WHERE topic = $1 "
                         "AND payload->>'bedId' = $2", ward.topic, str(ward.beds[0]))
    assert [(e["event_type"], e["status"]) for e in on_old] == [
        ("bed.occupied", "OCCUPIED"), ("bed.updated", "CLEANING")]
    on_new = await fetch("SELECT event_type FROM outbox_events WHERE topic = $1", icu.topic)
    assert [e["event_type"] for e in on_new] == ["bed.occupied"]
    after = await census_matches_the_database(client, await headers_for(RECEPTION))
    assert after["occupiedBeds"] == before["occupiedBeds"] and after["cleaning"] == before["cleaning"] + 1
    # The patient left her ward: the sending nurse no longer opens the record; the doctor does.
    gone = await client.post(f"/api/ipd/admissions/{admission['id']}/transfer",
                             json={"newRoomId": str(ward.rooms[1])}, headers=ward.nurse)
    assert gone.status_code == 403
    stale = await client.post(f"/api/ipd/admissions/{admission['id']}/transfer",
                              json={"newRoomId": str(ward.rooms[1]), "version": 1}, headers=ward.doctor)
    assert stale.status_code == 412
    same = await client.post(f"/api/ipd/admissions/{admission['id']}/transfer",
                             json={"newBedId": str(icu.beds[0])}, headers=ward.doctor)
    assert same.status_code == 422


# ---------------------------------------------------------------- discharge


@pytest.mark.parametrize(("discharge_type", "status"), [
    ("NORMAL", "DISCHARGED"), ("AGAINST_MEDICAL_ADVICE", "DISCHARGED"), ("TRANSFERRED_OUT", "TRANSFERRED"),
    ("DEATH", "DECEASED"),
])
async def test_discharge_types_give_the_spec_statuses_free_the_bed_and_leave_a_draft_bill(
    client, headers_for, make_patient, new_staff, discharge_type, status
):
    ward = await make_ipd_ward(new_staff, rate="1800.00")
    patient, admission = await admitted(client, ward, make_patient, headers_for, bed=0)
    admission_id = uuid.UUID(admission["id"])
    # Three days ago in bed A, moved to bed B yesterday (bed history written as the services would).
    start = now() - timedelta(days=3)
    moved_at = now() - timedelta(days=1)
    await execute("UPDATE ipd_admissions SET admission_date = $2, created_at = $2 WHERE id = $1", admission_id, start)
    await execute("UPDATE bed_assignments SET started_at = $2 WHERE admission_id = $1", admission_id, start)
    moved = await client.post(f"/api/ipd/admissions/{admission_id}/transfer", json={"newBedId": str(ward.beds[1])},
                              headers=ward.nurse)
    assert moved.status_code == 200
    await execute("UPDATE bed_assignments SET ended_at = $2 WHERE admission_id = $1 AND bed_id = $3",
                  admission_id, moved_at, ward.beds[0])
    await execute("UPDATE bed_assignments SET started_at = $2 WHERE admission_id = $1 AND bed_id = $3",
                  admission_id, moved_at, ward.beds[1])
    body = {"dischargeType": discharge_type, "dischargeSummary": "Treated with IV antibiotics; afebrile 48 h.",
            "dischargeAdvice": "Complete the oral course; return if breathless.",
            "medications": [{"name": "Augmentin 625 Duo", "dose": "1 tab", "frequency": "BD", "duration": "5 days"}],
            "followUp": {"date": (now() + timedelta(days=7)).date().isoformat(), "notes": "Chest X-ray then"}}
    response = await client.post(f"/api/ipd/admissions/{admission_id}/discharge", json=body, headers=ward.doctor)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["dischargeId"] == str(admission_id)
    assert result["admission"]["status"] == status
    assert result["admission"]["discharge"]["dischargeType"] == discharge_type
    assert result["admission"]["discharge"]["medications"][0]["name"] == "Augmentin 625 Duo"
    assert (await one("SELECT status FROM beds WHERE id = $1", ward.beds[1]))["status"] == "CLEANING"
    visit = await fetchrow("SELECT status FROM patient_visits WHERE id = $1", uuid.UUID(admission["visitId"]))
    assert visit is not None and visit["status"] == "COMPLETED"
    # The draft bill: one ROOM line per bed held, days by the midnight census; a doctor sees no amounts.
    bill = result["bill"]
    assert bill["status"] == "DRAFT" and bill["billType"] == "IPD" and bill["billNumber"].startswith("BILL-")
    assert "totalAmount" not in bill and all("amount" not in i for i in bill["items"])
    stays = await fetch("SELECT started_at, ended_at FROM bed_assignments WHERE admission_id = $1 ORDER BY started_at",
                        admission_id)
    expected = [d for d in room_charge_days([(s["started_at"], s["ended_at"]) for s in stays]) if d]
    items = await fetch("SELECT item_type, quantity, unit_rate, amount FROM bill_items b JOIN bills ON bills.id = "
                        "b.bill_id WHERE bills.ipd_admission_id = $1 ORDER BY b.created_at", admission_id)
    assert [i["quantity"] for i in items] == expected and all(i["item_type"] == "ROOM" for i in items)
    assert sum(i["amount"] for i in items) == Decimal("1800.00") * sum(expected)
    assert sum(expected) in (3, 4)  # three nights (four if the test straddles midnight in Kolkata)
    as_billing = await client.get(f"/api/patients/{patient['id']}/bills", headers=await headers_for(BILLING))
    assert as_billing.status_code == 200 and bill["id"] in as_billing.text
    # Gone from the census, still found by id; a second discharge is refused with the state.
    again = await client.post(f"/api/ipd/admissions/{admission_id}/discharge", json=body, headers=ward.doctor)
    assert again.status_code == 409 and again.json()["currentState"] == status
    summary = await client.get(f"/api/ipd/admissions/{admission_id}/discharge-summary", headers=ward.doctor)
    assert summary.status_code == 200 and summary.headers["content-type"].startswith("text/html")
    assert "Treated with IV antibiotics" in summary.text and patient["firstName"] in summary.text
    assert "Augmentin 625 Duo" in summary.text
    pdf = await client.get(f"/api/ipd/admissions/{admission_id}/discharge-summary", params={"format": "pdf"},
                           headers=ward.doctor)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert b"Treated with IV antibiotics" in pdf.content and patient["mrn"].encode() in pdf.content


async def test_census_counts_add_up_after_admissions_transfers_and_discharges(client, headers_for, make_patient,
                                                                              new_staff):
    ward = await make_ipd_ward(new_staff, rooms=2, beds_per_room=3)
    desk = await headers_for(RECEPTION)
    start = await census_matches_the_database(client, desk)
    admissions = [(await admitted(client, ward, make_patient, headers_for, bed=i))[1] for i in range(3)]
    await client.post(f"/api/ipd/admissions/{admissions[0]['id']}/transfer", json={"newBedId": str(ward.beds[4])},
                      headers=ward.nurse)
    await client.post(f"/api/ipd/admissions/{admissions[1]['id']}/discharge",
                      json={"dischargeSummary": "Recovered."}, headers=ward.doctor)
    end = await census_matches_the_database(client, desk)
    assert end["occupiedBeds"] == start["occupiedBeds"] + 2
    assert end["cleaning"] == start["cleaning"] + 2  # bed 0 (transferred from) and bed 1 (discharged)
    mine = next(w for w in end["byWard"] if w["wardId"] == str(ward.id))
    assert (mine["occupiedBeds"], mine["cleaning"], mine["available"]) == (2, 2, 2)


# ---------------------------------------------------------------- undoing mistakes


async def test_an_admission_entered_by_mistake_is_cancelled_and_the_bed_freed(client, headers_for, make_patient,
                                                                              new_staff):
    ward = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for, bed=0)
    short = await client.post(f"/api/ipd/admissions/{admission['id']}/cancel", json={"reason": "x"},
                              headers=ward.nurse)
    assert short.status_code == 422
    cancelled = await client.post(f"/api/ipd/admissions/{admission['id']}/cancel",
                                  json={"reason": "Admitted under the wrong patient record"}, headers=ward.nurse)
    assert cancelled.status_code == 200, cancelled.text
    body = cancelled.json()["admission"]
    assert body["status"] == "CANCELLED" and body["cancellation"]["reason"].startswith("Admitted under")
    assert (await one("SELECT status FROM beds WHERE id = $1", ward.beds[0]))["status"] == "AVAILABLE"
    visit = await fetchrow("SELECT status FROM patient_visits WHERE id = $1", uuid.UUID(admission["visitId"]))
    assert visit is not None and visit["status"] == "CANCELLED"
    audit = await fetch("SELECT action FROM audit_log WHERE table_name = 'ipd_admissions' AND record_id = $1 "
                        "ORDER BY seq", admission["id"])
    assert [a["action"] for a in audit] == ["ADMIT", "CANCEL"]
    # One with clinical records is discharged instead, unless ADMIN cancels it.
    _, charted = await admitted(client, ward, make_patient, headers_for, bed=1)
    await chart(client, ward.nurse, charted["id"], **NORMAL)
    refused = await client.post(f"/api/ipd/admissions/{charted['id']}/cancel",
                                json={"reason": "Wrong patient record", "bedStatus": "CLEANING"}, headers=ward.nurse)
    assert refused.status_code == 409 and refused.json()["clinicalRecords"] == 1
    by_admin = await client.post(f"/api/ipd/admissions/{charted['id']}/cancel",
                                 json={"reason": "Wrong patient record", "bedStatus": "CLEANING"},
                                 headers=await headers_for(ADMIN))
    assert by_admin.status_code == 200
    assert (await one("SELECT status FROM beds WHERE id = $1", ward.beds[1]))["status"] == "CLEANING"


async def test_a_discharge_is_reverted_within_the_window_and_not_after(client, headers_for, make_patient, new_staff):
    ward = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for, bed=0)
    done = await client.post(f"/api/ipd/admissions/{admission['id']}/discharge",
                             json={"dischargeSummary": "Recovered."}, headers=ward.doctor)
    bill_id = uuid.UUID(done.json()["bill"]["id"])
    reverted = await client.post(f"/api/ipd/admissions/{admission['id']}/revert-discharge",
                                 json={"reason": "Discharged the wrong patient"}, headers=ward.doctor)
    assert reverted.status_code == 200, reverted.text
    body = reverted.json()["admission"]
    assert body["status"] == "ACTIVE" and body["discharge"] is None and body["place"]["bedId"] == str(ward.beds[0])
    assert (await one("SELECT status FROM beds WHERE id = $1", ward.beds[0]))["status"] == "OCCUPIED"
    assert (await one("SELECT status FROM bills WHERE id = $1", bill_id))["status"] == "CANCELLED"
    assert (await one("SELECT status FROM patient_visits WHERE id = $1",
                           uuid.UUID(admission["visitId"])))["status"] == "ADMITTED"
    # Discharged again, and the bed taken meanwhile: another bed must be named.
    await client.post(f"/api/ipd/admissions/{admission['id']}/discharge", json={"dischargeSummary": "Recovered."},
                      headers=ward.doctor)
    await execute("UPDATE beds SET status = 'AVAILABLE' WHERE id = $1", ward.beds[0])
    other = await new_patient(make_patient, headers_for)
    await admit(client, ward.doctor, other["id"], bedId=ward.beds[0])
    taken = await client.post(f"/api/ipd/admissions/{admission['id']}/revert-discharge",
                              json={"reason": "Discharged the wrong patient"}, headers=ward.doctor)
    assert taken.status_code == 409 and taken.json()["currentState"] == "OCCUPIED"
    # Past the window (DISCHARGE_REVERT_HOURS, 24 by default) it is refused.
    await execute("UPDATE ipd_admissions SET discharge_date = now() - interval '25 hours', "
                  "admission_date = now() - interval '3 days' WHERE id = $1", uuid.UUID(admission["id"]))
    late = await client.post(f"/api/ipd/admissions/{admission['id']}/revert-discharge",
                             json={"reason": "Discharged the wrong patient", "bedId": str(ward.beds[2])},
                             headers=ward.doctor)
    assert late.status_code == 409 and late.json()["revertHours"] == 24


async def test_admission_from_an_opd_visit_links_it_and_takes_the_token_off_the_queue(client, headers_for,
                                                                                      make_patient, new_staff):
    ward = await make_ipd_ward(new_staff)
    desk = await headers_for(RECEPTION)
    patient = await make_patient(desk)
    department = await one("SELECT id FROM departments ORDER BY code LIMIT 1")
    checked = await client.post("/api/opd/check-in", json={"patientId": patient["id"], "chiefComplaint": "Breathless",
                                                          "departmentId": str(department["id"])}, headers=desk)
    assert checked.status_code == 201, checked.text
    visit_id = checked.json()["visitId"]
    wrong = await new_patient(make_patient, headers_for)
    mismatch = await admit(client, ward.doctor, wrong["id"], bedId=ward.beds[0], visitId=visit_id, expect=422)
    assert "visitId" in mismatch.json()["fields"]
    response = await admit(client, ward.doctor, patient["id"], bedId=ward.beds[0], visitId=visit_id)
    admission = response.json()["admission"]
    assert admission["visitId"] == visit_id
    visit = await fetchrow("SELECT status FROM patient_visits WHERE id = $1", uuid.UUID(visit_id))
    assert visit is not None and visit["status"] == "ADMITTED"
    token = await fetchrow("SELECT status, cancelled_reason FROM queue_tokens WHERE visit_id = $1", uuid.UUID(visit_id))
    assert token is not None and token["status"] == "CANCELLED" and token["cancelled_reason"] == "Admitted to IPD"
    removed = await fetch("SELECT event_type, payload->>'action' AS action FROM outbox_events WHERE topic = $1 "
                          "ORDER BY seq DESC LIMIT 1", f"opd:{department['id']}")
    assert (removed[0]["event_type"], removed[0]["action"]) == ("opd.token.removed", "CANCELLED")
    # Cancelled as a mistake, the visit goes back to where it was.
    await client.post(f"/api/ipd/admissions/{admission['id']}/cancel", json={"reason": "Wrong decision, sorry"},
                      headers=ward.doctor)
    visit = await fetchrow("SELECT status FROM patient_visits WHERE id = $1", uuid.UUID(visit_id))
    assert visit is not None and visit["status"] == "WAITING"


# ---------------------------------------------------------------- reading


async def test_lists_and_details_follow_the_role_rules(client, headers_for, make_patient, new_staff):
    ward = await make_ipd_ward(new_staff)
    elsewhere = await make_ipd_ward(new_staff)
    patient, admission = await admitted(client, ward, make_patient, headers_for, bed=0)
    _, other = await admitted(client, elsewhere, make_patient, headers_for, bed=0)
    mine = await client.get("/api/ipd/admissions", headers=ward.nurse)
    ids = {a["admission"]["id"] for a in mine.json()["admissions"]}
    assert admission["id"] in ids and other["id"] not in ids
    assert all(a["admission"]["status"] == "ACTIVE" for a in mine.json()["admissions"])
    detail = await client.get(f"/api/ipd/admissions/{admission['id']}", headers=ward.nurse)
    assert detail.status_code == 200 and detail.json()["patient"]["mrn"] == patient["mrn"]
    assert [b["bedId"] for b in detail.json()["beds"]] == [str(ward.beds[0])]
    assert detail.json()["board"]["id"] == admission["id"]
    # A nurse of another ward: refused (and the refusal audited); the receptionist has no IPD read at all.
    assert (await client.get(f"/api/ipd/admissions/{other['id']}", headers=ward.nurse)).status_code == 403
    denied = await fetch("SELECT action FROM audit_log WHERE table_name = 'patients' AND record_id = $1 "
                         "AND action = 'ACCESS_DENIED'", other["patientId"])
    assert denied
    desk = await headers_for(RECEPTION)
    assert (await client.get(f"/api/ipd/admissions/{admission['id']}", headers=desk)).status_code == 403
    assert (await client.get("/api/ipd/admissions", headers=desk)).status_code == 403
    by_patient = await client.get("/api/ipd/admissions", params={"patientId": patient["id"]},
                                  headers=await headers_for(ADMIN))
    assert [a["admission"]["id"] for a in by_patient.json()["admissions"]] == [admission["id"]]
    assert by_patient.json()["admissions"][0]["admission"]["reasonForAdmission"]


async def test_the_stays_lab_orders(client, headers_for, make_patient, new_staff):
    from tests.api.lab_support import order

    ward = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for, bed=0)
    placed = await order(client, ward.doctor, admission["patientId"], "CBC")
    response = await client.get(f"/api/ipd/admissions/{admission['id']}/lab-orders", headers=ward.nurse)
    assert response.status_code == 200, response.text
    orders = response.json()["labOrders"]
    assert [o["id"] for o in orders] == [placed["orderId"]]
    assert orders[0]["testCode"] == "CBC"
    nurse_b = await make_ipd_ward(new_staff)
    assert (await client.get(f"/api/ipd/admissions/{admission['id']}/lab-orders",
                             headers=nurse_b.nurse)).status_code == 403


async def test_the_demo_nurse_sees_her_ward(client, headers_for):
    nurse = await headers_for(NURSE)
    response = await client.get("/api/ipd/admissions", headers=nurse)
    assert response.status_code == 200 and response.json()["total"] > 0


@pytest.mark.parametrize("cost", ["NaN", "Infinity", "1e999999", "123456789012345", "-5"])
async def test_an_impossible_estimated_cost_is_a_field_error_and_admits_nobody(client, headers_for, make_patient,
                                                                              new_staff, cost):
    ward = await make_ipd_ward(new_staff)
    patient = await new_patient(make_patient, headers_for)
    response = await admit(client, ward.doctor, patient["id"], roomId=ward.rooms[0], estimatedCost=cost, expect=422)
    assert "estimatedCost" in response.json()["fields"]
    assert await fetchrow("SELECT 1 FROM ipd_admissions WHERE patient_id = $1", uuid.UUID(patient["id"])) is None


async def test_an_offset_beyond_any_list_is_refused_not_a_500(client, headers_for):
    response = await client.get("/api/ipd/admissions", params={"offset": "2240301643712067796992"},
                                headers=await headers_for(ADMIN))
    assert response.status_code in (400, 422)
    assert "offset" in response.json()["fields"]
