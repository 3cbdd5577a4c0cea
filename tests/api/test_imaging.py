"""Imaging over the real API: order, schedule, procedure, uploads checked by content, signed URLs, the report."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import msgspec

from domain.imaging_events import (
    ImagingOrderCreated,
    ImagingOrderUpdated,
    ImagingWorklistBoard,
    apply_imaging_order_created,
    apply_imaging_order_updated,
)
from tests.api.lab_support import DOCTOR, DOCTOR2, RADIOLOGY, doctor_row_of, events_on, patient_of, user_id_of
from tests.channels.conftest import open_socket as open_socket  # the live layer's fixtures, shared

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
DICOM = b"\x00" * 128 + b"DICM" + b"\x02\x00\x00\x00UL\x04\x00" + b"\x00" * 64

APPLY: dict[str, tuple[Any, type]] = {
    "imaging.order.created": (apply_imaging_order_created, ImagingOrderCreated),
    "imaging.order.updated": (apply_imaging_order_updated, ImagingOrderUpdated),
}


async def verify_action(client, open_socket, headers, act, expected: str) -> ImagingWorklistBoard:
    before = (await client.get("/api/imaging/board", headers=headers)).json()
    sock = await open_socket(headers)
    answer = await sock.subscribe("imaging", since={"epoch": before["epoch"], "seq": before["seq"]})
    assert answer["type"] == "subscribed", answer
    await act()
    fresh = (await client.get("/api/imaging/board", headers=headers)).json()
    events = await sock.events("imaging", fresh["seq"] - before["seq"])
    assert expected in [e["event"] for e in events]
    board = msgspec.convert(before["data"], ImagingWorklistBoard)
    for event in events:
        apply, payload_type = APPLY[event["event"]]
        board = apply(board, msgspec.convert(event["data"], payload_type))
    assert board == msgspec.convert(fresh["data"], ImagingWorklistBoard)
    assert board != msgspec.convert(before["data"], ImagingWorklistBoard)
    return board


async def _order(client: httpx.AsyncClient, headers: dict[str, str], patient_id: str, **body: Any) -> httpx.Response:
    return await client.post("/api/imaging/orders", json={"patientId": patient_id, "imagingType": "X-ray",
                                                          "bodyPart": "Chest PA", **body}, headers=headers)


async def test_a_study_from_order_to_report(client, open_socket, headers_for, make_patient, new_staff):
    patient = await patient_of(client, headers_for, make_patient)
    doctor, radiologist = await headers_for(DOCTOR), await headers_for(RADIOLOGY)
    placed: dict[str, Any] = {}

    async def place() -> None:
        response = await _order(client, doctor, patient["id"], urgency="URGENT",
                                clinicalIndication="Fever and cough for 10 days; rule out consolidation")
        assert response.status_code == 201, response.text
        placed.update(response.json())

    board = await verify_action(client, open_socket, radiologist, place, "imaging.order.created")
    assert placed["accessionNumber"].startswith("R") and placed["order"]["imagingType"] == "X-RAY"
    assert next(o for o in board.orders if str(o.id) == placed["orderId"]).urgency == "URGENT"
    order_id = placed["orderId"]

    when = (datetime.now(UTC) + timedelta(hours=2)).isoformat()

    async def schedule() -> None:
        response = await client.post(f"/api/imaging/orders/{order_id}/schedule",
                                     json={"scheduledDateTime": when}, headers=radiologist)
        assert response.status_code == 200, response.text

    board = await verify_action(client, open_socket, radiologist, schedule, "imaging.order.updated")
    assert next(o for o in board.orders if str(o.id) == order_id).status == "SCHEDULED"
    past = await client.post(f"/api/imaging/orders/{order_id}/schedule",
                             json={"scheduledDateTime": "2020-01-01T10:00:00+05:30"}, headers=radiologist)
    assert past.status_code == 422

    # The radiographer (role RADIOLOGIST, no doctor registration) performs the study, as themself.
    radiographer_user, radiographer = await new_staff("RADIOLOGIST")
    someone_else = await client.post(f"/api/imaging/orders/{order_id}/procedure",
                                     json={"technicianId": str(await user_id_of(RADIOLOGY))}, headers=radiographer)
    assert someone_else.status_code == 403 and "technicianId" in someone_else.json()["fields"]
    done = await client.post(f"/api/imaging/orders/{order_id}/procedure",
                             json={"technicianId": radiographer_user["id"], "imagesPath": "pacs://study/1.2.840.1"},
                             headers=radiographer)
    assert done.status_code == 200, done.text
    assert done.json()["order"]["status"] == "COMPLETED"
    assert done.json()["order"]["technicianId"] == radiographer_user["id"]

    # Uploads: the declared type must match the bytes.
    liar = await client.post(f"/api/imaging/orders/{order_id}/images", params={"filename": "chest.jpg"},
                             content=PNG, headers={**radiographer, "Content-Type": "image/jpeg"})
    assert liar.status_code == 422 and "image/png" in liar.json()["fields"]["Content-Type"]
    text = await client.post(f"/api/imaging/orders/{order_id}/images", content=b"hello",
                             headers={**radiographer, "Content-Type": "application/dicom"})
    assert text.status_code == 422
    dicom = await client.post(f"/api/imaging/orders/{order_id}/images", params={"filename": "IM0001.dcm"},
                              content=DICOM, headers={**radiographer, "Content-Type": "application/dicom"})
    assert dicom.status_code == 201, dicom.text and dicom.json()["contentType"] == "application/dicom"
    png = await client.post(f"/api/imaging/orders/{order_id}/images", params={"filename": "key image.png"},
                            content=PNG, headers={**radiographer, "Content-Type": "image/png"})
    assert png.status_code == 201

    images = await client.get(f"/api/imaging/orders/{order_id}/images", headers=doctor)
    assert images.status_code == 200, images.text
    body = images.json()
    assert len(body["imageUrls"]) == 2 and body["imagesPath"] == "pacs://study/1.2.840.1"
    async with httpx.AsyncClient(base_url=str(client.base_url), timeout=10) as anonymous:
        fetched = await anonymous.get(body["imageUrls"][0])
        assert fetched.status_code == 200 and fetched.content == DICOM
        assert fetched.headers["content-type"].startswith("application/dicom")
        tampered = await anonymous.get(body["imageUrls"][0][:-1] + ("0" if body["imageUrls"][0][-1] != "0" else "1"))
        assert tampered.status_code == 404
        expired = body["imageUrls"][1].replace("expires=", "expires=1")
        assert (await anonymous.get(expired)).status_code == 404

    # The report: by the signed-in radiologist only.
    refused = await client.post(f"/api/imaging/orders/{order_id}/report", json={"findings": "x"},
                                headers=radiographer)
    assert refused.status_code == 403
    other = await doctor_row_of(DOCTOR2)
    named = await client.post(f"/api/imaging/orders/{order_id}/report",
                              json={"findings": "Clear lungs", "radiologistId": str(other["id"])}, headers=radiologist)
    assert named.status_code == 403 and "radiologistId" in named.json()["fields"]
    doctor_topic = f"user:{await user_id_of(DOCTOR)}"
    before = max([e["seq"] for e in await events_on(doctor_topic)] or [0])

    async def report() -> None:
        response = await client.post(f"/api/imaging/orders/{order_id}/report", json={
            "findings": "Right lower zone consolidation with air bronchograms. No effusion.",
            "impression": "Right lower lobe pneumonia."}, headers=radiologist)
        assert response.status_code == 201, response.text
        assert response.json()["order"]["status"] == "REPORTED"
        assert response.json()["order"]["radiologistName"]

    board = await verify_action(client, open_socket, radiologist, report, "imaging.order.updated")
    assert order_id not in [str(o.id) for o in board.orders]
    ready = await events_on(doctor_topic, after_seq=before, event="imaging.report.ready")
    assert [e["data"]["orderId"] for e in ready] == [order_id]
    shown = (await client.get(f"/api/imaging/orders/{order_id}", headers=doctor)).json()
    assert shown["order"]["impression"] == "Right lower lobe pneumonia." and shown["patient"]["mrn"] == patient["mrn"]


async def test_who_may_order_imaging(client, headers_for, make_patient):
    patient = await patient_of(client, headers_for, make_patient)
    radiologist = await _order(client, await headers_for(RADIOLOGY), patient["id"])
    assert radiologist.status_code == 403
    other = await doctor_row_of(DOCTOR2)
    named = await _order(client, await headers_for(DOCTOR), patient["id"], orderedBy=str(other["id"]))
    assert named.status_code == 403
    unknown = await _order(client, await headers_for(DOCTOR), patient["id"], imagingType="PET-MRI fusion")
    assert unknown.status_code == 422 and "imagingType" in unknown.json()["fields"]
    placed = await _order(client, await headers_for(DOCTOR), patient["id"], imagingType="USG", bodyPart="Abdomen")
    assert placed.status_code == 201 and placed.json()["order"]["imagingType"] == "ULTRASOUND"
    listed = await client.get("/api/imaging/orders", params={"imagingType": "ultrasound"},
                              headers=await headers_for(RADIOLOGY))
    assert placed.json()["orderId"] in [o["id"] for o in listed.json()["orders"]]
    cancelled = await client.post(f"/api/imaging/orders/{placed.json()['orderId']}/cancel",
                                  json={"reason": "Patient discharged"}, headers=await headers_for(DOCTOR))
    assert cancelled.status_code == 200 and cancelled.json()["order"]["status"] == "CANCELLED"
    late = await client.post(f"/api/imaging/orders/{placed.json()['orderId']}/procedure", json={},
                             headers=await headers_for(RADIOLOGY))
    assert late.status_code == 409


async def test_a_made_up_link_or_a_non_ascii_file_name_is_never_a_500(client, headers_for, make_patient):
    """A signature with non-ASCII characters made hmac.compare_digest raise (500); a file name in Polish or Hindi
    was stored but could not be sent back in the Latin-1 Content-Disposition header (the answer broke off)."""
    async with httpx.AsyncClient(base_url=str(client.base_url), timeout=10) as anonymous:
        made_up = await anonymous.get(f"/api/imaging/files/{uuid.uuid4()}",
                                      params={"expires": "17592186044416", "signature": "é" * 64})
        assert made_up.status_code == 422 and set(made_up.json()["fields"]) == {"signature"}
    patient = await patient_of(client, headers_for, make_patient)
    placed = await _order(client, await headers_for(DOCTOR), patient["id"])
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["orderId"]
    radiology = await headers_for(RADIOLOGY)
    uploaded = await client.post(f"/api/imaging/orders/{order_id}/images", params={"filename": "płuca नमस्ते é.png"},
                                 content=PNG, headers={**radiology, "Content-Type": "image/png"})
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["filename"] == "p_uca ______ _.png"
    async with httpx.AsyncClient(base_url=str(client.base_url), timeout=10) as anonymous:
        fetched = await anonymous.get(uploaded.json()["url"])
    assert fetched.status_code == 200 and fetched.content == PNG
    assert 'filename="p_uca ______ _.png"' in fetched.headers["content-disposition"]
