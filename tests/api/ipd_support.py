"""Helpers of the IPD tests: a ward of our own with its nurse and doctor, admitting, charting vitals, and the
verify_action check for ward events (snapshot, act, apply every event, compare with a fresh snapshot)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import msgspec

from db.connection import execute, fetch, fetchrow
from domain.boards import BoardPatient, WardBoard, apply_ward_event
from tests.api.conftest import RECEPTION, doctor_id_of, insert_row
from tests.channels.conftest import make_ward

Headers = dict[str, str]

# Complete sets of observations and the NEWS2 they score (RCP 2017 chart, SpO2 scale 1).
NORMAL: dict[str, Any] = {"temperature": 37.0, "heartRate": 72, "respiratoryRate": 16, "bloodPressureSystolic": 124,
          "bloodPressureDiastolic": 78, "oxygenSaturation": 98, "onOxygen": False, "consciousness": "A"}  # 0 LOW
LOW_MEDIUM: dict[str, Any] = {**NORMAL, "consciousness": "C"}  # a single 3, total 3
MEDIUM: dict[str, Any] = {**NORMAL, "respiratoryRate": 22, "oxygenSaturation": 95, "heartRate": 100,
                          "bloodPressureSystolic": 105}  # 5
HIGH: dict[str, Any] = {"temperature": 38.5, "heartRate": 120, "respiratoryRate": 26, "bloodPressureSystolic": 95,
        "bloodPressureDiastolic": 60, "oxygenSaturation": 90, "onOxygen": False, "consciousness": "A"}  # 11


def now() -> datetime:
    return datetime.now(UTC)


class Ward:
    """A fresh ward (rooms of AVAILABLE beds) with a nurse assigned to it and a doctor of its department."""

    def __init__(self, layout: dict[str, Any], nurse: tuple[dict[str, Any], Headers],
                 doctor: tuple[dict[str, Any], Headers], doctor_id: uuid.UUID) -> None:
        self.id: uuid.UUID = layout["ward_id"]
        self.department_id: uuid.UUID = layout["department_id"]
        self.rooms: list[uuid.UUID] = layout["rooms"]
        self.beds: list[uuid.UUID] = layout["beds"]
        self.nurse_user, self.nurse = nurse
        self.doctor_user, self.doctor = doctor
        self.doctor_id = doctor_id

    @property
    def topic(self) -> str:
        return f"ward:{self.id}"


async def make_ipd_ward(new_staff: Callable[[str], Awaitable[tuple[dict[str, Any], Headers]]], *, rooms: int = 2,
                        beds_per_room: int = 3, room_type: str = "GENERAL", rate: str | None = None) -> Ward:
    layout = await make_ward(rooms=rooms, beds_per_room=beds_per_room, room_type=room_type)
    if rate is not None:
        await execute("UPDATE rooms SET rate_per_day = $2::numeric WHERE ward_id = $1", layout["ward_id"], rate)
    nurse = await new_staff("NURSE")
    await insert_row("ward_assignments", user_id=uuid.UUID(nurse[0]["id"]), ward_id=layout["ward_id"],
                     created_at=now())
    doctor = await new_staff("DOCTOR")
    doctor_id = await doctor_id_of(doctor[0]["id"])
    await execute("UPDATE doctors SET department_id = $2 WHERE id = $1", doctor_id, layout["department_id"])
    return Ward(layout, nurse, doctor, doctor_id)


async def new_patient(make_patient: Callable[..., Awaitable[dict[str, Any]]],
                      headers_for: Callable[..., Awaitable[Headers]]) -> dict[str, Any]:
    return await make_patient(await headers_for(RECEPTION))


async def admit(client: httpx.AsyncClient, headers: Headers, patient_id: Any, *, expect: int | None = 201,
                **body: Any) -> httpx.Response:
    payload = {"patientId": str(patient_id), "reasonForAdmission": "Community-acquired pneumonia",
               "admissionType": "EMERGENCY", **{k: str(v) if isinstance(v, uuid.UUID) else v for k, v in body.items()}}
    response = await client.post("/api/ipd/admissions", json=payload, headers=headers)
    if expect is not None:
        assert response.status_code == expect, response.text
    return response


async def admitted(client: httpx.AsyncClient, ward: Ward, make_patient: Any, headers_for: Any, *,
                   bed: int = 0) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new patient admitted by the ward's doctor to bed `bed` of the ward: (patient, admission)."""
    patient = await new_patient(make_patient, headers_for)
    response = await admit(client, ward.doctor, patient["id"], bedId=ward.beds[bed])
    return patient, response.json()["admission"]


async def chart(client: httpx.AsyncClient, headers: Headers, admission_id: Any, *, expect: int | None = 201,
                **values: Any) -> httpx.Response:
    response = await client.post(f"/api/ipd/admissions/{admission_id}/vital-signs", json=values, headers=headers)
    if expect is not None:
        assert response.status_code == expect, response.text
    return response


async def board_patient_of(client: httpx.AsyncClient, headers: Headers, admission_id: Any) -> BoardPatient:
    """The patient as a ward board shows them to this viewer: read with GET /api/ipd/admissions/{id}."""
    response = await client.get(f"/api/ipd/admissions/{admission_id}", headers=headers)
    assert response.status_code == 200, response.text
    p = response.json()["patient"]
    return BoardPatient(id=uuid.UUID(p["id"]), mrn=p.get("mrn"), first_name=p.get("firstName"),
                        last_name=p.get("lastName"), gender=p.get("gender"))


async def verify_ward_action(client: httpx.AsyncClient, open_socket: Any, headers: Headers, ward: Ward,
                             act: Callable[[], Awaitable[Any]], *, expect: list[str]) -> tuple[list[dict[str, Any]],
                                                                                                 WardBoard]:
    """Zulip's verify_action for the ward topic: snapshot, act, apply every event the act wrote (in seq order;
    bed.occupied with the patient read as this viewer may), compare with a fresh snapshot. `expect` lists the
    event names, in order."""
    sock = await open_socket(headers)
    before = await sock.subscribe(ward.topic)
    assert before["type"] == "snapshot"
    await act()
    fresh = await (await open_socket(headers)).subscribe(ward.topic)
    events = await sock.events(ward.topic, fresh["seq"] - before["seq"])
    assert [e["event"] for e in events] == expect
    assert [e["seq"] for e in events] == list(range(before["seq"] + 1, fresh["seq"] + 1))
    board = msgspec.convert(before["data"], WardBoard)
    for event in events:
        patient = None
        if event["event"] == "bed.occupied":
            patient = await board_patient_of(client, headers, event["data"]["admission"]["id"])
        board = apply_ward_event(board, event["event"], event["data"], patient)
    assert board == msgspec.convert(fresh["data"], WardBoard)
    assert board != msgspec.convert(before["data"], WardBoard)
    return events, board


def bed_of(board: WardBoard, bed_id: Any) -> Any:
    return next(b for r in board.rooms for b in r.beds if b.id == uuid.UUID(str(bed_id)))


async def one(sql: str, *args: Any) -> Any:
    """The one row a query must find."""
    row = await fetchrow(sql, *args)
    assert row is not None, sql
    return row


async def timeline_events(alert_id: Any) -> list[str]:
    rows = await fetch("SELECT event FROM alert_events WHERE alert_id = $1 ORDER BY at, id", uuid.UUID(str(alert_id)))
    return [r["event"] for r in rows]


async def news2_alert_of(admission_id: Any) -> Any:
    return await fetchrow(
        "SELECT id, severity, status, escalation_level, escalate_at, acknowledged_at, detail->>'band' AS band, "
        "(detail->>'score')::int AS score, target_user_id FROM alerts WHERE admission_id = $1 "
        "AND kind = 'NEWS2_DETERIORATION' ORDER BY raised_at DESC LIMIT 1",
        uuid.UUID(str(admission_id)),
    )
