"""Bed housekeeping, the census, ward boards and room beds; and the events a bed change sends (verify_action).

Each event type the spine carries has a test in Zulip's verify_action style: take the board's snapshot,
act, apply the event to the old snapshot, and compare with a fresh snapshot.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import msgspec

from db.connection import execute, fetch, fetchrow
from domain.boards import CensusBoard, WardBoard, apply_bed_updated, apply_census_updated
from domain.events import BedUpdated, CensusUpdated
from tests.channels.conftest import ADMIN, DOCTOR, NURSE, RECEPTION, make_ward, roster_wards_of, set_bed
from tests.channels.conftest import open_socket as open_socket  # the live layer's fixtures, shared
from tests.channels.conftest import ward as ward


async def verify_action(open_socket, headers, topic: str, board_type: type, apply: Any, payload_type: type,
                        act: Any) -> tuple[Any, Any]:
    """Snapshot, act, apply the event to the old snapshot, compare with a fresh snapshot."""
    sock = await open_socket(headers)
    before = await sock.subscribe(topic)
    assert before["type"] == "snapshot"
    await act()
    event = (await sock.events(topic, 1))[0]
    assert event["seq"] == before["seq"] + 1 and event["epoch"] == before["epoch"]
    applied = apply(msgspec.convert(before["data"], board_type), msgspec.convert(event["data"], payload_type))
    fresh = await (await open_socket(headers)).subscribe(topic)
    assert fresh["seq"] == event["seq"]
    assert applied == msgspec.convert(fresh["data"], board_type)
    assert applied != msgspec.convert(before["data"], board_type)
    return event, applied


async def test_bed_updated_verify_action(client, open_socket, headers_for, ward):
    bed = ward["beds"][1]

    async def act() -> None:
        response = await set_bed(client, await headers_for(NURSE), bed, "MAINTENANCE", reason="broken rail")
        assert response.status_code == 200, response.text

    event, board = await verify_action(open_socket, await headers_for(ADMIN), f"ward:{ward['ward_id']}",
                                       WardBoard, apply_bed_updated, BedUpdated, act)
    assert event["event"] == "bed.updated"
    assert event["data"]["status"] == "MAINTENANCE" and event["data"]["previousStatus"] == "AVAILABLE"
    assert event["data"]["reason"] == "broken rail" and event["data"]["version"] == 2
    assert board.counts.maintenance == 1
    # When the bed entered its state: on the event and on the board (how long it has been under maintenance).
    stored = await fetchrow("SELECT status_changed_at FROM beds WHERE id = $1", bed)
    assert stored is not None
    assert msgspec.convert(event["data"], BedUpdated).status_changed_at == stored["status_changed_at"]
    assert next(b for r in board.rooms for b in r.beds if b.id == bed).status_changed_at == stored["status_changed_at"]


async def test_census_updated_verify_action(client, open_socket, headers_for, ward):
    bed = ward["beds"][2]

    async def act() -> None:
        response = await set_bed(client, await headers_for(ADMIN), bed, "CLEANING")
        assert response.status_code == 200, response.text

    event, census = await verify_action(open_socket, await headers_for(RECEPTION), "census", CensusBoard,
                                        apply_census_updated, CensusUpdated, act)
    assert event["event"] == "census.updated"
    stored = await fetchrow("SELECT bed_number, status_changed_at FROM beds WHERE id = $1", bed)
    assert stored is not None
    data = event["data"]
    assert msgspec.convert(data, CensusUpdated).status_changed_at == stored["status_changed_at"]
    assert {k: v for k, v in data.items() if k != "statusChangedAt"} == {
        "wardId": str(ward["ward_id"]), "roomType": "GENERAL", "bedId": str(bed), "bedNumber": stored["bed_number"],
        "previousStatus": "AVAILABLE", "status": "CLEANING"}
    mine = next(w for w in census.by_ward if w.ward_id == ward["ward_id"])
    assert mine.cleaning == 1 and mine.available == mine.total_beds - 1
    [listed] = [b for b in census.unavailable_beds if b.bed_id == bed]
    assert (listed.status.value, listed.status_changed_at) == ("CLEANING", stored["status_changed_at"])


async def test_a_bed_keeps_the_time_it_entered_its_state_until_its_state_changes(client, headers_for, ward):
    bed = ward["beds"][0]
    nurse = await headers_for(NURSE)
    cleaning = await set_bed(client, nurse, bed, "CLEANING")
    assert cleaning.status_code == 200, cleaning.text
    since = datetime.fromisoformat(cleaning.json()["bed"]["statusChangedAt"])
    await execute("UPDATE beds SET status_changed_at = status_changed_at - interval '3 hours' WHERE id = $1", bed)
    beds = (await client.get(f"/api/ipd/rooms/{ward['rooms'][0]}/beds", headers=await headers_for(RECEPTION))).json()
    shown = next(b for b in beds["beds"] if b["id"] == str(bed))
    assert shown["status"] == "CLEANING"
    assert since - datetime.fromisoformat(shown["statusChangedAt"]) == timedelta(hours=3)  # three hours in cleaning
    board = (await client.get(f"/api/ipd/wards/{ward['ward_id']}/board", headers=await headers_for(ADMIN))).json()
    board = board["data"]
    on_board = next(b for r in board["rooms"] for b in r["beds"] if b["id"] == str(bed))
    assert on_board["statusChangedAt"] == shown["statusChangedAt"]
    census = (await client.get("/api/ipd/census", headers=await headers_for(RECEPTION))).json()
    assert [b["statusChangedAt"] for b in census["unavailableBeds"] if b["bedId"] == str(bed)] == [
        shown["statusChangedAt"]]
    available = await set_bed(client, nurse, bed, "AVAILABLE")
    assert available.status_code == 200 and datetime.fromisoformat(available.json()["bed"]["statusChangedAt"]) > since
    census = (await client.get("/api/ipd/census", headers=await headers_for(RECEPTION))).json()
    assert str(bed) not in [b["bedId"] for b in census["unavailableBeds"]]


async def test_a_bed_change_is_versioned_and_audited(client, headers_for, ward):
    bed = ward["beds"][0]
    nurse = await headers_for(NURSE)
    response = await set_bed(client, nurse, bed, "CLEANING", version=1)
    assert response.status_code == 200
    assert response.json()["bed"]["version"] == 2 and response.headers["etag"] == '"2"'
    stale = await set_bed(client, nurse, bed, "AVAILABLE", version=1)
    assert stale.status_code == 412 and stale.json()["currentVersion"] == 2
    via_header = await client.post(f"/api/ipd/beds/{bed}/status", json={"status": "AVAILABLE"},
                                   headers={**nurse, "If-Match": '"1"'})
    assert via_header.status_code == 412
    audit = await fetch("SELECT action, old_values::text AS old, new_values::text AS new FROM audit_log "
                        "WHERE table_name = 'beds' AND record_id = $1", str(bed))
    assert len(audit) == 1 and '"CLEANING"' in audit[0]["new"] and '"AVAILABLE"' in audit[0]["old"]


async def test_illegal_moves_are_409_naming_the_current_state(client, headers_for, ward):
    nurse = await headers_for(NURSE)
    bed = ward["beds"][3]
    same = await set_bed(client, nurse, bed, "AVAILABLE")
    assert same.status_code == 409 and same.json()["currentState"] == "AVAILABLE"
    await execute("UPDATE beds SET status = 'OCCUPIED' WHERE id = $1", bed)
    occupied = await set_bed(client, nurse, bed, "CLEANING")
    assert occupied.status_code == 409 and occupied.json()["currentState"] == "OCCUPIED"
    assert "discharg" in occupied.json()["detail"]
    # Nothing was written for the refused requests: no event either.
    assert await fetch("SELECT id FROM outbox_events WHERE topic = $1", f"ward:{ward['ward_id']}") == []


async def test_bad_requests_are_refused_before_anything_is_written(client, headers_for, ward):
    nurse = await headers_for(NURSE)
    assert (await set_bed(client, nurse, ward["beds"][0], "OCCUPIED")).status_code in (400, 422)
    assert (await set_bed(client, nurse, ward["beds"][0], "RESERVED")).status_code in (400, 422)
    assert (await set_bed(client, nurse, uuid.uuid4(), "CLEANING")).status_code == 404
    refused = await set_bed(client, await headers_for(DOCTOR), ward["beds"][0], "CLEANING")
    assert refused.status_code == 403
    assert await fetch("SELECT id FROM outbox_events WHERE topic = $1", f"ward:{ward['ward_id']}") == []


async def test_the_census_counts_beds_by_ward_and_room_type(client, headers_for):
    ward = await make_ward(rooms=1, beds_per_room=2, room_type="ICU")
    await execute("UPDATE beds SET status = 'OCCUPIED' WHERE id = $1", ward["beds"][0])
    response = await client.get("/api/ipd/census", headers=await headers_for(RECEPTION))
    assert response.status_code == 200
    census = response.json()
    totals = await fetchrow("SELECT count(*) AS total, count(*) FILTER (WHERE status = 'OCCUPIED') AS occupied, "
                            "count(*) FILTER (WHERE status = 'AVAILABLE') AS available FROM beds")
    assert totals is not None
    assert (census["totalBeds"], census["occupiedBeds"], census["available"]) == (
        totals["total"], totals["occupied"], totals["available"])
    mine = next(w for w in census["byWard"] if w["wardId"] == str(ward["ward_id"]))
    assert (mine["totalBeds"], mine["occupiedBeds"], mine["available"]) == (2, 1, 1)
    assert sum(r["totalBeds"] for r in census["byRoomType"]) == census["totalBeds"]
    assert isinstance(census["admissions"], list)
    assert all("firstName" not in a and "patientId" in a for a in census["admissions"])


async def test_a_rooms_beds(client, headers_for, ward):
    response = await client.get(f"/api/ipd/rooms/{ward['rooms'][0]}/beds", headers=await headers_for(RECEPTION))
    assert response.status_code == 200
    assert [b["bedNumber"] for b in response.json()["beds"]] == ["A", "B", "C"]
    assert (await client.get(f"/api/ipd/rooms/{uuid.uuid4()}/beds",
                             headers=await headers_for(RECEPTION))).status_code == 404


async def test_a_ward_board_follows_the_topic_rules(client, headers_for):
    mine = next(iter(await roster_wards_of(NURSE)))
    other = await fetchrow("SELECT id FROM wards WHERE id <> ALL($1::uuid[]) ORDER BY code LIMIT 1",
                           list(await roster_wards_of(NURSE)))
    assert other is not None
    nurse = await headers_for(NURSE)
    own = await client.get(f"/api/ipd/wards/{mine}/board", headers=nurse)
    assert own.status_code == 200
    body = own.json()
    assert body["topic"] == f"ward:{mine}" and body["seq"] >= 0 and body["data"]["wardId"] == str(mine)
    assert (await client.get(f"/api/ipd/wards/{other['id']}/board", headers=nurse)).status_code == 403
    doctor = await headers_for(DOCTOR)
    assert (await client.get(f"/api/ipd/wards/{other['id']}/board", headers=doctor)).status_code == 200
    assert (await client.get(f"/api/ipd/wards/{uuid.uuid4()}/board", headers=nurse)).status_code == 404


async def test_registering_a_patient_is_an_event_for_the_reception_desks(open_socket, headers_for, make_patient):
    reception = await headers_for(RECEPTION)
    sock = await open_socket(reception)
    before = await sock.subscribe("patients")
    patient = await make_patient(reception)
    event = (await sock.events("patients", 1))[0]
    assert event["event"] == "patient.registered" and event["seq"] == before["seq"] + 1
    assert event["data"]["patientId"] == patient["id"] and event["data"]["mrn"] == patient["mrn"]
    assert "firstName" not in event["data"]
