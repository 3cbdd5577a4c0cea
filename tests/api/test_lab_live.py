"""Every event type the lab and alerts add, in Zulip's verify_action style, over a real socket.

Take the topic's snapshot (its HTTP companion: the same board and position a subscription starts from),
subscribe with `since` that position, act, apply the events that arrive to the old snapshot, and compare
with a fresh snapshot. Alerts on a ward topic (`alert.posted`...) do not change the ward board: they are
checked for arriving, with their payload.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from db import alerts as alerts_service
from db.connection import execute
from domain.alert_events import (
    AlertAcknowledged,
    AlertEscalated,
    AlertRaised,
    AlertVerified,
    UserBoard,
    apply_alert_acknowledged,
    apply_alert_escalated,
    apply_alert_raised,
    apply_alert_verified,
    apply_lab_result_corrected,
    apply_lab_result_released,
    apply_lab_result_reviewed,
)
from domain.lab_events import (
    LabOrderCreated,
    LabOrderUpdated,
    LabResultCorrected,
    LabResultReleased,
    LabResultReviewed,
    LabWorklistBoard,
    apply_lab_order_created,
    apply_lab_order_updated,
)
from tests.api.lab_support import DOCTOR, LAB, collect, enter, order, patient_of
from tests.api.test_alerts import a_department, critical_potassium
from tests.channels.conftest import make_ward
from tests.channels.conftest import open_socket as open_socket  # the live layer's fixtures, shared

APPLY: dict[str, tuple[Callable[[Any, Any], Any], type]] = {
    "lab.order.created": (apply_lab_order_created, LabOrderCreated),
    "lab.order.updated": (apply_lab_order_updated, LabOrderUpdated),
    "alert.raised": (apply_alert_raised, AlertRaised),
    "alert.escalated": (apply_alert_escalated, AlertEscalated),
    "alert.verified": (apply_alert_verified, AlertVerified),
    "alert.acknowledged": (apply_alert_acknowledged, AlertAcknowledged),
    "lab.result.released": (apply_lab_result_released, LabResultReleased),
    "lab.result.reviewed": (apply_lab_result_reviewed, LabResultReviewed),
    "lab.result.corrected": (apply_lab_result_corrected, LabResultCorrected),
}


async def verify_action(client, open_socket, headers: dict[str, str], board_url: str, board_type: type,
                        act: Callable[[], Awaitable[Any]], expected: str, *, params: dict[str, str] | None = None,
                        ) -> tuple[list[dict[str, Any]], Any]:
    """Snapshot, act, apply every event of the topic to the old snapshot, compare with a fresh snapshot."""
    before = (await client.get(board_url, params=params, headers=headers)).json()
    sock = await open_socket(headers)
    answer = await sock.subscribe(before["topic"], since={"epoch": before["epoch"], "seq": before["seq"]})
    assert answer["type"] == "subscribed", answer
    await act()
    fresh = (await client.get(board_url, params=params, headers=headers)).json()
    assert fresh["epoch"] == before["epoch"] and fresh["seq"] > before["seq"]
    events = await sock.events(before["topic"], fresh["seq"] - before["seq"])
    assert [e["seq"] for e in events] == list(range(before["seq"] + 1, fresh["seq"] + 1))
    assert expected in [e["event"] for e in events]
    board: Any = msgspec.convert(before["data"], board_type)
    for event in events:
        apply, payload_type = APPLY[event["event"]]
        board = apply(board, msgspec.convert(event["data"], payload_type))
    assert board == msgspec.convert(fresh["data"], board_type)
    assert board != msgspec.convert(before["data"], board_type)
    return events, board


BOARD = "/api/lab/worklist/board"
SECTION = {"section": "clinical-chemistry"}


async def test_lab_order_created_verify_action(client, open_socket, headers_for, make_patient):
    patient = await patient_of(client, headers_for, make_patient)
    placed: dict[str, Any] = {}

    async def act() -> None:
        placed.update(await order(client, await headers_for(DOCTOR), patient["id"], "RFT", urgency="URGENT"))

    events, board = await verify_action(client, open_socket, await headers_for(LAB), BOARD, LabWorklistBoard, act,
                                        "lab.order.created", params=SECTION)
    entry = next(o for o in board.orders if str(o.id) == placed["orderId"])
    assert entry.status == "ORDERED" and entry.urgency == "URGENT" and entry.test_code == "RFT"
    assert "firstName" not in str(events[-1]["data"])


async def test_lab_order_updated_verify_action(client, open_socket, headers_for, make_patient, new_staff):
    patient = await patient_of(client, headers_for, make_patient)
    placed = await order(client, await headers_for(DOCTOR), patient["id"], "ELEC")
    lab = await headers_for(LAB)

    async def collect_it() -> None:
        await collect(client, lab, placed["orderId"])

    _, board = await verify_action(client, open_socket, lab, BOARD, LabWorklistBoard, collect_it,
                                   "lab.order.updated", params=SECTION)
    assert next(o for o in board.orders if str(o.id) == placed["orderId"]).status == "SAMPLE_COLLECTED"

    async def enter_all() -> None:
        response = await enter(client, lab, placed["orderId"], {"NA": ("140", "mmol/L"), "K": ("4.0", "mmol/L"),
                                                               "CL": ("100", "mmol/L")})
        assert response.status_code == 201

    _, board = await verify_action(client, open_socket, lab, BOARD, LabWorklistBoard, enter_all,
                                   "lab.order.updated", params=SECTION)
    assert next(o for o in board.orders if str(o.id) == placed["orderId"]).status == "COMPLETED"
    _, verifier = await new_staff("LAB_STAFF")

    async def release() -> None:
        response = await client.post(f"/api/lab/orders/{placed['orderId']}/verify", json={}, headers=verifier)
        assert response.status_code == 200, response.text

    events, board = await verify_action(client, open_socket, lab, BOARD, LabWorklistBoard, release,
                                        "lab.order.updated", params=SECTION)
    assert [e["data"]["status"] for e in events] == ["VERIFIED", "REPORTED"]
    assert placed["orderId"] not in [str(o.id) for o in board.orders]


async def test_alert_raised_and_acknowledged_verify_action(client, open_socket, headers_for, make_patient):
    doctor = await headers_for(DOCTOR)
    found: dict[str, Any] = {}

    async def raise_it() -> None:
        found.update(await critical_potassium(client, headers_for, make_patient))

    _, board = await verify_action(client, open_socket, doctor, "/api/alerts/board", UserBoard, raise_it,
                                   "alert.raised")
    mine = next(a for a in board.alerts if str(a.alert_id) == found["alert_id"])
    assert mine.preliminary and mine.analytes[0].flag == "HH"

    async def ack() -> None:
        response = await client.post(f"/api/alerts/{found['alert_id']}/ack", json={"action": "Kayexalate given"},
                                     headers=doctor)
        assert response.status_code == 200, response.text

    _, board = await verify_action(client, open_socket, doctor, "/api/alerts/board", UserBoard, ack,
                                   "alert.acknowledged")
    assert found["alert_id"] not in [str(a.alert_id) for a in board.alerts]


async def test_alert_escalated_verify_action(client, open_socket, headers_for, make_patient, new_staff):
    department = await a_department(new_staff)
    orderer = department["orderer"]
    found = await critical_potassium(client, headers_for, make_patient, doctor_email=orderer["user"]["email"],
                                     doctor_headers=orderer["headers"])

    async def escalate() -> None:
        await execute("UPDATE alerts SET escalate_at = now() - interval '1 minute' WHERE id = $1",
                      uuid.UUID(found["alert_id"]))
        await alerts_service.escalate_due()

    _, board = await verify_action(client, open_socket, orderer["headers"], "/api/alerts/board", UserBoard, escalate,
                                   "alert.escalated")
    assert next(a for a in board.alerts if str(a.alert_id) == found["alert_id"]).escalation_level == 1


async def test_verified_released_reviewed_and_corrected_verify_action(
    client, open_socket, headers_for, make_patient, new_staff
):
    doctor = await headers_for(DOCTOR)
    found = await critical_potassium(client, headers_for, make_patient)
    _, verifier = await new_staff("LAB_STAFF")

    async def verify_it() -> None:
        response = await client.post(f"/api/lab/orders/{found['order_id']}/verify", json={}, headers=verifier)
        assert response.status_code == 200, response.text

    events, board = await verify_action(client, open_socket, doctor, "/api/alerts/board", UserBoard, verify_it,
                                        "lab.result.released")
    assert "alert.verified" in [e["event"] for e in events]
    assert not next(a for a in board.alerts if str(a.alert_id) == found["alert_id"]).preliminary
    result = next(r for r in board.results_to_view if str(r.order_id) == found["order_id"])
    assert result.has_critical and result.is_abnormal and not result.is_corrected

    async def review() -> None:
        assert (await client.get(f"/api/lab/orders/{found['order_id']}", headers=doctor)).status_code == 200

    _, board = await verify_action(client, open_socket, doctor, "/api/alerts/board", UserBoard, review,
                                   "lab.result.reviewed")
    assert found["order_id"] not in [str(r.order_id) for r in board.results_to_view]

    async def correct() -> None:
        response = await client.post(f"/api/lab/orders/{found['order_id']}/correct", json={
            "results": [{"code": "K", "value": "5.0", "unit": "mmol/L"}], "reason": "Haemolysed sample, redrawn"},
            headers=await headers_for(LAB))
        assert response.status_code == 200, response.text

    _, board = await verify_action(client, open_socket, doctor, "/api/alerts/board", UserBoard, correct,
                                   "lab.result.corrected")
    back = next(r for r in board.results_to_view if str(r.order_id) == found["order_id"])
    assert back.is_corrected and not back.has_critical


async def test_a_ward_sees_its_patients_alerts(client, open_socket, headers_for, make_patient):
    ward = await make_ward(rooms=1, beds_per_room=1)
    sock = await open_socket(await headers_for(DOCTOR))
    await sock.subscribe(f"ward:{ward['ward_id']}")
    found = await critical_potassium(client, headers_for, make_patient, bed=ward["beds"][0])
    posted = await sock.expect(lambda m: m.get("event") == "alert.posted")
    assert posted["data"]["alert"]["alertId"] == found["alert_id"]
    assert posted["data"]["alert"]["patientId"] == found["patient"]["id"]
