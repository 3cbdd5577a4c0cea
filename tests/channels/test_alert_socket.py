"""Alerts over the socket: a real critical result reaches its doctor on `user:{id}`; the socket's `receipt`
and `ack` go through the same service as the HTTP routes (db/alerts.py), with its checks and its timeline."""

from __future__ import annotations

import asyncio
from typing import Any

from db.connection import fetch, fetchrow
from tests.api.conftest import make_patient  # noqa: F401  (the fixture)
from tests.api.lab_support import DOCTOR, DOCTOR2, LAB, collect, order, patient_of, user_id_of
from tests.channels.conftest import ws_url
from tests.channels.test_cluster import live_client
from tests.channels.test_resilience import assert_still_serving


async def raise_critical_troponin(client, headers_for, make_patient, doctor_email: str) -> str:  # noqa: F811
    """A troponin above the critical limit for a patient of `doctor_email`: the alert's id."""
    patient = await patient_of(client, headers_for, make_patient, doctor_email=doctor_email)
    doctor, lab = await headers_for(doctor_email), await headers_for(LAB)
    troponin = await order(client, doctor, patient["id"], "TROP")
    await collect(client, lab, troponin["orderId"])
    high = await client.post(f"/api/lab/orders/{troponin['orderId']}/result",
                             json={"resultValue": ">1000", "resultUnit": "pg/mL"}, headers=lab)
    assert high.status_code == 201, high.text
    alert_ids: list[str] = high.json()["criticalAlertIds"]
    assert len(alert_ids) == 1
    return alert_ids[0]


def raised(alert_id: str):
    def matches(m: dict[str, Any]) -> bool:
        return m["type"] == "event" and m["event"] == "alert.raised" and m["data"]["alert"]["alertId"] == alert_id
    return matches


async def timeline_of(alert_id: str) -> list[str]:
    rows = await fetch("SELECT event FROM alert_events WHERE alert_id = $1::uuid ORDER BY at, id", alert_id)
    return [r["event"] for r in rows]


async def test_a_critical_result_reaches_the_doctors_socket_and_receipt_and_ack_close_the_loop(
    client, open_socket, headers_for, make_patient  # noqa: F811
):
    doctor_id = await user_id_of(DOCTOR)
    sock = await open_socket(await headers_for(DOCTOR))
    topic = f"user:{doctor_id}"
    assert (await sock.subscribe(topic))["type"] == "snapshot"
    alert_id = await raise_critical_troponin(client, headers_for, make_patient, DOCTOR)
    event = await sock.expect(raised(alert_id))
    assert event["topic"] == topic and event["data"]["alert"]["reason"] == "ORDERING_DOCTOR"

    # The receipt: the alert is on the doctor's screen. A second one (a replay after a reconnect) changes nothing.
    for _ in range(2):
        await sock.send({"type": "receipt", "alertId": alert_id})
        await assert_still_serving(sock)  # messages are handled in order: the receipt is recorded by now
    recipient = await fetchrow("SELECT delivered_at FROM alert_recipients WHERE alert_id = $1::uuid AND user_id = $2",
                               alert_id, doctor_id)
    assert recipient is not None and recipient["delivered_at"] is not None
    assert await timeline_of(alert_id) == ["RAISED", "DELIVERED"]

    # Somebody else's alert is answered like a missing one, on the socket as over HTTP.
    other = await open_socket(await headers_for(DOCTOR2))
    await other.send({"type": "receipt", "alertId": alert_id})
    assert (await other.expect(lambda m: m["type"] == "error"))["code"] == "not_found"
    await other.send({"type": "ack", "alertId": alert_id, "action": "Seen"})
    assert (await other.expect(lambda m: m["type"] == "error"))["code"] == "not_found"

    # The service's own checks: an action that says nothing is refused.
    await sock.send({"type": "ack", "alertId": alert_id, "action": "   "})
    assert (await sock.expect(lambda m: m["type"] == "error"))["code"] == "validation_failed"

    await sock.send({"type": "ack", "alertId": alert_id, "action": "Repeat ECG, cardiology called"})
    acknowledged = await sock.expect(lambda m: m["type"] == "event" and m["event"] == "alert.acknowledged")
    assert acknowledged["data"]["alertId"] == alert_id
    assert acknowledged["data"]["action"] == "Repeat ECG, cardiology called"
    alert = await fetchrow("SELECT status, acknowledged_by, action_taken, escalate_at FROM alerts WHERE id = $1::uuid",
                           alert_id)
    assert alert is not None and alert["status"] == "ACKNOWLEDGED" and alert["acknowledged_by"] == doctor_id
    assert alert["escalate_at"] is None  # acknowledged: it stops escalating
    assert await timeline_of(alert_id) == ["RAISED", "DELIVERED", "ACKNOWLEDGED"]
    audited = await fetchrow("SELECT count(*) AS n FROM audit_log WHERE table_name = 'alerts' AND "
                             "record_id = $1 AND action = 'ACKNOWLEDGE'", alert_id)
    assert audited is not None and audited["n"] == 1
    # The same answer over HTTP: one way to do each thing.
    shown = await client.get(f"/api/alerts/{alert_id}", headers=await headers_for(DOCTOR))
    assert shown.status_code == 200 and shown.json()["alert"]["status"] == "ACKNOWLEDGED"


async def test_the_python_client_sends_the_receipt_for_an_alert_it_hands_on(
    client, server_url, headers_for, make_patient  # noqa: F811
):
    doctor_id = await user_id_of(DOCTOR2)
    token = (await headers_for(DOCTOR2))["Authorization"].removeprefix("Bearer ")
    async with live_client([ws_url(server_url)], token) as live:
        await live.subscribe(f"user:{doctor_id}")
        await live.wait_until(lambda: live.state == "live")
        alert_id = await raise_critical_troponin(client, headers_for, make_patient, DOCTOR2)
        for _ in range(200):
            if "DELIVERED" in await timeline_of(alert_id):
                break
            await asyncio.sleep(0.05)
        assert await timeline_of(alert_id) == ["RAISED", "DELIVERED"]
        assert not live.errors
