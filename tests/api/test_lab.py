"""The lab workflow over the real API: order, collect, enter, verify, release, report, correct, QC, volume.

Critical-result alerts, escalation and the live events have their own files (test_alerts.py, test_lab_live.py).
"""

from __future__ import annotations

import uuid

from db.connection import fetch, fetchrow
from tests.api.lab_support import (
    ADMIN,
    CBC_NORMAL_FEMALE,
    DOCTOR,
    DOCTOR2,
    LAB,
    NURSE,
    collect,
    doctor_row_of,
    enter,
    events_on,
    order,
    patient_of,
    user_id_of,
    verify,
)


async def _lab_pair(new_staff, headers_for):
    """The demo technician (enters) and a second lab user (verifies)."""
    _, second = await new_staff("LAB_STAFF")
    return await headers_for(LAB), second


async def test_an_order_gets_an_accession_number_and_is_on_its_section_worklist(client, headers_for, make_patient):
    patient = await patient_of(client, headers_for, make_patient)
    doctor = await headers_for(DOCTOR)
    created = await order(client, doctor, patient["id"], "ELEC", urgency="STAT")
    assert created["accessionNumber"].startswith("L") and "-" in created["accessionNumber"]
    placed = created["order"]
    assert placed["status"] == "ORDERED" and placed["section"] == "Clinical Chemistry"
    assert placed["orderedByUserId"] == str(await user_id_of(DOCTOR))
    again = await order(client, doctor, patient["id"], "ELEC")
    assert int(again["accessionNumber"][-4:]) > int(created["accessionNumber"][-4:])

    # On the topic at once, without a name; and on the lab's worklist, STAT first.
    created_events = await events_on("lab:clinical-chemistry", event="lab.order.created")
    mine = [e for e in created_events if e["data"]["order"]["id"] == created["orderId"]]
    assert len(mine) == 1 and mine[0]["data"]["order"]["urgency"] == "STAT"
    assert "firstName" not in str(mine[0]["data"]) and patient["firstName"] not in str(mine[0]["data"])
    worklist = await client.get("/api/lab/worklist", params={"section": "clinical-chemistry"},
                                headers=await headers_for(LAB))
    assert worklist.status_code == 200, worklist.text
    ids = [o["id"] for o in worklist.json()["orders"]]
    assert created["orderId"] in ids and ids.index(created["orderId"]) < ids.index(again["orderId"])
    entry = next(o for o in worklist.json()["orders"] if o["id"] == created["orderId"])
    # Lab staff see the patient's identifying fields only (TEST_RELATED).
    assert entry["patient"]["mrn"] == patient["mrn"] and "phone" not in entry["patient"]


async def test_the_ordering_doctor_is_the_session_user(client, headers_for, make_patient):
    patient = await patient_of(client, headers_for, make_patient)
    doctor = await headers_for(DOCTOR)
    other = await doctor_row_of(DOCTOR2)
    refused = await client.post("/api/lab/orders", json={"patientId": patient["id"], "testCode": "FBS",
                                                        "orderedBy": str(other["id"])}, headers=doctor)
    assert refused.status_code == 403 and refused.json()["fields"] == {"orderedBy": "is not you"}
    me = await doctor_row_of(DOCTOR)
    accepted = await client.post("/api/lab/orders", json={"patientId": patient["id"], "testCode": "FBS",
                                                         "orderedBy": str(me["id"])}, headers=doctor)
    assert accepted.status_code == 201
    # Lab staff enter results but never create or change orders.
    lab = await client.post("/api/lab/orders", json={"patientId": patient["id"], "testCode": "FBS"},
                            headers=await headers_for(LAB))
    assert lab.status_code == 403
    cancel = await client.post(f"/api/lab/orders/{accepted.json()['orderId']}/cancel", json={"reason": "x"},
                               headers=await headers_for(LAB))
    assert cancel.status_code == 403
    unknown = await client.post("/api/lab/orders", json={"patientId": patient["id"], "testCode": "NOPE"},
                                headers=doctor)
    assert unknown.status_code == 422 and "testCode" in unknown.json()["fields"]
    # A doctor the patient is not assigned to must break the glass first.
    stranger = await client.post("/api/lab/orders", json={"patientId": patient["id"], "testCode": "FBS"},
                                 headers=await headers_for(DOCTOR2))
    assert stranger.status_code == 403


async def test_a_blood_count_from_order_to_released_report(client, headers_for, make_patient, new_staff):
    patient = await patient_of(client, headers_for, make_patient, gender="FEMALE", dateOfBirth="1990-04-01")
    doctor = await headers_for(DOCTOR)
    lab, verifier = await _lab_pair(new_staff, headers_for)
    placed = await order(client, doctor, patient["id"], "CBC")
    order_id = placed["orderId"]

    someone_else = await client.post(f"/api/lab/orders/{order_id}/collect-sample",
                                     json={"collectedBy": str(await user_id_of(ADMIN))}, headers=lab)
    assert someone_else.status_code == 403 and "collectedBy" in someone_else.json()["fields"]
    collected = await collect(client, lab, order_id, sampleType="EDTA whole blood")
    assert collected["status"] == "SAMPLE_COLLECTED" and collected["sampleCollectedBy"] == str(await user_id_of(LAB))
    label = await client.get(f"/api/lab/orders/{order_id}/label", headers=lab)
    assert label.status_code == 200 and "<svg" in label.text and placed["accessionNumber"] in label.text
    assert patient["lastName"] in label.text
    svg = await client.get(f"/api/lab/orders/{order_id}/label", params={"format": "svg"}, headers=lab)
    assert svg.headers["content-type"].startswith("image/svg+xml")

    values = dict(CBC_NORMAL_FEMALE)
    values["HB"] = ("10.2", "g/dL")  # low for a woman
    first_half = dict(list(values.items())[:8])
    partial = await enter(client, lab, order_id, first_half)
    assert partial.status_code == 201, partial.text
    assert partial.json()["order"]["status"] == "PROCESSING"
    response = await enter(client, lab, order_id, dict(list(values.items())[8:]))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["order"]["status"] == "COMPLETED" and len(body["results"]) == 16
    hb = next(r for r in body["results"] if r["code"] == "HB")
    assert hb["flag"] == "L" and hb["referenceRange"] == "12-15" and not hb["isCritical"]

    # Not released: the doctor sees the status, not the values; the patient record shows nothing.
    pending = (await client.get(f"/api/lab/orders/{order_id}", headers=doctor)).json()
    assert pending["resultsPendingRelease"] is True and "results" not in pending
    record = (await client.get(f"/api/patients/{patient['id']}", headers=doctor)).json()
    summary = next(t for t in record["labTests"] if t["id"] == order_id)
    assert summary["isAbnormal"] is None and summary["resultDate"] is None

    same_person = await verify(client, lab, order_id)
    assert same_person.status_code == 403
    verified = await verify(client, verifier, order_id)
    assert verified.status_code == 200, verified.text
    released = verified.json()["order"]
    assert released["status"] == "REPORTED" and released["isAbnormal"] is True
    assert released["turnaroundMinutes"] is not None and released["releasedAt"]

    shown = (await client.get(f"/api/lab/orders/{order_id}", headers=doctor)).json()
    assert {r["code"]: r["flag"] for r in shown["results"]}["HB"] == "L"
    custody = [e["event"] for e in shown["events"]]
    assert custody[:3] == ["ORDERED", "SAMPLE_COLLECTED", "PROCESSING"]
    assert {"RESULTS_COMPLETE", "VERIFIED", "RELEASED"} <= set(custody)
    record = (await client.get(f"/api/patients/{patient['id']}", headers=doctor)).json()
    assert next(t for t in record["labTests"] if t["id"] == order_id)["isAbnormal"] is True

    report = await client.get(f"/api/lab/orders/{order_id}/report", headers=doctor)
    assert report.status_code == 200 and report.json()["final"] is True
    html = await client.get(f"/api/lab/orders/{order_id}/report", params={"format": "html"}, headers=doctor)
    assert html.status_code == 200 and "12-15" in html.text and "Haemoglobin" in html.text
    pdf = await client.get(f"/api/lab/orders/{order_id}/report", params={"format": "pdf"}, headers=doctor)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-type"] == "application/pdf"

    # Released results are amended by correction only.
    again = await enter(client, lab, order_id, {"HB": ("10.4", "g/dL")})
    assert again.status_code == 409


async def test_a_wrong_unit_or_an_unreadable_value_is_a_field_error_and_nothing_is_written(
    client, headers_for, make_patient
):
    patient = await patient_of(client, headers_for, make_patient)
    placed = await order(client, await headers_for(DOCTOR), patient["id"], "ELEC")
    lab = await headers_for(LAB)
    await collect(client, lab, placed["orderId"])
    response = await enter(client, lab, placed["orderId"], {
        "NA": ("140", "mmol/L"), "K": ("4.1", "mg/dL"), "CL": ("1O2", "mmol/L"),
    })
    assert response.status_code == 422
    fields = response.json()["fields"]
    assert set(fields) == {"results[1].unit", "results[2].value"}
    assert "mmol/L" in fields["results[1].unit"]
    assert await fetch("SELECT 1 FROM lab_result_components WHERE lab_test_id = $1",
                       uuid.UUID(placed["orderId"])) == []
    # The spec's single-value form names its own fields.
    single = await order(client, await headers_for(DOCTOR), patient["id"], "FBS")
    await collect(client, lab, single["orderId"])
    wrong = await client.post(f"/api/lab/orders/{single['orderId']}/result",
                              json={"resultValue": "5.4", "resultUnit": "mmol/L"}, headers=lab)
    assert wrong.status_code == 422 and set(wrong.json()["fields"]) == {"resultUnit"}
    ok = await client.post(f"/api/lab/orders/{single['orderId']}/result",
                           json={"resultValue": 96, "resultUnit": "mg/dL", "isAbnormal": True}, headers=lab)
    assert ok.status_code == 201, ok.text
    [glucose] = ok.json()["results"]
    # The client's isAbnormal is kept as what it said, never used to flag.
    assert glucose["flag"] == "N" and glucose["reportedFlag"] == "ABNORMAL"


async def test_results_that_are_not_plain_numbers(client, headers_for, make_patient):
    patient = await patient_of(client, headers_for, make_patient, gender="MALE")
    doctor, lab = await headers_for(DOCTOR), await headers_for(LAB)
    urine = await order(client, doctor, patient["id"], "URINE")
    await collect(client, lab, urine["orderId"])
    response = await enter(client, lab, urine["orderId"], {
        "COLOUR": ("Pale yellow", None), "APPEAR": ("Clear", None), "PH": ("6.0", None), "SG": ("1.015", None),
        "PROT": ("TRACE", None), "UGLU": ("NIL", None), "KET": ("Negative", None), "UBLD": ("++", None),
        "PUS": ("2-3", "/hpf"), "URBC": ("0", "/hpf"), "EPI": ("1", "/hpf"), "CAST": ("Nil", None),
        "CRYST": ("Calcium oxalate", None),
    })
    # "2-3" per high-power field is how a microscopist writes it, but it is not a number we can flag.
    assert response.status_code == 422 and set(response.json()["fields"]) == {"results[8].value"}
    response = await enter(client, lab, urine["orderId"], {
        "COLOUR": ("Pale yellow", None), "APPEAR": ("Clear", None), "PH": ("6.0", None), "SG": ("1.015", None),
        "PROT": ("TRACE", None), "UGLU": ("NIL", None), "KET": ("Negative", None), "UBLD": ("++", None),
        "PUS": ("3", "/hpf"), "URBC": ("0", "/hpf"), "EPI": ("1", "/hpf"), "CAST": ("Nil", None),
        "CRYST": ("Calcium oxalate", None),
    })
    assert response.status_code == 201, response.text
    flags = {r["code"]: (r["value"], r["flag"]) for r in response.json()["results"]}
    assert flags["COLOUR"] == ("Pale yellow", None) and flags["UGLU"] == ("NIL", "N")
    assert flags["PROT"] == ("TRACE", "ABNORMAL") and flags["UBLD"] == ("++", "ABNORMAL")
    assert flags["KET"] == ("NEGATIVE", "N") and flags["PH"] == ("6.0", "N")
    dengue = await order(client, doctor, patient["id"], "DENGUE")
    await collect(client, lab, dengue["orderId"])
    positive = await client.post(f"/api/lab/orders/{dengue['orderId']}/result", json={"resultValue": "Positive"},
                                 headers=lab)
    assert positive.status_code == 201 and positive.json()["results"][0]["flag"] == "ABNORMAL"
    crp = await order(client, doctor, patient["id"], "CRP")
    await collect(client, lab, crp["orderId"])
    censored = await client.post(f"/api/lab/orders/{crp['orderId']}/result",
                                 json={"resultValue": "<0.5", "resultUnit": "mg/L"}, headers=lab)
    assert censored.status_code == 201 and censored.json()["results"][0]["flag"] == "N"
    troponin = await order(client, doctor, patient["id"], "TROP")
    await collect(client, lab, troponin["orderId"])
    high = await client.post(f"/api/lab/orders/{troponin['orderId']}/result",
                             json={"resultValue": ">1000", "resultUnit": "pg/mL"}, headers=lab)
    assert high.status_code == 201, high.text  # pg/mL is ng/L written another way
    assert high.json()["results"][0]["flag"] == "HH" and high.json()["criticalAlertIds"]


async def test_an_order_is_cancelled_with_a_reason_until_processing(client, headers_for, make_patient):
    patient = await patient_of(client, headers_for, make_patient)
    doctor, lab = await headers_for(DOCTOR), await headers_for(LAB)
    first = await order(client, doctor, patient["id"], "LFT")
    no_reason = await client.post(f"/api/lab/orders/{first['orderId']}/cancel", json={"reason": "  "},
                                  headers=doctor)
    assert no_reason.status_code == 422
    cancelled = await client.post(f"/api/lab/orders/{first['orderId']}/cancel",
                                  json={"reason": "Duplicate order"}, headers=doctor)
    assert cancelled.status_code == 200 and cancelled.json()["order"]["status"] == "CANCELLED"
    assert cancelled.json()["order"]["cancelledReason"] == "Duplicate order"
    second = await order(client, doctor, patient["id"], "LFT")
    await collect(client, lab, second["orderId"])
    processing = await client.post(f"/api/lab/orders/{second['orderId']}/process", headers=lab)
    assert processing.status_code == 200
    late = await client.post(f"/api/lab/orders/{second['orderId']}/cancel", json={"reason": "Not needed"},
                             headers=doctor)
    assert late.status_code == 409 and late.json()["currentState"] == "PROCESSING"
    # A doctor who did not order it cannot cancel it.
    third = await order(client, doctor, patient["id"], "LFT")
    other = await client.post(f"/api/lab/orders/{third['orderId']}/cancel", json={"reason": "mine now"},
                              headers=await headers_for(DOCTOR2))
    assert other.status_code == 403
    # A rejected sample goes back for a new one, with its reason on the custody record.
    rejected = await client.post(f"/api/lab/orders/{second['orderId']}/reject-sample",
                                 json={"reason": "Haemolysed"}, headers=lab)
    assert rejected.status_code == 200 and rejected.json()["order"]["status"] == "ORDERED"
    assert rejected.json()["order"]["sampleCollectedDate"] is None


async def test_a_corrected_result_keeps_the_old_value_and_notifies_the_doctor(
    client, headers_for, make_patient, new_staff
):
    patient = await patient_of(client, headers_for, make_patient)
    doctor = await headers_for(DOCTOR)
    lab, verifier = await _lab_pair(new_staff, headers_for)
    placed = await order(client, doctor, patient["id"], "ELEC")
    order_id = placed["orderId"]
    await collect(client, lab, order_id)
    assert (await enter(client, lab, order_id, {"NA": ("138", "mmol/L"), "K": ("4.2", "mmol/L"),
                                               "CL": ("101", "mmol/L")})).status_code == 201
    assert (await verify(client, verifier, order_id)).status_code == 200
    doctor_topic = f"user:{await user_id_of(DOCTOR)}"
    before = max([e["seq"] for e in await events_on(doctor_topic)] or [0])
    # The doctor reads it: it leaves their results to view.
    assert (await client.get(f"/api/lab/orders/{order_id}", headers=doctor)).status_code == 200

    corrected = await client.post(f"/api/lab/orders/{order_id}/correct", json={
        "results": [{"code": "K", "value": "6.9", "unit": "mmol/L"}],
        "reason": "Sample mix-up on the analyzer rack: rerun from the right tube",
    }, headers=lab)
    assert corrected.status_code == 200, corrected.text
    k = next(r for r in corrected.json()["results"] if r["code"] == "K")
    assert k["value"] == "6.9" and k["isCorrected"] and k["correctedFrom"] == "4.2 mmol/L" and k["flag"] == "HH"
    assert corrected.json()["criticalAlertIds"], "a critical correction raises a new alert"

    shown = (await client.get(f"/api/lab/orders/{order_id}/report", headers=doctor)).json()
    k = next(r for r in shown["results"] if r["code"] == "K")
    assert k["correctedFrom"] == "4.2 mmol/L" and "mix-up" in k["correctionReason"]
    alert = shown["alerts"][-1]
    assert alert["preliminary"] is False and alert["detail"]["corrected"] is True

    sent = [e["event"] for e in await events_on(doctor_topic, after_seq=before)]
    assert "lab.result.reviewed" in sent and "lab.result.corrected" in sent and "alert.raised" in sent
    notice = next(e for e in await events_on(doctor_topic, after_seq=before) if e["event"] == "lab.result.corrected")
    assert notice["data"]["analytes"] == [{"code": "K", "name": "Potassium", "previousValue": "4.2 mmol/L",
                                           "value": "6.9", "unit": "mmol/L", "flag": "HH"}]
    revisions = await fetch("SELECT kind, value_text, reason FROM lab_result_revisions WHERE lab_test_id = $1",
                            uuid.UUID(order_id))
    assert [(r["kind"], r["value_text"]) for r in revisions] == [("CORRECTION", "4.2")]
    # Only released results are corrected; a reason is required.
    no_reason = await client.post(f"/api/lab/orders/{order_id}/correct", json={
        "results": [{"code": "K", "value": "5.0", "unit": "mmol/L"}], "reason": " "}, headers=lab)
    assert no_reason.status_code == 422


async def test_quality_control_is_judged_and_a_failed_run_blocks_verification(
    client, headers_for, make_patient, new_staff
):
    lab, verifier = await _lab_pair(new_staff, headers_for)
    base = {"testId": "HBA1C", "controlResult": "Bio-Rad Lyphochek level 2", "analyteCode": "HBA1C",
            "controlLevel": "L2", "lotNumber": "33862", "targetMean": "9.5", "targetSd": "0.3"}
    passed = await client.post("/api/lab/quality-control", json={**base, "value": "9.7", "status": "PASS"},
                               headers=lab)
    assert passed.status_code == 201, passed.text
    assert passed.json()["qcId"] and passed.json()["qualityControl"]["status"] == "PASS"
    failed = await client.post("/api/lab/quality-control", json={**base, "value": "10.6", "status": "PASS"},
                               headers=lab)
    qc = failed.json()["qualityControl"]
    assert qc["status"] == "FAIL" and qc["rulesViolated"] == ["1-3s"] and qc["reportedStatus"] == "PASS"

    patient = await patient_of(client, headers_for, make_patient)
    placed = await order(client, await headers_for(DOCTOR), patient["id"], "HBA1C")
    await collect(client, lab, placed["orderId"])
    assert (await enter(client, lab, placed["orderId"], {"HBA1C": ("6.1", "%")})).status_code == 201
    blocked = await verify(client, verifier, placed["orderId"])
    assert blocked.status_code == 409 and "quality-control" in blocked.json()["detail"]
    recovered = await client.post("/api/lab/quality-control", json={**base, "value": "9.4"}, headers=lab)
    assert recovered.json()["qualityControl"]["status"] == "PASS"
    assert (await verify(client, verifier, placed["orderId"])).status_code == 200
    listed = await client.get("/api/lab/quality-control", params={"testCode": "HBA1C"}, headers=lab)
    assert [q["status"] for q in listed.json()["qualityControl"][:3]] == ["PASS", "FAIL", "PASS"]
    status_only = await client.post("/api/lab/quality-control", json={"testId": "HBA1C", "controlResult": "ok",
                                                                      "status": "PASS"}, headers=lab)
    assert status_only.status_code == 201


async def test_held_results_are_released_later_and_a_verifier_can_send_results_back(
    client, headers_for, make_patient, new_staff
):
    patient = await patient_of(client, headers_for, make_patient)
    lab, verifier = await _lab_pair(new_staff, headers_for)
    placed = await order(client, await headers_for(DOCTOR), patient["id"], "FBS")
    await collect(client, lab, placed["orderId"])
    assert (await enter(client, lab, placed["orderId"], {"GLU": ("300", "mg/dL")})).status_code == 201
    back = await client.post(f"/api/lab/orders/{placed['orderId']}/rerun", json={"reason": "Lipaemic: rerun"},
                             headers=verifier)
    assert back.status_code == 200 and back.json()["order"]["status"] == "PROCESSING"
    assert (await enter(client, lab, placed["orderId"], {"GLU": ("112", "mg/dL")})).status_code == 201
    held = await verify(client, verifier, placed["orderId"], release=False)
    assert held.status_code == 200 and held.json()["order"]["status"] == "VERIFIED"
    doctor_view = (await client.get(f"/api/lab/orders/{placed['orderId']}", headers=await headers_for(DOCTOR))).json()
    assert doctor_view["resultsPendingRelease"] is True
    released = await client.post(f"/api/lab/orders/{placed['orderId']}/release", headers=verifier)
    assert released.status_code == 200 and released.json()["order"]["status"] == "REPORTED"
    revisions = await fetch("SELECT kind, value_text FROM lab_result_revisions WHERE lab_test_id = $1",
                            uuid.UUID(placed["orderId"]))
    assert [(r["kind"], r["value_text"]) for r in revisions] == [("RERUN", "300")]


async def test_lab_volume_reports_turnaround_and_lists_are_role_shaped(client, headers_for, make_patient, new_staff):
    patient = await patient_of(client, headers_for, make_patient)
    lab, verifier = await _lab_pair(new_staff, headers_for)
    placed = await order(client, await headers_for(DOCTOR), patient["id"], "RBS")
    await collect(client, lab, placed["orderId"])
    await enter(client, lab, placed["orderId"], {"GLU": ("150", "mg/dL")})
    assert (await verify(client, verifier, placed["orderId"])).status_code == 200
    report = await client.get("/api/reports/lab-volume", headers=await headers_for(ADMIN))
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["totalTests"] >= 1
    biochemistry = next(c for c in body["byCategory"] if c["category"] == "Biochemistry")
    assert biochemistry["reported"] >= 1 and biochemistry["turnaround"]["averageMinutes"] is not None
    assert any(t["testCode"] == "RBS" for t in body["turnaroundByTest"])
    bad = await client.get("/api/reports/lab-volume", params={"startDate": "2026-02-01", "endDate": "2026-01-01"},
                           headers=await headers_for(ADMIN))
    assert bad.status_code == 422
    # A doctor's list without a patient is the orders they placed; a nurse's, their wards' patients.
    mine = (await client.get("/api/lab/orders", headers=await headers_for(DOCTOR))).json()["orders"]
    assert placed["orderId"] in [o["id"] for o in mine]
    me = str(await user_id_of(DOCTOR))
    assert all(o["orderedByUserId"] == me for o in mine)
    nurse = (await client.get("/api/lab/orders", headers=await headers_for(NURSE))).json()["orders"]
    assert placed["orderId"] not in [o["id"] for o in nurse]
    categories = (await client.get("/api/lab/test-categories", headers=await headers_for(DOCTOR))).json()
    cbc = next(t for c in categories["categories"] for t in c["tests"] if t["code"] == "CBC")
    assert cbc["isPanel"] and {a["code"] for a in cbc["analytes"]} >= {"HB", "WBC", "PLT"}
    assert any(a["ageMaxYears"] == 5 for a in cbc["analytes"] if a["code"] == "HB")
    audit = await fetchrow("SELECT count(*) AS n FROM audit_log WHERE table_name = 'lab_tests' AND record_id = $1",
                           placed["orderId"])
    assert audit is not None and audit["n"] >= 5


async def test_a_quality_control_number_that_cannot_be_kept_is_a_field_error_and_writes_nothing(client, headers_for):
    """NaN, infinities and decimals beyond numeric(12, 4) used to fail as 500s (in the Westgard rules or in
    PostgreSQL); the testId that names no test is named as testId, and a catalogue id is a testId too."""
    lab = await headers_for(LAB)
    before = await fetch("SELECT id FROM lab_quality_control")
    base = {"testId": "FBS", "controlResult": "level 1", "value": "5", "targetMean": "5", "targetSd": "0.5"}
    for field, value in [("value", "NaN"), ("value", "Infinity"), ("targetMean", "-Infinity"),
                         ("targetSd", "sNaN"), ("value", "1e999999"), ("targetMean", "123456789")]:
        response = await client.post("/api/lab/quality-control", json={**base, field: value}, headers=lab)
        assert response.status_code == 422, (field, value, response.text)
        assert set(response.json()["fields"]) == {field}, (field, value)
    vanishing = await client.post("/api/lab/quality-control", json={**base, "targetSd": "1e-999999"}, headers=lab)
    assert vanishing.status_code == 422 and set(vanishing.json()["fields"]) == {"targetSd"}
    unknown = await client.post("/api/lab/quality-control", json={**base, "testId": "NO-SUCH-TEST"}, headers=lab)
    assert unknown.status_code == 422 and set(unknown.json()["fields"]) == {"testId"}
    assert await fetch("SELECT id FROM lab_quality_control") == before
    catalogue_id = await fetchrow("SELECT id FROM lab_test_catalog WHERE code = 'FBS'")
    assert catalogue_id is not None
    by_id = await client.post("/api/lab/quality-control", json={**base, "testId": str(catalogue_id["id"])},
                              headers=lab)
    assert by_id.status_code == 201, by_id.text
    assert by_id.json()["qualityControl"]["testCode"] == "FBS"
