"""Critical results, the closed loop: raised at entry, delivered, seen, acknowledged, escalated, reported.

Escalation is tested through db.alerts.escalate_due with the timer set in the past (as a process's periodic
job would find it), concurrently, and with extra server processes that did not raise the alert.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from db import alerts as alerts_service
from db.connection import execute, fetch, fetchrow
from tests.api.conftest import insert_row
from tests.api.lab_support import (
    ADMIN,
    DOCTOR,
    DOCTOR2,
    LAB,
    admit,
    collect,
    enter,
    events_on,
    order,
    patient_of,
    user_id_of,
    verify,
)
from tests.channels.conftest import make_ward
from tests.channels.conftest import open_socket as open_socket  # the live layer's fixtures, shared
from tests.channels.conftest import server_process as server_process


async def critical_potassium(client, headers_for, make_patient, *, doctor_email: str = DOCTOR,
                             doctor_headers: dict[str, str] | None = None, bed: Any = None) -> dict[str, Any]:
    """A patient of `doctor_email` whose electrolytes come back with K+ 6.8 (critical high 6.5)."""
    patient = await patient_of(client, headers_for, make_patient, doctor_email=doctor_email)
    if bed is not None:
        await admit(patient["id"], bed, doctor_email=doctor_email)
    placed = await order(client, doctor_headers or await headers_for(doctor_email), patient["id"], "ELEC")
    lab = await headers_for(LAB)
    await collect(client, lab, placed["orderId"])
    response = await enter(client, lab, placed["orderId"], {"NA": ("139", "mmol/L"), "K": ("6.8", "mmol/L"),
                                                           "CL": ("102", "mmol/L")})
    assert response.status_code == 201, response.text
    [alert_id] = response.json()["criticalAlertIds"]
    return {"patient": patient, "order_id": placed["orderId"], "alert_id": alert_id}


async def _events_of(alert_id: str) -> list[dict[str, Any]]:
    rows = await fetch("SELECT event, actor_id, detail::text AS detail FROM alert_events WHERE alert_id = $1 "
                       "ORDER BY at, id", uuid.UUID(alert_id))
    return [{**dict(r), "detail": msgspec.json.decode(r["detail"])} for r in rows]


async def _due_now(alert_id: str) -> None:
    await execute("UPDATE alerts SET escalate_at = now() - interval '1 minute' WHERE id = $1", uuid.UUID(alert_id))


async def a_department(new_staff) -> dict[str, Any]:
    """A department of our own: the ordering doctor, a doctor on duty now, and the head."""
    department = await insert_row("departments", name=f"Test dept {uuid.uuid4().hex[:6]}",
                                  code=f"T{uuid.uuid4().hex[:6].upper()}", created_at=datetime.now(UTC),
                                  updated_at=datetime.now(UTC))
    people = {}
    for name in ("orderer", "on_duty", "head", "off_duty"):
        user, headers = await new_staff("DOCTOR")
        await execute("UPDATE doctors SET department_id = $1 WHERE user_id = $2", department["id"],
                      uuid.UUID(user["id"]))
        people[name] = {"user": user, "headers": headers, "id": uuid.UUID(user["id"])}
    head = await fetchrow("SELECT id FROM doctors WHERE user_id = $1", people["head"]["id"])
    assert head is not None
    await execute("UPDATE departments SET head_doctor_id = $1 WHERE id = $2", head["id"], department["id"])
    now = datetime.now(UTC)
    await insert_row("duty_roster", user_id=people["on_duty"]["id"], department_id=department["id"],
                     role_on_duty="Consultant", starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=7),
                     created_at=now)
    await insert_row("duty_roster", user_id=people["off_duty"]["id"], department_id=department["id"],
                     role_on_duty="Consultant", starts_at=now + timedelta(hours=8), ends_at=now + timedelta(hours=16),
                     created_at=now)
    return {"id": department["id"], **people}


async def test_a_critical_potassium_alerts_the_ordering_doctor_at_entry(client, headers_for, make_patient,
                                                                        open_socket):
    doctor_id = await user_id_of(DOCTOR)
    doctor = await headers_for(DOCTOR)
    sock = await open_socket(doctor)
    subscribed = await sock.subscribe(f"user:{doctor_id}")
    assert subscribed["type"] in ("snapshot", "subscribed")
    found = await critical_potassium(client, headers_for, make_patient)

    pushed = await sock.expect(lambda m: m.get("type") == "event" and m.get("event") == "alert.raised"
                               and m["data"]["alert"]["alertId"] == found["alert_id"])
    alert = pushed["data"]["alert"]
    assert alert["preliminary"] is True and alert["reason"] == "ORDERING_DOCTOR" and alert["severity"] == "CRITICAL"
    assert alert["analytes"] == [{"code": "K", "name": "Potassium", "value": "6.8", "unit": "mmol/L", "flag": "HH",
                                  "referenceRange": "3.5-5.1"}]
    row = await fetchrow("SELECT target_user_id, status, is_preliminary, escalate_at, raised_at FROM alerts "
                         "WHERE id = $1", uuid.UUID(found["alert_id"]))
    assert row is not None and row["target_user_id"] == doctor_id and row["is_preliminary"]
    assert timedelta(minutes=9) < row["escalate_at"] - row["raised_at"] <= timedelta(minutes=10)

    # The results themselves are still not released to the doctor: only the alert went out.
    pending = (await client.get(f"/api/lab/orders/{found['order_id']}", headers=doctor)).json()
    assert pending["resultsPendingRelease"] is True

    # Receipt (what "delivered" means), seen, then acknowledged with the action.
    assert (await client.post(f"/api/alerts/{found['alert_id']}/receipt", headers=doctor)).status_code == 204
    assert (await client.post(f"/api/alerts/{found['alert_id']}/seen", headers=doctor)).status_code == 204
    inbox = (await client.get("/api/alerts/board", headers=doctor)).json()
    assert found["alert_id"] in [a["alertId"] for a in inbox["data"]["alerts"]]
    acked = await client.post(f"/api/alerts/{found['alert_id']}/ack",
                              json={"action": "Repeat K+ sent, calcium gluconate given, ECG ordered"}, headers=doctor)
    assert acked.status_code == 200, acked.text
    body = acked.json()["alert"]
    assert body["status"] == "ACKNOWLEDGED" and body["actionTaken"].startswith("Repeat K+")
    assert body["escalateAt"] is None and body["delivery"] == "delivered"
    assert [s["event"] for s in body["timeline"]] == ["RAISED", "DELIVERED", "SEEN", "ACKNOWLEDGED"]
    assert body["recipients"][0]["delivery"] == "delivered" and body["recipients"][0]["seenAt"]
    closed = await sock.expect(lambda m: m.get("event") == "alert.acknowledged")
    assert closed["data"]["action"].startswith("Repeat K+")

    # Acknowledged, it stops: a stale timer does not escalate it.
    await _due_now(found["alert_id"])
    await alerts_service.escalate_due()
    assert "ESCALATED" not in [e["event"] for e in await _events_of(found["alert_id"])]

    # Verification makes it final; the report carries the whole timeline.
    _, verifier = await _second_lab(headers_for)
    assert (await verify(client, verifier, found["order_id"])).status_code == 200
    report = (await client.get(f"/api/lab/orders/{found['order_id']}/report", headers=doctor)).json()
    [reported] = report["alerts"]
    assert reported["preliminary"] is False
    assert [s["event"] for s in reported["timeline"]] == ["RAISED", "DELIVERED", "SEEN", "ACKNOWLEDGED", "VERIFIED"]
    html = await client.get(f"/api/lab/orders/{found['order_id']}/report", params={"format": "html"},
                            headers=doctor)
    assert "ACKNOWLEDGED" in html.text and "calcium gluconate" in html.text


_SECOND: dict[str, Any] = {}


async def _second_lab(headers_for) -> tuple[Any, dict[str, str]]:
    """A second lab user (verification is by someone other than lab@, who entered the results)."""
    if "headers" not in _SECOND:
        row = await fetchrow("SELECT email FROM users WHERE role = 'LAB_STAFF' AND is_active "
                             "AND email LIKE '%@demo.local' AND email <> $1 ORDER BY email LIMIT 1", LAB)
        assert row is not None
        _SECOND["headers"] = await headers_for(row["email"])
    return None, _SECOND["headers"]


async def test_only_recipients_see_or_acknowledge_an_alert(client, headers_for, make_patient):
    found = await critical_potassium(client, headers_for, make_patient)
    other = await headers_for(DOCTOR2)
    assert (await client.get(f"/api/alerts/{found['alert_id']}", headers=other)).status_code == 404
    refused = await client.post(f"/api/alerts/{found['alert_id']}/ack", json={"action": "not mine"}, headers=other)
    assert refused.status_code == 404
    empty = await client.post(f"/api/alerts/{found['alert_id']}/ack", json={"action": ""},
                              headers=await headers_for(DOCTOR))
    assert empty.status_code == 400 or empty.status_code == 422
    # ADMIN may act on any alert (all operations).
    admin = await client.get(f"/api/alerts/{found['alert_id']}", headers=await headers_for(ADMIN))
    assert admin.status_code == 200 and admin.json()["alert"]["delivery"] == "not delivered"


async def test_unacknowledged_it_escalates_up_the_ladder_once_per_step(client, headers_for, make_patient, new_staff):
    department = await a_department(new_staff)
    orderer = department["orderer"]
    found = await critical_potassium(client, headers_for, make_patient, doctor_email=orderer["user"]["email"],
                                     doctor_headers=orderer["headers"])
    alert_id = found["alert_id"]

    # Two processes' sweeps at once: one escalation.
    await _due_now(alert_id)
    await asyncio.gather(alerts_service.escalate_due(), alerts_service.escalate_due())
    events = await _events_of(alert_id)
    assert [e["event"] for e in events].count("ESCALATED") == 1
    row = await fetchrow("SELECT status, escalation_level, escalate_at FROM alerts WHERE id = $1",
                         uuid.UUID(alert_id))
    assert row is not None and row["status"] == "ESCALATED" and row["escalation_level"] == 1
    assert row["escalate_at"] > datetime.now(UTC) + timedelta(minutes=9)
    recipients = {r["user_id"]: (r["level"], r["reason"]) for r in await fetch(
        "SELECT user_id, level, reason FROM alert_recipients WHERE alert_id = $1", uuid.UUID(alert_id))}
    assert recipients == {orderer["id"]: (0, "ORDERING_DOCTOR"), department["on_duty"]["id"]: (1, "ON_DUTY")}
    escalated = next(e for e in events if e["event"] == "ESCALATED")
    assert escalated["detail"]["delivery"] == "not delivered"

    # The doctor on duty is told on their own topic (alert.raised: their client sends a receipt).
    raised = await events_on(f"user:{department['on_duty']['id']}", event="alert.raised")
    assert [e["data"]["alert"]["reason"] for e in raised if e["data"]["alert"]["alertId"] == alert_id] == ["ON_DUTY"]
    told = await events_on(f"user:{orderer['id']}", event="alert.escalated")
    assert any(e["data"]["alertId"] == alert_id and e["data"]["delivery"] == "not delivered" for e in told)

    # Then the head, then ADMIN; past the top it stops.
    await _due_now(alert_id)
    await alerts_service.escalate_due()
    await _due_now(alert_id)
    await alerts_service.escalate_due()
    row = await fetchrow("SELECT escalation_level, escalate_at FROM alerts WHERE id = $1", uuid.UUID(alert_id))
    assert row is not None and row["escalation_level"] == 3 and row["escalate_at"] is None
    reasons = [r["reason"] for r in await fetch(
        "SELECT reason FROM alert_recipients WHERE alert_id = $1 ORDER BY level, user_id", uuid.UUID(alert_id))]
    assert reasons[:3] == ["ORDERING_DOCTOR", "ON_DUTY", "DEPARTMENT_HEAD"] and set(reasons[3:]) == {"ADMIN"}
    assert department["off_duty"]["id"] not in {r["user_id"] for r in await fetch(
        "SELECT user_id FROM alert_recipients WHERE alert_id = $1", uuid.UUID(alert_id))}

    # An escalated-to doctor may acknowledge; after that, another recipient is told who did.
    acked = await client.post(f"/api/alerts/{alert_id}/ack", json={"action": "Called the ward, insulin-dextrose"},
                              headers=department["head"]["headers"])
    assert acked.status_code == 200, acked.text
    timeline = acked.json()["alert"]["timeline"]
    assert [s["event"] for s in timeline] == ["RAISED", "ESCALATED", "ESCALATED", "ESCALATED", "ACKNOWLEDGED"]
    assert timeline[-1]["detail"]["as"] == "DEPARTMENT_HEAD"
    late = await client.post(f"/api/alerts/{alert_id}/ack", json={"action": "me too"},
                             headers=department["on_duty"]["headers"])
    assert late.status_code == 409 and late.json()["acknowledgedBy"] == str(department["head"]["id"])
    again = await client.post(f"/api/alerts/{alert_id}/ack", json={"action": "same"},
                              headers=department["head"]["headers"])
    assert again.status_code == 200


async def test_with_no_doctor_on_duty_it_goes_straight_to_the_head(client, headers_for, make_patient, new_staff):
    department = await a_department(new_staff)
    await execute("DELETE FROM duty_roster WHERE department_id = $1", department["id"])
    orderer = department["orderer"]
    found = await critical_potassium(client, headers_for, make_patient, doctor_email=orderer["user"]["email"],
                                     doctor_headers=orderer["headers"])
    await client.post(f"/api/alerts/{found['alert_id']}/receipt", headers=orderer["headers"])
    await _due_now(found["alert_id"])
    await alerts_service.escalate_due()
    [step] = [e for e in await _events_of(found["alert_id"]) if e["event"] == "ESCALATED"]
    assert step["detail"]["reason"] == "DEPARTMENT_HEAD" and step["detail"]["skipped"] == ["ON_DUTY"]
    assert step["detail"]["delivery"] == "delivered"


async def test_escalation_happens_once_with_several_server_processes_and_survives_a_restart(
    client, headers_for, make_patient, new_staff, server_process
):
    department = await a_department(new_staff)
    orderer = department["orderer"]
    found = await critical_potassium(client, headers_for, make_patient, doctor_email=orderer["user"]["email"],
                                     doctor_headers=orderer["headers"])
    alert_id = uuid.UUID(found["alert_id"])
    first = await server_process()
    second = await server_process()
    # One of them dies; the timer is a column, so whoever runs its sweep next finds it.
    first.kill()
    await execute("UPDATE alerts SET escalate_at = now() + interval '1 second' WHERE id = $1", alert_id)
    for _ in range(150):
        row = await fetchrow("SELECT escalation_level FROM alerts WHERE id = $1", alert_id)
        if row is not None and row["escalation_level"] >= 1:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the alert did not escalate")
    await asyncio.sleep(6)  # every process has swept at least once more
    events = [e["event"] for e in await _events_of(found["alert_id"])]
    assert events.count("ESCALATED") == 1
    second.stop()


async def test_an_admitted_patients_alert_goes_to_the_ward_and_shows_in_pending_actions(
    client, headers_for, make_patient
):
    ward = await make_ward(rooms=1, beds_per_room=2)
    found = await critical_potassium(client, headers_for, make_patient, bed=ward["beds"][0])
    posted = await events_on(f"ward:{ward['ward_id']}", event="alert.posted")
    assert [e["data"]["alert"]["alertId"] for e in posted] == [found["alert_id"]]
    doctor = await headers_for(DOCTOR)
    pending = await client.get("/api/dashboard/doctor/pending-actions", headers=doctor)
    assert pending.status_code == 200, pending.text
    mine = [a for a in pending.json()["criticalAlerts"] if a["id"] == found["alert_id"]]
    assert mine and mine[0]["timeline"][0]["event"] == "RAISED" and mine[0]["delivery"] == "not delivered"
    listed = (await client.get("/api/alerts", headers=doctor)).json()["alerts"]
    assert found["alert_id"] in [a["id"] for a in listed]
    acked = await client.post(f"/api/alerts/{found['alert_id']}/ack", json={"action": "Seen on the round"},
                              headers=doctor)
    assert acked.status_code == 200
    ward_events = [e["event"] for e in await events_on(f"ward:{ward['ward_id']}")]
    assert ward_events[-1] == "alert.acknowledged"
    report = await client.get("/api/reports/critical-results", headers=doctor)
    assert report.status_code == 200, report.text
    month = report.json()["months"][-1]
    assert month["alerts"] >= 1 and month["acknowledged"] >= 1 and month["medianMinutesToAcknowledge"] is not None
