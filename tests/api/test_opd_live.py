"""The OPD's live topics: every action's events turn the previous snapshot into the next one (verify_action
style, for every event type), the waiting-room display never carries a name, and a subscribed screen sees
check-ins and calls as they happen while staff see them with names."""

from __future__ import annotations

import json
import uuid
from typing import Any

import msgspec

from db import opd as opd_service
from db.connection import execute
from db.outbox import events_after
from domain.opd_events import (
    DISPLAY_EVENTS,
    OPD_EVENTS,
    DisplayBoard,
    OpdBoard,
    apply_display_event,
    apply_opd_event,
)
from tests.api.conftest import ADMIN, RECEPTION
from tests.api.test_opd import HIGH_NEWS2, NURSE, call_next, check_in, doctor_in, new_department
from tests.channels.conftest import open_socket  # noqa: F401  (the fixture)

# What identifies a patient; none of it may appear anywhere in a display message or snapshot.
IDENTIFYING_KEYS = {"patientName", "firstName", "lastName", "mrn", "phone", "patientId", "visitId", "tokenId",
                    "dateOfBirth", "age", "gender", "name"}


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def assert_nothing_identifying(message: Any, patients: list[dict[str, Any]]) -> None:
    text = json.dumps(message)
    assert not (_keys(message) & IDENTIFYING_KEYS), _keys(message) & IDENTIFYING_KEYS
    for p in patients:
        for value in (p["firstName"], p.get("lastName"), p["mrn"], p.get("phone"), p["id"]):
            if value:
                assert value not in text, f"{value!r} leaked into {text}"


class Verifier:
    """Snapshot both topics, act, apply the events the action wrote, compare with fresh snapshots."""

    def __init__(self, department_id: Any) -> None:
        self.department_id = department_id
        self.seen_events: set[str] = set()
        self.display_messages: list[Any] = []

    async def _snapshots(self) -> tuple[Any, Any]:
        opd = await opd_service.queue_snapshot(self.department_id, with_names=True)
        display = await opd_service.queue_snapshot(self.department_id, with_names=False)
        assert opd is not None and display is not None
        return opd, display

    async def act(self, action) -> Any:
        (opd_pos, opd_board), (display_pos, display_board) = await self._snapshots()
        result = await action()
        (opd_after_pos, opd_after), (display_after_pos, display_after) = await self._snapshots()
        opd_events = await events_after(f"opd:{self.department_id}", opd_pos.seq, limit=100)
        display_events = await events_after(f"display:{self.department_id}", display_pos.seq, limit=100)
        assert opd_events and display_events, "every queue change is an event on both topics"
        assert opd_events[-1].seq == opd_after_pos.seq and display_events[-1].seq == display_after_pos.seq
        assert isinstance(opd_board, OpdBoard) and isinstance(display_board, DisplayBoard)
        for event in opd_events:
            message = msgspec.json.decode(event.message)
            opd_board = apply_opd_event(opd_board, message["event"], message["data"])
            self.seen_events.add(message["event"])
        for event in display_events:
            message = msgspec.json.decode(event.message)
            self.display_messages.append(message)
            display_board = apply_display_event(display_board, message["event"], message["data"])
            self.seen_events.add(message["event"])
        assert opd_board == opd_after
        assert display_board == display_after
        self.display_messages.append(msgspec.to_builtins(display_after))
        return result


async def test_every_opd_event_type_turns_the_snapshot_into_the_next_one(
    client, headers_for, make_patient, new_staff
):
    dept, other = await new_department(), await new_department()
    doctor, doctor_id, _ = await doctor_in(new_staff, dept["id"], room="3")
    _, colleague_id, _ = await doctor_in(new_staff, dept["id"], room="5")
    _, elsewhere_id, _ = await doctor_in(new_staff, other["id"])
    desk, nurse = await headers_for(RECEPTION), await headers_for(NURSE)
    patients = [await make_patient(desk, dateOfBirth="1988-05-05") for _ in range(6)]
    v = Verifier(dept["id"])

    async def issue(patient: dict[str, Any], **where: Any) -> dict[str, Any]:
        return await check_in(client, desk, patientId=patient["id"], **where)

    visits = [await v.act(lambda p=p: issue(p, departmentId=str(dept["id"]))) for p in patients[:5]]
    visits.append(await v.act(lambda: issue(patients[5], doctorId=str(doctor_id))))

    async def post(path: str, body: dict[str, Any], headers: dict[str, str], expect: int = 200) -> dict[str, Any]:
        response = await client.post(path, json=body, headers=headers)
        assert response.status_code == expect, response.text
        result: dict[str, Any] = response.json()
        return result

    await v.act(lambda: post(f"/api/opd/visits/{visits[4]['visitId']}/triage", HIGH_NEWS2, nurse, 201))
    first = await v.act(lambda: call_next(client, doctor))
    assert first is not None and first["visitId"] == visits[4]["visitId"]
    await v.act(lambda: post(f"/api/opd/queue/tokens/{first['id']}/recall", {}, doctor))
    await v.act(lambda: post(f"/api/opd/queue/tokens/{first['id']}/skip", {}, doctor))
    second = await v.act(lambda: call_next(client, doctor))
    await v.act(lambda: post(f"/api/opd/queue/tokens/{second['id']}/no-show", {}, doctor))
    third = await v.act(lambda: call_next(client, doctor))
    consultation = await v.act(lambda: post("/api/opd/consultations", {
        "visitId": third["visitId"], "diagnosis": "Viral fever", "diagnosisCodes": ["R50.9"]}, doctor, 201))
    await v.act(lambda: post(f"/api/opd/consultations/{consultation['consultationId']}/complete", {}, doctor))
    assert (second["visitId"], third["visitId"]) == (visits[0]["visitId"], visits[1]["visitId"])
    await v.act(lambda: post(f"/api/opd/visits/{visits[2]['visitId']}/cancel", {"reason": "Left"}, desk))
    await v.act(lambda: post(f"/api/opd/visits/{visits[3]['visitId']}/move", {"doctorId": str(colleague_id)}, desk))
    await v.act(lambda: post(f"/api/opd/visits/{visits[5]['visitId']}/move", {"doctorId": str(elsewhere_id)}, desk))
    await v.act(lambda: post(f"/api/opd/queue/tokens/{first['id']}/priority",
                             {"priority": "URGENT", "reason": "Looks unwell"}, nurse))

    assert v.seen_events == {e.EVENT for e in (*OPD_EVENTS, *DISPLAY_EVENTS)}
    for message in v.display_messages:
        assert_nothing_identifying(message, patients)


async def test_the_opd_snapshot_names_patients_and_the_display_snapshot_does_not(
    client, headers_for, make_patient, new_staff
):
    dept = await new_department()
    doctor, _, _ = await doctor_in(new_staff, dept["id"])
    desk = await headers_for(RECEPTION)
    patient = await make_patient(desk)
    await check_in(client, desk, patientId=patient["id"], departmentId=str(dept["id"]))
    await call_next(client, doctor)
    found = await opd_service.queue_snapshot(dept["id"], with_names=True)
    assert found is not None
    staff = msgspec.to_builtins(found[1])
    assert staff["waitingPatients"][0]["patientName"].startswith(patient["firstName"])
    shown = await opd_service.queue_snapshot(dept["id"], with_names=False)
    assert shown is not None
    board = msgspec.to_builtins(shown[1])
    assert board["nowCalling"][0]["room"] == "4"
    assert_nothing_identifying(board, [patient])
    # The same board for a screen over HTTP, with the position to go live from.
    device = await client.post("/api/devices", json={"name": "OPD screen", "topics": [f"display:{dept['id']}"]},
                               headers=await headers_for(ADMIN))
    assert device.status_code == 201, device.text
    screen = {"Authorization": f"Bearer {device.json()['token']}"}
    response = await client.get(f"/api/opd/display/{dept['id']}", headers=screen)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["nowCalling"] == board["nowCalling"]
    assert_nothing_identifying(response.json(), [patient])
    elsewhere = await client.get(f"/api/opd/display/{uuid.uuid4()}", headers=screen)
    assert elsewhere.status_code == 403


async def test_a_subscribed_screen_sees_check_ins_and_calls_without_names_and_staff_see_names(
    client, headers_for, make_patient, new_staff, open_socket  # noqa: F811
):
    dept = await new_department()
    doctor, _, _ = await doctor_in(new_staff, dept["id"], room="4")
    device = await client.post("/api/devices", json={"name": "OPD screen", "topics": [f"display:{dept['id']}"]},
                               headers=await headers_for(ADMIN))
    assert device.status_code == 201, device.text
    screen = await open_socket({"Authorization": f"Bearer {device.json()['token']}"})
    staff = await open_socket(doctor)
    assert (await screen.subscribe(f"display:{dept['id']}"))["type"] == "snapshot"
    assert (await staff.subscribe(f"opd:{dept['id']}"))["type"] == "snapshot"

    desk = await headers_for(RECEPTION)
    patient = await make_patient(desk)
    issued = await check_in(client, desk, patientId=patient["id"], departmentId=str(dept["id"]))
    called = await call_next(client, doctor)
    assert called is not None
    number = issued["token"]["tokenNumber"]

    shown = await screen.events(f"display:{dept['id']}", 2)
    assert [e["event"] for e in shown] == ["display.token.updated", "display.token.called"]
    assert shown[0]["data"]["entry"] == {"tokenNumber": number, "status": "WAITING", "room": None,
                                         "estimatedWaitMinutes": shown[0]["data"]["entry"]["estimatedWaitMinutes"]}
    assert shown[1]["data"]["announcement"] == f"Token {number}, Room 4"
    for message in shown:
        assert_nothing_identifying(message, [patient])

    seen = await staff.events(f"opd:{dept['id']}", 2)
    assert [e["data"]["action"] for e in seen] == ["ISSUED", "CALLED"]
    assert seen[1]["data"]["entry"]["patientName"].startswith(patient["firstName"])
    assert seen[1]["data"]["entry"]["mrn"] == patient["mrn"]


async def test_the_front_desk_watches_every_department_and_a_departments_desk_only_its_own(
    client, headers_for, make_patient, new_staff, open_socket  # noqa: F811
):
    """One rule (domain.topics.may_watch_opd) for the live queue, GET /api/opd/queue and check-in."""
    dept, other = await new_department(), await new_department()
    await doctor_in(new_staff, dept["id"])
    await doctor_in(new_staff, other["id"])
    front = await headers_for(RECEPTION)  # the demo receptionist has no department: the hospital's front desk
    user, own_desk = await new_staff("RECEPTIONIST")
    await execute("UPDATE users SET department_id = $2 WHERE id = $1", uuid.UUID(user["id"]), dept["id"])

    front_sock = await open_socket(front)
    for department in (dept, other):
        assert (await front_sock.subscribe(f"opd:{department['id']}"))["type"] == "snapshot"
        listed = await client.get("/api/opd/queue", params={"departmentId": str(department["id"])}, headers=front)
        assert listed.status_code == 200, listed.text
        await check_in(client, front, patientId=(await make_patient(front))["id"], departmentId=str(department["id"]))

    desk_sock = await open_socket(own_desk)
    assert (await desk_sock.subscribe(f"opd:{dept['id']}"))["type"] == "snapshot"
    refused = await desk_sock.subscribe(f"opd:{other['id']}")
    assert refused["type"] == "error" and refused["code"] == "forbidden"
    mine = await client.get("/api/opd/queue", headers=own_desk)  # their department by default
    assert mine.status_code == 200 and mine.json()["departmentId"] == str(dept["id"])
    assert len(mine.json()["waitingPatients"]) == 1
    theirs = await client.get("/api/opd/queue", params={"departmentId": str(other["id"])}, headers=own_desk)
    assert theirs.status_code == 403
    patient = await make_patient(front)
    wrong = await check_in(client, own_desk, expect=403, patientId=patient["id"], departmentId=str(other["id"]))
    assert wrong["fields"] == {"departmentId": "not your department"}
    await check_in(client, own_desk, patientId=patient["id"], departmentId=str(dept["id"]))
