"""Every topic kind's snapshot over the socket is its area's board (channels/snapshots.READERS), shaped for the
viewer; and an unattended device never watches `opd:{departmentId}` (names), whatever its token lists."""

from __future__ import annotations

import uuid

import msgspec

from channels.snapshots import READERS
from db import opd as opd_service
from db.connection import fetchrow
from domain.topics import TopicKind
from tests.api.conftest import RECEPTION, make_patient, new_staff  # noqa: F401  (the fixtures)
from tests.api.lab_support import DOCTOR, LAB, RADIOLOGY, user_id_of
from tests.api.test_opd import call_next, check_in, doctor_in, new_department
from tests.api.test_opd_live import assert_nothing_identifying
from tests.channels.conftest import ADMIN


def test_every_topic_kind_with_a_board_has_a_reader():
    # `patients` has no board of its own (its snapshot is `{}` with its position).
    assert set(READERS) == set(TopicKind) - {TopicKind.PATIENTS}


async def test_the_opd_snapshot_names_patients_for_staff_and_the_display_never_does(
    client, open_socket, headers_for, make_patient, new_staff  # noqa: F811
):
    dept = await new_department()
    doctor, _, doctor_user = await doctor_in(new_staff, dept["id"], room="7")
    desk = await headers_for(RECEPTION)
    patient = await make_patient(desk)
    await check_in(client, desk, patientId=patient["id"], departmentId=str(dept["id"]))
    await call_next(client, doctor)

    staff = await open_socket(doctor)
    board = await staff.subscribe(f"opd:{dept['id']}")
    assert board["type"] == "snapshot"
    expected = await opd_service.queue_snapshot(dept["id"], with_names=True)
    assert expected is not None
    assert board["seq"] == expected[0].seq and board["data"] == msgspec.to_builtins(expected[1])
    assert board["data"]["waitingPatients"][0]["patientName"].startswith(patient["firstName"])
    audited = await fetchrow("SELECT count(*) AS n FROM audit_log WHERE table_name = 'opd_queue' AND record_id = $1 "
                             "AND user_id = $2::uuid", str(dept["id"]), doctor_user["id"])
    assert audited is not None and audited["n"] >= 1, "a board that names patients is an audited read"

    device = await client.post("/api/devices", json={"name": "OPD screen", "topics": [f"display:{dept['id']}"]},
                               headers=await headers_for(ADMIN))
    assert device.status_code == 201, device.text
    screen = await open_socket({"Authorization": f"Bearer {device.json()['token']}"})
    shown = await screen.subscribe(f"display:{dept['id']}")
    assert shown["type"] == "snapshot"
    assert shown["data"]["nowCalling"][0]["room"] == "7"
    assert_nothing_identifying(shown["data"], [patient])

    nothing = await staff.subscribe(f"display:{uuid.uuid4()}")
    assert nothing["type"] == "error" and nothing["code"] == "not_found"


async def test_a_device_never_watches_opd_with_names_even_if_its_token_lists_it(
    client, open_socket, headers_for
):
    dept = await new_department()
    admin = await headers_for(ADMIN)
    refused = await client.post("/api/devices", json={"name": "OPD screen", "topics": [f"opd:{dept['id']}"]},
                                headers=admin)
    assert refused.status_code == 422, refused.text
    assert "display:" in refused.json()["fields"]["topics[0]"]
    # A token that lists it anyway (issued before the rule, or written by hand) still gets no names.
    created = await client.post("/api/devices", json={"name": "OPD screen", "topics": [f"display:{dept['id']}"]},
                                headers=admin)
    assert created.status_code == 201, created.text
    await fetchrow("UPDATE device_tokens SET topics = $2::jsonb WHERE id = $1::uuid", created.json()["id"],
                   msgspec.json.encode([f"opd:{dept['id']}", f"display:{dept['id']}"]).decode())
    screen = await open_socket({"Authorization": f"Bearer {created.json()['token']}"})
    answer = await screen.subscribe(f"opd:{dept['id']}")
    assert answer["type"] == "error" and answer["code"] == "forbidden"
    assert (await screen.subscribe(f"display:{dept['id']}"))["type"] == "snapshot"


async def test_lab_imaging_and_user_snapshots_are_their_boards(client, open_socket, headers_for):
    lab = await open_socket(await headers_for(LAB))
    worklist = await lab.subscribe("lab:haematology")
    assert worklist["type"] == "snapshot"
    assert worklist["data"]["section"] == "haematology" and isinstance(worklist["data"]["orders"], list)
    over_http = await client.get("/api/lab/worklist/board", params={"section": "haematology"},
                                 headers=await headers_for(LAB))
    assert over_http.status_code == 200
    assert (over_http.json()["seq"], over_http.json()["data"]) == (worklist["seq"], worklist["data"])

    radiology = await open_socket(await headers_for(RADIOLOGY))
    imaging = await radiology.subscribe("imaging")
    assert imaging["type"] == "snapshot" and isinstance(imaging["data"]["orders"], list)

    doctor = await open_socket(await headers_for(DOCTOR))
    inbox = await doctor.subscribe(f"user:{await user_id_of(DOCTOR)}")
    assert inbox["type"] == "snapshot"
    assert set(inbox["data"]) == {"alerts", "resultsToView"}

    patients = await open_socket(await headers_for(RECEPTION))
    registrations = await patients.subscribe("patients")
    assert registrations["type"] == "snapshot" and registrations["data"] == {}
