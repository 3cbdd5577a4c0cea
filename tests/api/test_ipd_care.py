"""The nurse station over HTTP: observations scored with NEWS2 (and refused when impossible), entered-in-error
marks, SpO2 scale 2, daily notes, inpatient prescriptions and the medication administration record, the nurse's
dashboard, the IPD report, and the role rules (a nurse of ward A and ward B; a receptionist and vitals)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from db import ipd_care
from db.connection import execute, fetch, fetchrow
from domain.clock import hospital_day
from tests.api.conftest import ADMIN, RECEPTION
from tests.api.ipd_support import HIGH, LOW_MEDIUM, MEDIUM, NORMAL, admitted, chart, make_ipd_ward, now, one

PHARMACY = "pharmacy@demo.local"


async def medicine(name: str) -> str:
    row = await fetchrow("SELECT id FROM medicines WHERE name = $1", name)
    assert row is not None, name
    return str(row["id"])


async def counts(admission_id: Any) -> tuple[int, int]:
    observations = await fetchrow("SELECT count(*) AS n FROM vital_sign_observations WHERE admission_id = $1",
                                  uuid.UUID(str(admission_id)))
    events = await fetchrow("SELECT count(*) AS n FROM outbox_events WHERE event_type = 'vitals.recorded' "
                            "AND payload->>'admissionId' = $1", str(admission_id))
    assert observations is not None and events is not None
    return int(observations["n"]), int(events["n"])


# ---------------------------------------------------------------- observations


@pytest.mark.parametrize(("values", "score", "band"), [
    (NORMAL, 0, "LOW"), (LOW_MEDIUM, 3, "LOW_MEDIUM"), (MEDIUM, 5, "MEDIUM"), (HIGH, 11, "HIGH"),
])
async def test_an_observation_answers_with_its_news2(client, headers_for, make_patient, new_staff, values, score,
                                                     band):
    ward = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for)
    body = (await chart(client, ward.nurse, admission["id"], painScore=2, **values)).json()["vitalSign"]
    assert body["news2"]["score"] == score and body["news2"]["band"] == band
    assert body["news2"]["spo2Scale"] == 1 and sum(body["news2"]["subScores"].values()) == score
    assert body["missing"] == [] and body["countsInTrend"] is True and body["painScore"] == 2
    assert body["nextDueAt"] is not None and body["recordedBy"]["id"] == ward.nurse_user["id"]


async def test_a_partial_set_has_no_news2_and_does_not_move_the_next_due_time(client, headers_for, make_patient,
                                                                               new_staff):
    ward = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for)
    due_before = admission["vitalsDueAt"]
    body = (await chart(client, ward.nurse, admission["id"], temperature=37.9)).json()["vitalSign"]
    assert body["news2"] is None and body["nextDueAt"] is None
    assert body["missing"] == ["respiratoryRate", "oxygenSaturation", "onOxygen", "bloodPressureSystolic",
                               "heartRate", "consciousness"]
    detail = (await client.get(f"/api/ipd/admissions/{admission['id']}", headers=ward.nurse)).json()
    assert detail["admission"]["vitalsDueAt"] == due_before
    assert detail["board"]["latestVitals"]["temperature"] == 37.9 and detail["board"]["news2"] is None


@pytest.mark.parametrize(("values", "field", "words"), [
    ({"heartRate": 900}, "heartRate", "between 20 and 300"),
    ({"oxygenSaturation": 120}, "oxygenSaturation", "between 50 and 100"),
    ({"temperature": 98.6}, "temperature", "°F"),
    ({"respiratoryRate": 0}, "respiratoryRate", "between"),
    ({"bloodPressureSystolic": 80, "bloodPressureDiastolic": 120}, "bloodPressureDiastolic", "lower than"),
    ({"painScore": 11}, "painScore", "0-10"),
])
async def test_impossible_vitals_are_field_errors_and_nothing_is_written(client, headers_for, make_patient, new_staff,
                                                                         values, field, words):
    ward = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for)
    response = await chart(client, ward.nurse, admission["id"], expect=422, **{**NORMAL, **values})
    assert words in response.json()["fields"][field]
    assert await counts(admission["id"]) == (0, 0)


async def test_wrong_types_are_refused_too(client, headers_for, make_patient, new_staff):
    ward = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for)
    for bad in ({"consciousness": "X"}, {"heartRate": 72.5}, {"onOxygen": "maybe"}, {"pulse": 80}):
        response = await chart(client, ward.nurse, admission["id"], expect=None, **{**NORMAL, **bad})
        assert response.status_code in (400, 422), (bad, response.text)
    nothing = await chart(client, ward.nurse, admission["id"], expect=422)
    assert nothing.json()["fields"]
    late = await chart(client, ward.nurse, admission["id"], expect=422, recordedAt=(now() + timedelta(hours=1))
                       .isoformat(), **NORMAL)
    assert "future" in late.json()["fields"]["recordedAt"]
    assert await counts(admission["id"]) == (0, 0)


async def test_vitals_form_a_time_series_and_entered_in_error_ones_are_struck_through(client, headers_for,
                                                                                      make_patient, new_staff):
    ward = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for)
    aid = admission["id"]
    await execute("UPDATE ipd_admissions SET admission_date = now() - interval '3 hours' WHERE id = $1",
                  uuid.UUID(aid))
    first = (await chart(client, ward.nurse, aid, recordedAt=(now() - timedelta(hours=2)).isoformat(),
                         **NORMAL)).json()["vitalSign"]
    wrong = (await chart(client, ward.nurse, aid, recordedAt=(now() - timedelta(hours=1)).isoformat(),
                         **HIGH)).json()["vitalSign"]
    # Another nurse of the same ward may not strike her colleague's entry; the author and a doctor may.
    colleague, colleague_headers = await new_staff("NURSE")
    await execute("INSERT INTO ward_assignments (id, user_id, ward_id, created_at) VALUES (gen_random_uuid(), $1, $2, "
                  "now())", uuid.UUID(colleague["id"]), ward.id)
    url = f"/api/ipd/admissions/{aid}/vital-signs/{wrong['id']}/entered-in-error"
    refused = await client.post(url, json={"reason": "charted on the wrong patient"}, headers=colleague_headers)
    assert refused.status_code == 403
    marked = await client.post(url, json={"reason": "charted on the wrong patient"}, headers=ward.doctor)
    assert marked.status_code == 200, marked.text
    struck = marked.json()["vitalSign"]
    assert struck["enteredInError"]["reason"] == "charted on the wrong patient" and struck["countsInTrend"] is False
    again = await client.post(url, json={"reason": "twice"}, headers=ward.nurse)
    assert again.status_code == 409
    series = (await client.get(f"/api/ipd/admissions/{aid}/vital-signs", params={"days": 1},
                               headers=ward.nurse)).json()["vitalSigns"]
    assert [v["id"] for v in series] == [first["id"], wrong["id"]]
    assert [v["countsInTrend"] for v in series] == [True, False]
    # The board's latest vitals and NEWS2 are the ones still standing; the due time follows them.
    detail = (await client.get(f"/api/ipd/admissions/{aid}", headers=ward.nurse)).json()
    assert detail["board"]["latestVitals"]["id"] == first["id"] and detail["board"]["news2"]["score"] == 0
    assert datetime.fromisoformat(detail["admission"]["vitalsDueAt"]) == datetime.fromisoformat(first["nextDueAt"])


async def test_spo2_scale_2_is_a_doctors_decision_and_scores_later_observations(client, headers_for, make_patient,
                                                                                new_staff):
    ward = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for)
    copd = {**NORMAL, "oxygenSaturation": 89}
    on_scale_1 = (await chart(client, ward.nurse, admission["id"], **copd)).json()["vitalSign"]
    assert on_scale_1["news2"]["subScores"]["oxygenSaturation"] == 3
    url = f"/api/ipd/admissions/{admission['id']}/spo2-scale"
    body = {"scale": 2, "reason": "COPD with hypercapnic respiratory failure; target 88-92%"}
    assert (await client.post(url, json=body, headers=ward.nurse)).status_code == 403
    assert (await client.post(url, json=body, headers=await headers_for(ADMIN))).status_code == 403
    set_ = await client.post(url, json=body, headers=ward.doctor)
    assert set_.status_code == 200 and set_.json()["admission"]["spo2Scale"] == 2
    on_scale_2 = (await chart(client, ward.nurse, admission["id"], **copd)).json()["vitalSign"]
    assert on_scale_2["news2"]["subScores"]["oxygenSaturation"] == 0 and on_scale_2["news2"]["spo2Scale"] == 2
    on_oxygen = (await chart(client, ward.nurse, admission["id"], **{**copd, "oxygenSaturation": 97,
                                                                     "onOxygen": True})).json()["vitalSign"]
    assert on_oxygen["news2"]["subScores"]["oxygenSaturation"] == 3  # over-oxygenated on scale 2


# ---------------------------------------------------------------- daily notes


async def test_daily_notes_score_their_vitals_only_when_complete(client, headers_for, make_patient, new_staff):
    ward = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for)
    url = f"/api/ipd/admissions/{admission['id']}/daily-notes"
    partial = await client.post(url, json={"noteType": "NURSE_NOTE", "temperature": 37.2, "heartRate": 80,
                                           "bp": "130/85", "observations": "Comfortable, eating well."},
                                headers=ward.nurse)
    assert partial.status_code == 201, partial.text
    note = partial.json()["note"]
    assert partial.json()["noteId"] == note["id"]
    assert note["bloodPressureSystolic"] == 130 and note["bloodPressureDiastolic"] == 85
    assert note["news2"] is None and "respiratoryRate" in note["missing"]
    complete = await client.post(url, json={"noteType": "DOCTOR_NOTE", "temperature": 37.2, "heartRate": 80,
                                            "bp": "130/85", "respiratoryRate": 18, "oxygenSaturation": 97,
                                            "onOxygen": False, "consciousness": "A",
                                            "observations": "Chest clearing.", "plan": "Step down to oral."},
                                 headers=ward.doctor)
    assert complete.status_code == 201
    assert complete.json()["note"]["news2"] == {"score": 0, "band": "LOW"}
    # A nurse writes no doctor's note; a bad bp and impossible vitals are field errors.
    assert (await client.post(url, json={"noteType": "DOCTOR_NOTE", "observations": "x"},
                              headers=ward.nurse)).status_code == 403
    bad = await client.post(url, json={"noteType": "NURSE_NOTE", "bp": "high", "heartRate": 900}, headers=ward.nurse)
    assert bad.status_code == 422 and "bp" in bad.json()["fields"]
    bad = await client.post(url, json={"noteType": "NURSE_NOTE", "heartRate": 900}, headers=ward.nurse)
    assert bad.status_code == 422 and "heartRate" in bad.json()["fields"]
    listed = (await client.get(url, headers=ward.doctor)).json()["notes"]
    assert [n["noteType"] for n in listed] == ["NURSE_NOTE", "DOCTOR_NOTE"]
    assert listed[0]["enteredBy"]["id"] == ward.nurse_user["id"]


# ---------------------------------------------------------------- prescriptions and doses


async def test_inpatient_prescriptions_become_scheduled_doses_recorded_once(client, headers_for, make_patient,
                                                                           new_staff):
    ward = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for)
    aid = admission["id"]
    body = {"medicines": [
        {"medicineId": await medicine("Dolo 650"), "dose": "1", "frequency": "TDS", "duration": 3},
        {"medicineId": await medicine("Pan 40"), "dose": "1", "frequency": "OD", "duration": 3},
        {"medicineId": await medicine("Ecosprin 75"), "dose": "1", "frequency": "SOS", "duration": 5},
    ]}
    assert (await client.post(f"/api/ipd/admissions/{aid}/prescribe", json=body,
                              headers=ward.nurse)).status_code == 403
    response = await client.post(f"/api/ipd/admissions/{aid}/prescribe", json=body, headers=ward.doctor)
    assert response.status_code == 201, response.text
    result = response.json()
    schedule = {s["prescriptionItemId"]: s for s in result["schedule"]}
    items = result["prescription"]["items"]
    assert schedule[items[0]["id"]]["doses"] in (8, 9, 10)  # three a day for three days from now
    assert schedule[items[1]["id"]]["doses"] == 3
    assert schedule[items[2]["id"]]["doses"] == 0 and schedule[items[2]["id"]]["asNeeded"] is True
    stored = await fetchrow("SELECT ipd_admission_id FROM prescriptions WHERE id = $1",
                            uuid.UUID(result["prescriptionId"]))
    assert stored is not None and str(stored["ipd_admission_id"]) == aid
    start, end = now() - timedelta(hours=1), now() + timedelta(days=4)
    chart_url = f"/api/ipd/admissions/{aid}/medication-chart"
    doses = (await client.get(chart_url, params={"start": start.isoformat(), "end": end.isoformat()},
                              headers=ward.nurse)).json()["doses"]
    assert len(doses) == sum(s["doses"] for s in result["schedule"])
    assert all(d["status"] == "SCHEDULED" and d["timing"] in ("UPCOMING", "DUE") for d in doses)
    pharmacy = await client.get(chart_url, params={"start": start.isoformat(), "end": end.isoformat()},
                                headers=await headers_for(PHARMACY))
    assert pharmacy.status_code == 200
    dose = doses[0]
    # The first two come due now (doses are given around their time, not hours early).
    await execute("UPDATE medication_administrations SET scheduled_at = now() - interval '5 minutes' "
                  "WHERE id = ANY($1::uuid[])", [uuid.UUID(doses[0]["id"]), uuid.UUID(doses[1]["id"])])
    held = await client.post(f"/api/ipd/doses/{dose['id']}", json={"status": "HELD"}, headers=ward.nurse)
    assert held.status_code == 422 and "reason" in held.json()["fields"]
    given = await client.post(f"/api/ipd/doses/{dose['id']}", json={"status": "GIVEN", "version": 1},
                              headers=ward.nurse)
    assert given.status_code == 200, given.text
    assert given.json()["dose"]["status"] == "GIVEN" and given.json()["dose"]["administeredBy"]["id"] == \
        ward.nurse_user["id"]
    twice = await client.post(f"/api/ipd/doses/{dose['id']}", json={"status": "REFUSED", "reason": "nausea"},
                              headers=ward.nurse)
    assert twice.status_code == 409 and twice.json()["currentState"] == "GIVEN"
    refused = await client.post(f"/api/ipd/doses/{doses[1]['id']}", json={"status": "REFUSED", "reason": "nausea"},
                                headers=ward.nurse)
    assert refused.status_code == 200 and refused.json()["dose"]["reason"] == "nausea"
    assert (await client.post(f"/api/ipd/doses/{doses[2]['id']}", json={"status": "GIVEN"},
                              headers=ward.doctor)).status_code == 403
    prn = await client.post(f"/api/ipd/admissions/{aid}/prn-doses", json={"prescriptionItemId": items[2]["id"]},
                            headers=ward.nurse)
    assert prn.status_code == 201 and prn.json()["dose"]["status"] == "GIVEN"
    scheduled_only = await client.post(f"/api/ipd/admissions/{aid}/prn-doses",
                                       json={"prescriptionItemId": items[0]["id"]}, headers=ward.nurse)
    assert scheduled_only.status_code == 422
    recorded = await fetch("SELECT event_type FROM outbox_events WHERE topic = $1 AND event_type = 'dose.recorded'",
                           ward.topic)
    assert len(recorded) == 3


async def test_a_dose_not_recorded_30_minutes_after_its_time_goes_on_the_ward_board_once(client, headers_for,
                                                                                         make_patient, new_staff):
    ward = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for)
    aid = uuid.UUID(admission["id"])
    body = {"medicines": [{"medicineId": await medicine("Pan 40"), "dose": "1", "frequency": "OD", "duration": 2}]}
    prescribed = await client.post(f"/api/ipd/admissions/{aid}/prescribe", json=body, headers=ward.doctor)
    assert prescribed.status_code == 201
    first = await fetchrow("SELECT id FROM medication_administrations WHERE admission_id = $1 ORDER BY scheduled_at "
                           "LIMIT 1", aid)
    assert first is not None
    await execute("UPDATE medication_administrations SET scheduled_at = now() - interval '29 minutes' WHERE id = $1",
                  first["id"])
    await ipd_care.sweep_ward_timers()
    assert (await one("SELECT overdue_at FROM medication_administrations WHERE id = $1",
                           first["id"]))["overdue_at"] is None
    await execute("UPDATE medication_administrations SET scheduled_at = now() - interval '31 minutes' WHERE id = $1",
                  first["id"])
    await ipd_care.sweep_ward_timers()
    await ipd_care.sweep_ward_timers()  # a second sweep (another process) finds nothing more to do
    events = await fetch("SELECT payload->'dose'->>'id' AS dose FROM outbox_events WHERE topic = $1 "
                         "AND event_type = 'dose.went_overdue'", ward.topic)
    assert [e["dose"] for e in events] == [str(first["id"])]
    board = (await client.get(f"/api/ipd/wards/{ward.id}/board", headers=ward.nurse)).json()["data"]
    bed = next(b for r in board["rooms"] for b in r["beds"] if b["id"] == str(ward.beds[0]))
    assert [d["id"] for d in bed["admission"]["overdueDoses"]] == [str(first["id"])]
    assert bed["admission"]["overdueDoses"][0]["medicine"] == "Pan 40"


# ---------------------------------------------------------------- role rules


async def test_a_nurse_of_ward_a_neither_reads_nor_writes_ward_b_patients(client, headers_for, make_patient,
                                                                          new_staff):
    ward_a = await make_ipd_ward(new_staff)
    ward_b = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward_b, make_patient, headers_for)
    aid = admission["id"]
    nurse_a = ward_a.nurse
    assert (await chart(client, nurse_a, aid, expect=None, **NORMAL)).status_code == 403
    assert (await client.get(f"/api/ipd/admissions/{aid}/vital-signs", headers=nurse_a)).status_code == 403
    assert (await client.get(f"/api/ipd/admissions/{aid}", headers=nurse_a)).status_code == 403
    assert (await client.post(f"/api/ipd/admissions/{aid}/daily-notes",
                              json={"noteType": "NURSE_NOTE", "observations": "x"}, headers=nurse_a)).status_code == 403
    assert (await client.get(f"/api/ipd/admissions/{aid}/daily-notes", headers=nurse_a)).status_code == 403
    assert (await client.get(f"/api/ipd/admissions/{aid}/medication-chart", headers=nurse_a)).status_code == 403
    assert (await client.post(f"/api/ipd/admissions/{aid}/transfer", json={"newRoomId": str(ward_a.rooms[0])},
                              headers=nurse_a)).status_code == 403
    assert (await client.get(f"/api/ipd/wards/{ward_b.id}/board", headers=nurse_a)).status_code == 403
    mine = (await client.get("/api/dashboard/nurse/my-patients", headers=nurse_a)).json()["assignedPatients"]
    assert aid not in [p["admissionId"] for p in mine]
    assert (await client.get("/api/dashboard/nurse/my-patients", params={"wardId": str(ward_b.id)},
                             headers=nurse_a)).status_code == 403
    assert await counts(aid) == (0, 0)
    # Her own ward's nurse may.
    assert (await chart(client, ward_b.nurse, aid, **NORMAL)).status_code == 201


async def test_a_receptionist_sees_no_vitals(client, headers_for, make_patient, new_staff):
    ward = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for)
    await chart(client, ward.nurse, admission["id"], **HIGH)
    desk = await headers_for(RECEPTION)
    for url in (f"/api/ipd/admissions/{admission['id']}/vital-signs", f"/api/ipd/admissions/{admission['id']}",
                f"/api/ipd/admissions/{admission['id']}/daily-notes", f"/api/ipd/wards/{ward.id}/board",
                "/api/dashboard/nurse/my-patients"):
        assert (await client.get(url, headers=desk)).status_code == 403, url
    assert (await chart(client, desk, admission["id"], expect=None, **NORMAL)).status_code == 403
    census = await client.get("/api/ipd/census", headers=desk)
    assert census.status_code == 200
    text = census.text
    assert "news2" not in text.lower() and "heartRate" not in text and "temperature" not in text


# ---------------------------------------------------------------- dashboard and report


async def test_the_nurses_dashboard_lists_her_patients_with_vitals_alerts_and_due_doses(client, headers_for,
                                                                                        make_patient, new_staff):
    ward = await make_ipd_ward(new_staff)
    patient, admission = await admitted(client, ward, make_patient, headers_for, bed=0)
    await chart(client, ward.nurse, admission["id"], **HIGH)
    body = {"medicines": [{"medicineId": await medicine("Dolo 650"), "dose": "1", "frequency": "STAT",
                           "duration": 1}]}
    assert (await client.post(f"/api/ipd/admissions/{admission['id']}/prescribe", json=body,
                              headers=ward.doctor)).status_code == 201
    response = await client.get("/api/dashboard/nurse/my-patients", headers=ward.nurse)
    assert response.status_code == 200
    patients = response.json()["assignedPatients"]
    assert [p["admissionId"] for p in patients] == [admission["id"]]
    mine = patients[0]
    assert mine["patient"]["mrn"] == patient["mrn"] and mine["bedNumber"] == "A"
    assert mine["board"]["news2"]["score"] == 11 and mine["board"]["news2"]["band"] == "HIGH"
    assert [a["kind"] for a in mine["board"]["alerts"]] == ["NEWS2_DETERIORATION"]
    assert [d["medicine"] for d in mine["dueDoses"]] == ["Dolo 650"] and mine["dueDoses"][0]["timing"] == "DUE"
    everyone = await client.get("/api/dashboard/nurse/my-patients", params={"wardId": str(ward.id)},
                                headers=await headers_for(ADMIN))
    assert [p["admissionId"] for p in everyone.json()["assignedPatients"]] == [admission["id"]]


async def test_the_ipd_summary_counts_admissions_discharges_stays_and_occupancy(client, headers_for, make_patient,
                                                                                new_staff):
    ward = await make_ipd_ward(new_staff, rooms=1, beds_per_room=4)
    admissions = [(await admitted(client, ward, make_patient, headers_for, bed=i))[1] for i in range(3)]
    for a in admissions[:2]:
        await execute("UPDATE ipd_admissions SET admission_date = now() - interval '2 days' WHERE id = $1",
                      uuid.UUID(a["id"]))
        await execute("UPDATE bed_assignments SET started_at = now() - interval '2 days' WHERE admission_id = $1",
                      uuid.UUID(a["id"]))
    done = await client.post(f"/api/ipd/admissions/{admissions[0]['id']}/discharge",
                             json={"dischargeSummary": "Recovered.", "dischargeType": "AGAINST_MEDICAL_ADVICE"},
                             headers=ward.doctor)
    assert done.status_code == 200, done.text
    today = hospital_day(now())
    params = {"startDate": (today - timedelta(days=3)).isoformat(), "endDate": today.isoformat()}
    assert (await client.get("/api/reports/ipd-summary", params=params, headers=ward.nurse)).status_code == 403
    response = await client.get("/api/reports/ipd-summary", params=params, headers=await headers_for(ADMIN))
    assert response.status_code == 200, response.text
    report = response.json()
    mine = next(w for w in report["occupancy"]["byWard"] if w["wardId"] == str(ward.id))
    assert mine["totalBeds"] == 4 and mine["admissions"] == 3 and mine["discharges"] == 1
    assert mine["averageLengthOfStayDays"] == pytest.approx(2.0, abs=0.01)
    assert [d["occupiedBeds"] for d in mine["byDay"]][-1] == 2  # now: two of the three still in bed
    assert report["dischargesByType"]["AGAINST_MEDICAL_ADVICE"] >= 1
    assert report["admissions"] >= 3 and report["discharges"] >= 1 and report["averageLos"] is not None
    assert [d["date"] for d in report["occupancy"]["byDay"]] == [
        (today - timedelta(days=n)).isoformat() for n in (3, 2, 1, 0)]
    total = report["occupancy"]["byDay"][-1]
    assert total["occupiedBeds"] == sum(w["byDay"][-1]["occupiedBeds"] for w in report["occupancy"]["byWard"])
    bad = await client.get("/api/reports/ipd-summary", params={"startDate": today.isoformat(),
                                                               "endDate": (today - timedelta(days=1)).isoformat()},
                           headers=await headers_for(ADMIN))
    assert bad.status_code == 422
