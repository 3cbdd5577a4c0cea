"""The nurse-station board live: a verify_action test (snapshot, act, apply, compare with a fresh snapshot) for every
ward event the IPD adds, and NEWS2 deterioration alerts end to end: to the doctor's socket (channels/client.py),
one alert per patient following later observations, acknowledged, and escalated when nobody acknowledges, once,
with several server processes and across a restart, "not delivered" when the doctor had no socket open."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import msgspec

from channels.client import LiveClient
from db import alerts as alerts_service
from db import ipd_care
from db.connection import execute, fetch, fetchrow
from domain.alert_events import AlertRaised, AlertResolved, UserBoard, apply_alert_raised, apply_alert_resolved
from domain.alerts import NOT_DELIVERED
from domain.boards import CensusBoard, apply_census_updated
from domain.events import CensusUpdated
from domain.news2 import RiskBand
from tests.api.conftest import ADMIN
from tests.api.ipd_support import (
    HIGH,
    MEDIUM,
    NORMAL,
    admit,
    admitted,
    bed_of,
    chart,
    make_ipd_ward,
    new_patient,
    news2_alert_of,
    timeline_events,
    verify_ward_action,
)
from tests.channels.conftest import open_socket as open_socket  # the live layer's fixtures, shared
from tests.channels.conftest import server_process as server_process
from tests.channels.conftest import ws_url


async def medicine(name: str) -> str:
    row = await fetchrow("SELECT id FROM medicines WHERE name = $1", name)
    assert row is not None
    return str(row["id"])


# ---------------------------------------------------------------- verify_action, one per event type


async def test_bed_occupied_verify_action(client, open_socket, headers_for, make_patient, new_staff):
    ward = await make_ipd_ward(new_staff)
    patient = await new_patient(make_patient, headers_for)

    async def act() -> None:
        await admit(client, ward.doctor, patient["id"], bedId=ward.beds[1])

    events, board = await verify_ward_action(client, open_socket, await headers_for(ADMIN), ward, act,
                                             expect=["bed.occupied"])
    data = events[0]["data"]
    assert data["status"] == "OCCUPIED" and data["previousStatus"] == "AVAILABLE" and data["reason"] == "ADMITTED"
    assert "patient" not in data["admission"] and "firstName" not in str(data)  # no names on a board topic
    bed = bed_of(board, ward.beds[1])
    assert bed.admission.patient.mrn == patient["mrn"] and bed.admission.days_since_admission == 0
    assert board.counts.occupied_beds == 1


async def test_a_device_board_gets_the_same_events_and_no_patient(client, open_socket, headers_for, make_patient,
                                                                  new_staff):
    ward = await make_ipd_ward(new_staff)
    device = await client.post("/api/devices", json={"name": "nurse station", "topics": [ward.topic]},
                               headers=await headers_for(ADMIN))
    sock = await open_socket({"Authorization": f"Bearer {device.json()['token']}"})
    await sock.subscribe(ward.topic)
    patient = await new_patient(make_patient, headers_for)
    await admit(client, ward.doctor, patient["id"], bedId=ward.beds[0])
    event = (await sock.events(ward.topic, 1))[0]
    assert event["event"] == "bed.occupied" and "patient" not in event["data"]["admission"]
    fresh = await (await open_socket({"Authorization": f"Bearer {device.json()['token']}"})).subscribe(ward.topic)
    beds = [b for r in fresh["data"]["rooms"] for b in r["beds"] if b.get("admission")]
    assert len(beds) == 1 and "patient" not in beds[0]["admission"]


async def test_bed_updated_on_discharge_verify_action(client, open_socket, headers_for, make_patient, new_staff):
    ward = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for, bed=0)

    async def act() -> None:
        response = await client.post(f"/api/ipd/admissions/{admission['id']}/discharge",
                                     json={"dischargeSummary": "Recovered."}, headers=ward.doctor)
        assert response.status_code == 200, response.text

    events, board = await verify_ward_action(client, open_socket, await headers_for(ADMIN), ward, act,
                                             expect=["bed.updated"])
    assert events[0]["data"]["reason"] == "DISCHARGED" and events[0]["data"]["admissionId"] == admission["id"]
    assert bed_of(board, ward.beds[0]).admission is None and bed_of(board, ward.beds[0]).status == "CLEANING"


async def test_a_transfer_within_a_ward_verify_action(client, open_socket, headers_for, make_patient, new_staff):
    ward = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for, bed=0)
    await chart(client, ward.nurse, admission["id"], **HIGH)

    async def act() -> None:
        response = await client.post(f"/api/ipd/admissions/{admission['id']}/transfer",
                                     json={"newBedId": str(ward.beds[4])}, headers=ward.nurse)
        assert response.status_code == 200, response.text

    _, board = await verify_ward_action(client, open_socket, await headers_for(ADMIN), ward, act,
                                        expect=["bed.updated", "bed.occupied"])
    moved = bed_of(board, ward.beds[4]).admission
    # Vitals, NEWS2 and the open alert travel with the patient.
    assert moved.news2.score == 11 and [a.kind for a in moved.alerts] == ["NEWS2_DETERIORATION"]


async def test_a_transfer_across_wards_shows_on_both_and_the_census(client, open_socket, headers_for, make_patient,
                                                                    new_staff):
    ward = await make_ipd_ward(new_staff)
    hdu = await make_ipd_ward(new_staff, rooms=1, beds_per_room=1, room_type="HDU")
    _, admission = await admitted(client, ward, make_patient, headers_for, bed=0)
    admin = await headers_for(ADMIN)
    census_sock = await open_socket(admin)
    census_before = await census_sock.subscribe("census")

    async def act() -> None:
        # The new ward's board is checked by the helper; the old one and the census here.
        sock = await open_socket(admin)
        await sock.subscribe(ward.topic)
        response = await client.post(f"/api/ipd/admissions/{admission['id']}/transfer",
                                     json={"newRoomId": str(hdu.rooms[0])}, headers=ward.doctor)
        assert response.status_code == 200, response.text
        left = (await sock.events(ward.topic, 1))[0]
        assert left["event"] == "bed.updated" and left["data"]["status"] == "CLEANING"

    await verify_ward_action(client, open_socket, admin, hdu, act, expect=["bed.occupied"])
    changes = await census_sock.events("census", 2)
    census = msgspec.convert(census_before["data"], CensusBoard)
    for change in changes:
        census = apply_census_updated(census, msgspec.convert(change["data"], CensusUpdated))
    fresh = await (await open_socket(admin)).subscribe("census")
    assert fresh["seq"] == changes[-1]["seq"]
    assert census == msgspec.convert(fresh["data"], CensusBoard)


async def test_bed_updated_on_a_cancelled_admission_and_bed_occupied_on_a_reverted_discharge(
    client, open_socket, headers_for, make_patient, new_staff
):
    ward = await make_ipd_ward(new_staff)
    admin = await headers_for(ADMIN)
    _, mistaken = await admitted(client, ward, make_patient, headers_for, bed=0)

    async def cancel() -> None:
        response = await client.post(f"/api/ipd/admissions/{mistaken['id']}/cancel",
                                     json={"reason": "Wrong patient record"}, headers=ward.nurse)
        assert response.status_code == 200, response.text

    events, _ = await verify_ward_action(client, open_socket, admin, ward, cancel, expect=["bed.updated"])
    assert events[0]["data"]["status"] == "AVAILABLE" and events[0]["data"]["reason"] == "ADMISSION_CANCELLED"
    _, discharged = await admitted(client, ward, make_patient, headers_for, bed=1)
    await client.post(f"/api/ipd/admissions/{discharged['id']}/discharge", json={"dischargeSummary": "Home."},
                      headers=ward.doctor)

    async def revert() -> None:
        response = await client.post(f"/api/ipd/admissions/{discharged['id']}/revert-discharge",
                                     json={"reason": "Discharged in error"}, headers=ward.doctor)
        assert response.status_code == 200, response.text

    events, _ = await verify_ward_action(client, open_socket, admin, ward, revert, expect=["bed.occupied"])
    assert events[0]["data"]["previousStatus"] == "CLEANING" and events[0]["data"]["reason"] == "DISCHARGE_REVERTED"


async def test_vitals_recorded_verify_action(client, open_socket, headers_for, make_patient, new_staff):
    ward = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for, bed=2)

    async def act() -> None:
        await chart(client, ward.nurse, admission["id"], **NORMAL)

    events, board = await verify_ward_action(client, open_socket, ward.nurse, ward, act, expect=["vitals.recorded"])
    data = events[0]["data"]
    assert data["observation"]["news2Score"] == 0 and data["observation"]["news2Band"] == "LOW"
    entry = bed_of(board, ward.beds[2]).admission
    assert entry.news2.score == 0 and entry.vitals_due_at is not None and not entry.vitals_overdue


async def test_a_high_news2_posts_an_alert_on_the_ward_verify_action(client, open_socket, headers_for,
                                                                     make_patient, new_staff):
    ward = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for, bed=0)

    async def act() -> None:
        await chart(client, ward.nurse, admission["id"], **HIGH)

    events, board = await verify_ward_action(client, open_socket, ward.nurse, ward, act,
                                             expect=["vitals.recorded", "alert.posted"])
    alert = events[1]["data"]["alert"]
    assert alert["kind"] == "NEWS2_DETERIORATION" and alert["severity"] == "CRITICAL"
    assert alert["admissionId"] == admission["id"] and "NEWS2 11" in alert["message"]
    assert [a.severity for a in bed_of(board, ward.beds[0]).admission.alerts] == ["CRITICAL"]


async def test_vitals_marked_in_error_verify_action(client, open_socket, headers_for, make_patient, new_staff):
    ward = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for, bed=0)
    await chart(client, ward.nurse, admission["id"], **NORMAL)
    wrong = (await chart(client, ward.nurse, admission["id"], **HIGH)).json()["vitalSign"]

    async def act() -> None:
        response = await client.post(
            f"/api/ipd/admissions/{admission['id']}/vital-signs/{wrong['id']}/entered-in-error",
            json={"reason": "another patient's reading"}, headers=ward.nurse)
        assert response.status_code == 200, response.text

    events, board = await verify_ward_action(client, open_socket, ward.nurse, ward, act,
                                             expect=["vitals.marked_in_error", "alert.posted"])
    entry = bed_of(board, ward.beds[0]).admission
    assert entry.news2.score == 0 and entry.latest_vitals.id != uuid.UUID(wrong["id"])
    # The alert raised by the wrong reading is lowered to the low band and stops escalating.
    assert events[1]["data"]["alert"]["severity"] == "INFO"
    alert = await news2_alert_of(admission["id"])
    assert alert["band"] == "LOW" and alert["escalate_at"] is None


async def test_vitals_went_overdue_verify_action(client, open_socket, headers_for, make_patient, new_staff):
    ward = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for, bed=0)
    await execute("UPDATE ipd_admissions SET vitals_due_at = now() - interval '1 minute' WHERE id = $1",
                  uuid.UUID(admission["id"]))

    async def act() -> None:
        await ipd_care.sweep_ward_timers()

    _, board = await verify_ward_action(client, open_socket, ward.nurse, ward, act, expect=["vitals.went_overdue"])
    assert bed_of(board, ward.beds[0]).admission.vitals_overdue is True
    # Charting clears it.
    await chart(client, ward.nurse, admission["id"], **NORMAL)
    fresh = (await client.get(f"/api/ipd/wards/{ward.id}/board", headers=ward.nurse)).json()["data"]
    assert next(b for r in fresh["rooms"] for b in r["beds"] if b["id"] == str(ward.beds[0]))["admission"][
        "vitalsOverdue"] is False


async def test_dose_went_overdue_and_dose_recorded_verify_action(client, open_socket, headers_for, make_patient,
                                                                 new_staff):
    ward = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for, bed=0)
    body = {"medicines": [{"medicineId": await medicine("Dolo 650"), "dose": "1", "frequency": "BD", "duration": 2}]}
    assert (await client.post(f"/api/ipd/admissions/{admission['id']}/prescribe", json=body,
                              headers=ward.doctor)).status_code == 201
    dose = await fetchrow("SELECT id FROM medication_administrations WHERE admission_id = $1 ORDER BY scheduled_at "
                          "LIMIT 1", uuid.UUID(admission["id"]))
    assert dose is not None
    await execute("UPDATE medication_administrations SET scheduled_at = now() - interval '45 minutes' WHERE id = $1",
                  dose["id"])

    async def overdue() -> None:
        await ipd_care.sweep_ward_timers()

    _, board = await verify_ward_action(client, open_socket, ward.nurse, ward, overdue, expect=["dose.went_overdue"])
    assert [d.id for d in bed_of(board, ward.beds[0]).admission.overdue_doses] == [dose["id"]]

    async def given() -> None:
        response = await client.post(f"/api/ipd/doses/{dose['id']}", json={"status": "GIVEN"}, headers=ward.nurse)
        assert response.status_code == 200, response.text

    events, board = await verify_ward_action(client, open_socket, ward.nurse, ward, given, expect=["dose.recorded"])
    assert events[0]["data"]["status"] == "GIVEN" and bed_of(board, ward.beds[0]).admission.overdue_doses == []


async def test_alert_acknowledged_and_escalated_on_the_ward_verify_action(client, open_socket, headers_for,
                                                                          make_patient, new_staff):
    ward = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for, bed=0)
    await chart(client, ward.nurse, admission["id"], **MEDIUM)
    alert = await news2_alert_of(admission["id"])
    await execute("UPDATE alerts SET escalate_at = now() - interval '1 second' WHERE id = $1", alert["id"])

    async def escalate() -> None:
        await alerts_service.escalate_due()

    _, board = await verify_ward_action(client, open_socket, ward.nurse, ward, escalate, expect=["alert.escalated"])
    assert bed_of(board, ward.beds[0]).admission.alerts[0].escalation_level == 1

    async def acknowledge() -> None:
        response = await client.post(f"/api/alerts/{alert['id']}/ack",
                                     json={"action": "Reviewed at the bedside; fluids started"}, headers=ward.doctor)
        assert response.status_code == 200, response.text

    _, board = await verify_ward_action(client, open_socket, ward.nurse, ward, acknowledge,
                                        expect=["alert.acknowledged"])
    assert bed_of(board, ward.beds[0]).admission.alerts == []


async def test_a_news2_alert_on_the_doctors_user_topic_verify_action(client, open_socket, headers_for, make_patient,
                                                                     new_staff):
    ward = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for, bed=0)
    topic = f"user:{ward.doctor_user['id']}"
    sock = await open_socket(ward.doctor)
    before = await sock.subscribe(topic)
    for values in (HIGH, MEDIUM):  # raised, then lowered: the same alert, replaced on the doctor's board
        await chart(client, ward.nurse, admission["id"], **values)
    events = await sock.events(topic, 2)
    assert [e["event"] for e in events] == ["alert.raised", "alert.raised"]
    assert events[0]["data"]["alert"]["alertId"] == events[1]["data"]["alert"]["alertId"]
    board = msgspec.convert(before["data"], UserBoard)
    for e in events:
        board = apply_alert_raised(board, msgspec.convert(e["data"], AlertRaised))
    fresh = await (await open_socket(ward.doctor)).subscribe(topic)
    assert fresh["seq"] == events[-1]["seq"]
    assert board == msgspec.convert(fresh["data"], UserBoard)
    assert [a.severity for a in board.alerts] == ["URGENT"]


async def test_alert_resolved_on_discharge_verify_action(client, open_socket, headers_for, make_patient, new_staff):
    """Discharged with an open NEWS2 alert: `alert.resolved` takes it off the ward board and the doctor's board,
    it never escalates again, its timeline ends RESOLVED, and it can no longer be acknowledged."""
    ward = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for, bed=0)
    await chart(client, ward.nurse, admission["id"], **HIGH)
    alert = await news2_alert_of(admission["id"])
    topic = f"user:{ward.doctor_user['id']}"
    doctor_socket = await open_socket(ward.doctor)
    before = await doctor_socket.subscribe(topic)
    assert [a["alertId"] for a in before["data"]["alerts"]] == [str(alert["id"])]

    async def discharge() -> None:
        response = await client.post(f"/api/ipd/admissions/{admission['id']}/discharge",
                                     json={"dischargeSummary": "Improved; home."}, headers=ward.doctor)
        assert response.status_code == 200, response.text

    events, _ = await verify_ward_action(client, open_socket, ward.nurse, ward, discharge,
                                         expect=["bed.updated", "alert.resolved"])
    assert events[1]["data"] == {"alertId": str(alert["id"]), "reason": "DISCHARGED",
                                 "resolvedAt": events[1]["data"]["resolvedAt"]}
    # The doctor's board: the same event, applied, is the fresh snapshot.
    mine = await doctor_socket.events(topic, 1)
    assert [e["event"] for e in mine] == ["alert.resolved"]
    board = apply_alert_resolved(msgspec.convert(before["data"], UserBoard), msgspec.convert(mine[0]["data"],
                                                                                            AlertResolved))
    fresh = await (await open_socket(ward.doctor)).subscribe(topic)
    assert fresh["seq"] == mine[-1]["seq"] and board == msgspec.convert(fresh["data"], UserBoard)
    assert board.alerts == []
    stored = await news2_alert_of(admission["id"])
    assert stored["status"] == "RESOLVED" and stored["escalate_at"] is None
    assert (await timeline_events(alert["id"]))[-1] == "RESOLVED"
    late = await client.post(f"/api/alerts/{alert['id']}/ack", json={"action": "Reviewed"}, headers=ward.doctor)
    assert late.status_code == 409, late.text


async def test_a_news2_alert_acknowledged_then_back_to_low_is_resolved(client, open_socket, headers_for,
                                                                       make_patient, new_staff):
    ward = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for, bed=0)
    await chart(client, ward.nurse, admission["id"], **HIGH)
    alert = await news2_alert_of(admission["id"])
    acked = await client.post(f"/api/alerts/{alert['id']}/ack", json={"action": "Fluids; reviewed at the bedside"},
                              headers=ward.doctor)
    assert acked.status_code == 200, acked.text
    # The attending doctor is recorded (and shown) as such.
    recipients = acked.json()["alert"]["recipients"]
    assert [(r["userId"], r["reason"]) for r in recipients] == [(ward.doctor_user["id"], "ATTENDING_DOCTOR")]
    steps = {s["event"]: s for s in acked.json()["alert"]["timeline"]}
    assert steps["RAISED"]["detail"]["reason"] == "ATTENDING_DOCTOR"
    assert steps["ACKNOWLEDGED"]["detail"]["as"] == "ATTENDING_DOCTOR"
    topic = f"user:{ward.doctor_user['id']}"
    sock = await open_socket(ward.doctor)
    await sock.subscribe(topic)
    await chart(client, ward.nurse, admission["id"], **MEDIUM)  # still up: nothing changes
    assert (await news2_alert_of(admission["id"]))["status"] == "ACKNOWLEDGED"
    await chart(client, ward.nurse, admission["id"], **NORMAL)
    events = await sock.events(topic, 1)
    assert events[0]["event"] == "alert.resolved" and events[0]["data"]["reason"] == "NEWS2_BACK_TO_LOW"
    stored = await news2_alert_of(admission["id"])
    assert stored["id"] == alert["id"] and stored["status"] == "RESOLVED"
    assert (await timeline_events(alert["id"]))[-1] == "RESOLVED"


async def test_a_news2_alert_escalates_to_the_wards_doctors_on_duty_after_its_bands_wait(client, headers_for,
                                                                                      make_patient, new_staff):
    ward = await make_ipd_ward(new_staff)
    on_ward, _ = await new_staff("DOCTOR")  # rostered on this ward now (of whatever department)
    now = datetime.now(UTC)
    await execute(
        "INSERT INTO duty_roster (id, user_id, ward_id, role_on_duty, starts_at, ends_at, created_at) "
        "VALUES ($1, $2, $3, 'Ward registrar', $4, $5, $6)",
        uuid.uuid4(), uuid.UUID(on_ward["id"]), ward.id, now - timedelta(hours=1), now + timedelta(hours=7), now,
    )
    _, admission = await admitted(client, ward, make_patient, headers_for, bed=0)
    await chart(client, ward.nurse, admission["id"], **HIGH)
    alert = await news2_alert_of(admission["id"])
    stored = await fetchrow("SELECT first_escalation_minutes, escalation_minutes, escalation_scope FROM alerts "
                            "WHERE id = $1", alert["id"])
    high = ipd_care.news2_escalation_minutes()[RiskBand.HIGH]
    assert stored is not None and dict(stored) == {"first_escalation_minutes": high, "escalation_minutes": high,
                                                   "escalation_scope": "WARD"}
    await execute("UPDATE alerts SET escalate_at = now() - interval '1 second' WHERE id = $1", alert["id"])
    assert await alerts_service.escalate_due() >= 1
    recipients = await fetch("SELECT user_id, level, reason FROM alert_recipients WHERE alert_id = $1 ORDER BY level",
                             alert["id"])
    assert [(str(r["user_id"]), r["level"], r["reason"]) for r in recipients] == [
        (ward.doctor_user["id"], 0, "ATTENDING_DOCTOR"), (on_ward["id"], 1, "ON_DUTY")]
    step = await fetchrow("SELECT detail->>'onDutyOf' AS of, detail->>'wardId' AS ward FROM alert_events "
                          "WHERE alert_id = $1 AND event = 'ESCALATED'", alert["id"])
    assert step is not None and step["of"] == "WARD" and step["ward"] == str(ward.id)
    # The next step waits the band's minutes, not ALERT_ESCALATION_MINUTES.
    after = await news2_alert_of(admission["id"])
    wait = after["escalate_at"] - datetime.now(UTC)
    assert timedelta(minutes=high - 1) < wait <= timedelta(minutes=high)


# ---------------------------------------------------------------- NEWS2 alerts end to end


async def test_a_news2_of_7_reaches_the_subscribed_doctors_socket_and_is_acknowledged(
    client, server_url, headers_for, make_patient, new_staff
):
    ward = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for, bed=0)
    token = ward.doctor["Authorization"].removeprefix("Bearer ")
    received: list[dict[str, Any]] = []

    async def bearer() -> str:
        return token

    live = LiveClient(ws_url(server_url), bearer=bearer, on_event=lambda topic, m: received.append(m))
    await live.start()
    try:
        await live.subscribe(f"user:{ward.doctor_user['id']}")
        await live.wait_until(lambda: live.state == "live")
        raised_at = datetime.now(UTC)
        await chart(client, ward.nurse, admission["id"], **HIGH)
        await live.wait_until(lambda: any(m["event"] == "alert.raised" for m in received), within=10)
        took = datetime.now(UTC) - raised_at
        alert = next(m for m in received if m["event"] == "alert.raised")["data"]["alert"]
        assert alert["kind"] == "NEWS2_DETERIORATION" and alert["severity"] == "CRITICAL"
        assert alert["patientId"] == admission["patientId"] and took < timedelta(seconds=5)
        # The client sent a receipt: the timeline says delivered.
        for _ in range(50):
            if "DELIVERED" in await timeline_events(alert["alertId"]):
                break
            await asyncio.sleep(0.1)
        assert await timeline_events(alert["alertId"]) == ["RAISED", "DELIVERED"]
        await live.ack(alert["alertId"], "Seen at the bedside; HDU referral made")
        await live.wait_until(lambda: any(m["event"] == "alert.acknowledged" for m in received), within=10)
    finally:
        await live.close()
    stored = await news2_alert_of(admission["id"])
    assert stored["status"] == "ACKNOWLEDGED" and stored["escalate_at"] is None
    # Acted on: a reading in the same band raises nothing new; a return to low and a new high does.
    await chart(client, ward.nurse, admission["id"], **HIGH)
    assert (await news2_alert_of(admission["id"]))["id"] == stored["id"]
    await chart(client, ward.nurse, admission["id"], **NORMAL)
    await chart(client, ward.nurse, admission["id"], **HIGH)
    assert (await news2_alert_of(admission["id"]))["id"] != stored["id"]


async def test_one_open_alert_per_patient_follows_the_band_up_and_down(client, headers_for, make_patient, new_staff):
    ward = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for, bed=0)
    await chart(client, ward.nurse, admission["id"], **NORMAL)
    assert await news2_alert_of(admission["id"]) is None  # low: no alert
    await chart(client, ward.nurse, admission["id"], **{**NORMAL, "consciousness": "V"})
    first = await news2_alert_of(admission["id"])
    assert (first["band"], first["severity"]) == ("LOW_MEDIUM", "WARNING")
    low_medium_due = first["escalate_at"]
    assert timedelta(minutes=29) < low_medium_due - datetime.now(UTC) <= timedelta(minutes=30)
    await chart(client, ward.nurse, admission["id"], **HIGH)
    raised = await news2_alert_of(admission["id"])
    assert raised["id"] == first["id"] and (raised["band"], raised["severity"]) == ("HIGH", "CRITICAL")
    assert raised["escalate_at"] - datetime.now(UTC) <= timedelta(minutes=5)  # sooner for the higher band
    await chart(client, ward.nurse, admission["id"], **MEDIUM)
    lowered = await news2_alert_of(admission["id"])
    assert lowered["id"] == first["id"] and lowered["severity"] == "URGENT" and lowered["escalate_at"] == \
        raised["escalate_at"]
    await chart(client, ward.nurse, admission["id"], **NORMAL)
    back = await news2_alert_of(admission["id"])
    assert back["id"] == first["id"] and back["severity"] == "INFO" and back["escalate_at"] is None
    assert back["acknowledged_at"] is None  # still waits for somebody to acknowledge the deterioration
    open_alerts = await fetch("SELECT id FROM alerts WHERE admission_id = $1 AND acknowledged_at IS NULL",
                              uuid.UUID(admission["id"]))
    assert len(open_alerts) == 1
    assert await timeline_events(first["id"]) == ["RAISED", "UPDATED", "UPDATED", "UPDATED"]


async def test_not_acknowledged_it_escalates_with_not_delivered_when_no_socket_was_open(
    client, headers_for, make_patient, new_staff
):
    ward = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for, bed=0)
    await chart(client, ward.nurse, admission["id"], **HIGH)
    alert = await news2_alert_of(admission["id"])
    await alerts_service.escalate_due()
    assert (await news2_alert_of(admission["id"]))["escalation_level"] == 0  # not due yet (5 minutes, high)
    await execute("UPDATE alerts SET escalate_at = now() - interval '1 second' WHERE id = $1", alert["id"])
    assert await alerts_service.escalate_due() >= 1
    escalated = await news2_alert_of(admission["id"])
    assert escalated["status"] == "ESCALATED" and escalated["escalation_level"] >= 1
    step = await fetchrow("SELECT detail FROM alert_events WHERE alert_id = $1 AND event = 'ESCALATED' "
                          "ORDER BY at LIMIT 1", alert["id"])
    assert step is not None
    detail = msgspec.json.decode(step["detail"]) if isinstance(step["detail"], str) else dict(step["detail"])
    assert detail["delivery"] == NOT_DELIVERED
    assert detail["reason"] in ("ON_DUTY", "DEPARTMENT_HEAD", "ADMIN")
    # Whoever it reached is now a recipient, and sees it on their own board.
    reached = await fetch("SELECT user_id FROM alert_recipients WHERE alert_id = $1 AND level >= 1", alert["id"])
    assert reached


async def test_escalation_fires_once_with_several_sweepers_at_once(client, headers_for, make_patient, new_staff):
    ward = await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for, bed=0)
    await chart(client, ward.nurse, admission["id"], **HIGH)
    alert = await news2_alert_of(admission["id"])
    await execute("UPDATE alerts SET escalate_at = now() - interval '1 second' WHERE id = $1", alert["id"])
    # Ten sweeps at once on ten connections (as ten processes would): SKIP LOCKED hands the step to one.
    await asyncio.gather(*(alerts_service.escalate_due() for _ in range(10)))
    steps = await fetch("SELECT detail->>'level' AS level FROM alert_events WHERE alert_id = $1 "
                        "AND event = 'ESCALATED'", alert["id"])
    assert [s["level"] for s in steps] == ["1"]


async def test_escalation_fires_once_with_two_server_processes_and_survives_a_restart(
    client, headers_for, make_patient, new_staff, server_process
):
    ward = await make_ipd_ward(new_staff)
    first = await server_process()
    # The alert is raised through one process, which then dies before its timer runs out.
    _, admission = await admitted(client, ward, make_patient, headers_for, bed=0)
    async with httpx.AsyncClient(base_url=first.url, timeout=30) as other:
        response = await other.post(f"/api/ipd/admissions/{admission['id']}/vital-signs", json=HIGH,
                                    headers=ward.nurse)
        assert response.status_code == 201, response.text
    alert = await news2_alert_of(admission["id"])
    first.kill()
    await execute("UPDATE alerts SET escalate_at = now() + interval '2 seconds' WHERE id = $1", alert["id"])
    # Two fresh processes (and this one) sweep every few seconds: the timer, in PostgreSQL, fires once.
    await server_process()
    await server_process()
    for _ in range(150):
        if (await news2_alert_of(admission["id"]))["escalation_level"] >= 1:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(12)  # two more sweeps of every process
    steps = await fetch("SELECT detail->>'level' AS level FROM alert_events WHERE alert_id = $1 "
                        "AND event = 'ESCALATED'", alert["id"])
    assert [s["level"] for s in steps] == ["1"]
    audit = await fetch("SELECT id FROM audit_log WHERE table_name = 'alerts' AND record_id = $1 "
                        "AND action = 'ESCALATE'", str(alert["id"]))
    assert len(audit) == 1


async def test_a_nurse_of_the_ward_acknowledges_its_alerts_from_the_board(client, open_socket, headers_for,
                                                                           make_patient, new_staff):
    """Ward-posted alerts (NEWS2; a critical result of an admitted patient) may be acknowledged by the nurses of
    that ward (assigned or on its roster now), recorded as WARD_NURSE; receipts stay the recipients' own."""
    ward, elsewhere = await make_ipd_ward(new_staff), await make_ipd_ward(new_staff)
    _, admission = await admitted(client, ward, make_patient, headers_for, bed=0)
    await chart(client, ward.nurse, admission["id"], **MEDIUM)
    alert = await news2_alert_of(admission["id"])
    url = f"/api/alerts/{alert['id']}"
    # A nurse of another ward is answered as if the alert did not exist; a nurse of this ward reads it.
    assert (await client.get(url, headers=elsewhere.nurse)).status_code == 404
    assert (await client.post(f"{url}/ack", json={"action": "not my ward"},
                              headers=elsewhere.nurse)).status_code == 404
    assert (await client.get(url, headers=ward.nurse)).status_code == 200
    # Receipts and "seen" are the recipients' (the doctors'): a ward nurse's is refused.
    assert (await client.post(f"{url}/receipt", json={}, headers=ward.nurse)).status_code == 404
    assert (await client.post(f"{url}/seen", json={}, headers=ward.nurse)).status_code == 404

    async def acknowledge() -> None:
        response = await client.post(f"{url}/ack", json={"action": "Repeated obs, doctor informed"},
                                     headers=ward.nurse)
        assert response.status_code == 200, response.text
        body = response.json()["alert"]
        assert body["status"] == "ACKNOWLEDGED" and body["acknowledgedBy"] == ward.nurse_user["id"]
        [step] = [s for s in body["timeline"] if s["event"] == "ACKNOWLEDGED"]
        assert step["actorId"] == ward.nurse_user["id"] and step["actorRole"] == "NURSE"
        assert step["detail"]["as"] == "WARD_NURSE" and step["detail"]["wardId"] == str(ward.id)

    _, board = await verify_ward_action(client, open_socket, ward.nurse, ward, acknowledge,
                                        expect=["alert.acknowledged"])
    assert bed_of(board, ward.beds[0]).admission.alerts == []
    assert await fetch("SELECT 1 FROM alert_recipients WHERE alert_id = $1 AND user_id = $2", alert["id"],
                       uuid.UUID(ward.nurse_user["id"])) == []  # acknowledging made her no recipient

    # A nurse on the ward's duty roster now (not assigned to it) may too; off the roster she may not.
    _, second = await admitted(client, ward, make_patient, headers_for, bed=1)
    await chart(client, ward.nurse, second["id"], **MEDIUM)
    other = await news2_alert_of(second["id"])
    rostered_user, rostered = await new_staff("NURSE")
    start = datetime.now(UTC)
    roster = await fetchrow(
        "INSERT INTO duty_roster (id, user_id, ward_id, role_on_duty, starts_at, ends_at, created_at) "
        "VALUES (gen_random_uuid(), $1, $2, 'Staff Nurse', $3, $4, $3) RETURNING id",
        uuid.UUID(rostered_user["id"]), ward.id, start - timedelta(hours=8), start - timedelta(minutes=1),
    )
    assert roster is not None
    assert (await client.post(f"/api/alerts/{other['id']}/ack", json={"action": "x"},
                              headers=rostered)).status_code == 404  # her shift is over
    await execute("UPDATE duty_roster SET ends_at = $2 WHERE id = $1", roster["id"], start + timedelta(hours=8))
    acked = await client.post(f"/api/alerts/{other['id']}/ack", json={"action": "Escalated to the registrar"},
                              headers=rostered)
    assert acked.status_code == 200, acked.text
    # A doctor who is not a recipient still may not: the rule is the ward's nurses'.
    stranger = (await new_staff("DOCTOR"))[1]
    third = (await admitted(client, ward, make_patient, headers_for, bed=2))[1]
    await chart(client, ward.nurse, third["id"], **MEDIUM)
    assert (await client.post(f"/api/alerts/{(await news2_alert_of(third['id']))['id']}/ack",
                              json={"action": "x"}, headers=stranger)).status_code == 404
