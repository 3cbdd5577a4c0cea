"""/api/imaging: orders by doctors, scheduling, the procedure, uploads, the radiologist's report, signed image URLs.

Routes parse and check input and call one service function in db/imaging.py. The ordering doctor, the
technician and the radiologist are the session's user: a body naming anyone else (orderedBy, technicianId,
radiologistId) is refused with 403. A RADIOLOGIST cannot order imaging (spec section 4: "only confirm").
Images are uploaded as the raw request body (POST /api/imaging/orders/{id}/images?filename=...), checked
against their declared Content-Type by their first bytes (DICOM, JPEG, PNG or PDF), stored through
server/storage.py, and served only through short-lived signed URLs (GET /api/imaging/orders/{id}/images).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from datetime import UTC, date, datetime
from typing import Annotated, Any
from uuid import UUID, uuid4

import msgspec
from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody, QueryParameter
from msgspec import Meta, Struct

from db import imaging as imaging_service
from db.imaging import NewImagingOrder
from domain.actors import Actor
from domain.clock import hospital_day
from domain.errors import ValidationFailed
from domain.imaging import MAX_IMAGE_BYTES, ImagingStatus, ImagingUrgency, check_declared_type
from domain.imaging_events import ImagingWorklistBoard
from domain.policy import PatientView, Permission, patient_view_of
from domain.registration import age_on
from domain.topics import IMAGING
from server.errors import document_errors
from server.patients import PatientOut, shape_patient
from server.security import requires
from server.settings import Settings
from server.storage import Storage, UrlSigner, storage_for
from server.versioning import etag, expected_version

Text1000 = Annotated[str, Meta(max_length=1000)]
_EXTENSIONS = {"application/dicom": "dcm", "image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}


class ImagingOrderIn(Struct, rename="camel", forbid_unknown_fields=True):
    """The spec's {patientId, imagingType, bodyPart, orderedBy, urgency}: orderedBy, if sent, must be you."""

    patient_id: UUID
    imaging_type: Annotated[str, Meta(min_length=1, max_length=100)]
    body_part: Annotated[str, Meta(max_length=100)] | None = None
    urgency: ImagingUrgency = ImagingUrgency.ROUTINE
    ordered_by: UUID | None = None
    consultation_id: UUID | None = None
    admission_id: UUID | None = None
    clinical_indication: Text1000 | None = None


class ScheduleIn(Struct, rename="camel", forbid_unknown_fields=True):
    scheduled_date_time: datetime
    version: int | None = None


class ProcedureIn(Struct, rename="camel", forbid_unknown_fields=True):
    """The spec's {technicianId, imagesPath}: technicianId, if sent, must be you; imagesPath a PACS reference."""

    technician_id: UUID | None = None
    images_path: Annotated[str, Meta(max_length=500)] | None = None
    notes: Text1000 | None = None
    version: int | None = None


class ReportIn(Struct, rename="camel", forbid_unknown_fields=True):
    """The spec's {radiologistId, findings}: radiologistId, if sent, must be you."""

    findings: Annotated[str, Meta(min_length=1, max_length=20_000)]
    impression: Annotated[str, Meta(max_length=5000)] | None = None
    radiologist_id: UUID | None = None
    version: int | None = None


class CancelIn(Struct, rename="camel", forbid_unknown_fields=True):
    reason: Annotated[str, Meta(min_length=1, max_length=1000)]


class PatientBrief(Struct, rename="camel", omit_defaults=True):
    id: UUID
    mrn: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    age: int | None = None
    gender: str | None = None


class ImagingOrderOut(Struct, rename="camel", omit_defaults=True):
    id: UUID
    accession_number: str | None
    patient_id: UUID
    imaging_type: str
    body_part: str | None
    urgency: str
    status: str
    ordered_by: UUID | None
    ordered_by_user_id: UUID | None
    ordered_by_name: str | None
    order_date: datetime
    scheduled_at: datetime | None
    procedure_date: datetime | None
    technician_id: UUID | None
    images_path: str | None
    findings: str | None
    impression: str | None
    report_date: datetime | None
    radiologist_id: UUID | None
    radiologist_name: str | None
    cancelled_reason: str | None
    version: int
    clinical_indication: str | None = None
    consultation_id: UUID | None = None
    ipd_admission_id: UUID | None = None
    patient: PatientBrief | None = None


def order_out(row: dict[str, Any], patient: PatientBrief | None = None) -> ImagingOrderOut:
    values: dict[str, Any] = {f.name: row.get(f.name) for f in msgspec.structs.fields(ImagingOrderOut)
                              if f.name != "patient"}
    return ImagingOrderOut(**values, patient=patient)


def _brief(row: dict[str, Any], view: PatientView) -> PatientBrief | None:
    if view is PatientView.NONE:
        return None
    dob: date = row["date_of_birth"]
    today = hospital_day(datetime.now(UTC))
    return PatientBrief(id=row["patient_id"], mrn=row["mrn"], first_name=row["first_name"],
                        last_name=row["last_name"], age=age_on(dob, today) if dob <= today else 0,
                        gender=row["gender"])


def _view(actor: Actor) -> PatientView:
    return patient_view_of(actor.role) if actor.role else PatientView.NONE


class OrderCreatedOut(Struct, rename="camel"):
    order_id: UUID
    accession_number: str
    order: ImagingOrderOut


class OrderEnvelope(Struct, rename="camel"):
    order: ImagingOrderOut


class OrderDetailOut(Struct, rename="camel"):
    order: ImagingOrderOut
    patient: PatientOut


class OrdersOut(Struct, rename="camel"):
    orders: list[ImagingOrderOut]


def _with_etag(content: Any, version: int, status_code: int = 200) -> Response[Any]:
    return Response(content=content, status_code=status_code, headers={"ETag": etag(version)})


@post("/api/imaging/orders", guards=[requires(Permission.IMAGING_ORDER)], tags=["imaging"], status_code=201,
      summary="Order a study (X-ray, CT, MRI, ultrasound...); it is on the radiology worklist at once")
async def place_order(request: Request[Actor, Any, Any], data: JSONBody[ImagingOrderIn]) -> Response[OrderCreatedOut]:
    order = await imaging_service.place_order(request.user, NewImagingOrder(
        patient_id=data.patient_id, imaging_type=data.imaging_type, body_part=data.body_part, urgency=data.urgency,
        ordered_by=data.ordered_by, consultation_id=data.consultation_id, admission_id=data.admission_id,
        clinical_indication=data.clinical_indication,
    ))
    return _with_etag(OrderCreatedOut(order_id=order["id"], accession_number=order["accession_number"],
                                      order=order_out(order)), order["version"], 201)


@get("/api/imaging/orders", guards=[requires(Permission.IMAGING_ORDERS_READ)], tags=["imaging"],
     summary="Imaging orders by status and modality (a doctor without a patient: the orders they placed)")
async def list_orders(
    request: Request[Actor, Any, Any],
    status: Annotated[ImagingStatus | None, QueryParameter()] = None,
    imaging_type: Annotated[str | None, QueryParameter(name="imagingType", max_length=100)] = None,
    patient_id: Annotated[UUID | None, QueryParameter(name="patientId")] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    offset: Annotated[int, QueryParameter(ge=0, le=100_000)] = 0,
) -> OrdersOut:
    rows = await imaging_service.list_orders(request.user, status=status, imaging_type=imaging_type,
                                             patient_id=patient_id, limit=limit, offset=offset)
    view = _view(request.user)
    return OrdersOut(orders=[order_out(r, _brief(r, view)) for r in rows])


@get("/api/imaging/orders/{order_id:uuid}", guards=[requires(Permission.IMAGING_ORDERS_READ)], tags=["imaging"],
     summary="One imaging order with its patient")
async def get_order(request: Request[Actor, Any, Any], order_id: FromPath[UUID]) -> Response[OrderDetailOut]:
    order, patient = await imaging_service.get_order(request.user, order_id)
    return _with_etag(OrderDetailOut(order=order_out(order), patient=shape_patient(patient, _view(request.user))),
                      order["version"])


@post("/api/imaging/orders/{order_id:uuid}/schedule", guards=[requires(Permission.IMAGING_SCHEDULE)],
      tags=["imaging"], status_code=200, summary="Schedule (or move) the study")
async def schedule(request: Request[Actor, Any, Any], order_id: FromPath[UUID],
                   data: JSONBody[ScheduleIn]) -> Response[OrderEnvelope]:
    order = await imaging_service.schedule(request.user, order_id, data.scheduled_date_time,
                                           expected_version=expected_version(request, data.version))
    return _with_etag(OrderEnvelope(order=order_out(order)), order["version"])


@post("/api/imaging/orders/{order_id:uuid}/procedure", guards=[requires(Permission.IMAGING_PROCEDURE)],
      tags=["imaging"], status_code=200, summary="The study was performed (by you)")
async def procedure(request: Request[Actor, Any, Any], order_id: FromPath[UUID],
                    data: JSONBody[ProcedureIn]) -> Response[OrderEnvelope]:
    order = await imaging_service.record_procedure(
        request.user, order_id, technician_id=data.technician_id, images_path=data.images_path, notes=data.notes,
        expected_version=expected_version(request, data.version),
    )
    return _with_etag(OrderEnvelope(order=order_out(order)), order["version"])


@post("/api/imaging/orders/{order_id:uuid}/report", guards=[requires(Permission.IMAGING_REPORT)], tags=["imaging"],
      status_code=201, summary="Report the study (as the signed-in radiologist); the ordering doctor is told")
async def report(request: Request[Actor, Any, Any], order_id: FromPath[UUID],
                 data: JSONBody[ReportIn]) -> Response[OrderCreatedOut]:
    order = await imaging_service.report(request.user, order_id, radiologist_id=data.radiologist_id,
                                         findings=data.findings, impression=data.impression,
                                         expected_version=expected_version(request, data.version))
    return _with_etag(OrderCreatedOut(order_id=order["id"], accession_number=order["accession_number"],
                                      order=order_out(order)), order["version"], 201)


@post("/api/imaging/orders/{order_id:uuid}/cancel", guards=[requires(Permission.IMAGING_ORDER)], tags=["imaging"],
      status_code=200, summary="Cancel a study not yet performed (its doctor or ADMIN), with the reason")
async def cancel(request: Request[Actor, Any, Any], order_id: FromPath[UUID],
                 data: JSONBody[CancelIn]) -> Response[OrderEnvelope]:
    order = await imaging_service.cancel(request.user, order_id, data.reason)
    return _with_etag(OrderEnvelope(order=order_out(order)), order["version"])


class ImageOut(Struct, rename="camel"):
    id: UUID
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_at: datetime
    url: str
    expires_at: datetime


class ImagesOut(Struct, rename="camel"):
    """The spec's {imageUrls}; each URL is signed and short-lived (SIGNED_URL_SECONDS)."""

    image_urls: list[str]
    images: list[ImageOut]
    images_path: str | None


def _settings(request: Request[Any, Any, Any]) -> Settings:
    config: Settings = request.app.state.settings
    return config


def _image_out(signer: UrlSigner, storage: Storage, row: dict[str, Any]) -> ImageOut:
    # The store's own presigned URL when it has one (S3), else this server's signed route.
    now = time.time()
    url = storage.presigned_url(row["storage_key"], filename=row["filename"], content_type=row["content_type"],
                                lifetime_seconds=signer.lifetime_seconds)
    if url is None:
        url, expires = signer.url(row["id"], now=now)
    else:
        expires = int(now + signer.lifetime_seconds)
    return ImageOut(id=row["id"], filename=row["filename"], content_type=row["content_type"],
                    size_bytes=row["size_bytes"], sha256=row["sha256"], uploaded_at=row["uploaded_at"], url=url,
                    expires_at=datetime.fromtimestamp(expires, UTC))


@post("/api/imaging/orders/{order_id:uuid}/images", guards=[requires(Permission.IMAGING_PROCEDURE)],
      tags=["imaging"], status_code=201, request_max_body_size=MAX_IMAGE_BYTES, raw_body=tuple(_EXTENSIONS),
      summary="Upload one image (DICOM, JPEG, PNG) or document (PDF) as the raw body; the type is checked")
async def upload_image(
    request: Request[Actor, Any, Any], order_id: FromPath[UUID],
    filename: Annotated[str, QueryParameter(min_length=1, max_length=200)] = "image",
) -> ImageOut:
    data = await request.body()
    if not data:
        raise ValidationFailed(fields={"body": "The file is empty"})
    content_type = check_declared_type(request.headers.get("content-type"), data[:512])
    await imaging_service.check_can_upload(order_id)
    file_id = uuid4()
    key = f"imaging/{order_id}/{file_id}.{_EXTENSIONS[content_type]}"
    config = _settings(request)
    storage = storage_for(config)
    await asyncio.to_thread(storage.put, key, data, content_type)
    # ASCII only: the name goes back out in a Content-Disposition header, which is Latin-1.
    safe_name = "".join(ch if (ch.isascii() and ch.isalnum()) or ch in "._- " else "_" for ch in filename)[:200]
    row = await imaging_service.add_file(request.user, order_id, storage_key=key, filename=safe_name,
                                         content_type=content_type, size_bytes=len(data),
                                         sha256=hashlib.sha256(data).hexdigest())
    return _image_out(UrlSigner.for_settings(config), storage, row)


@get("/api/imaging/orders/{order_id:uuid}/images", guards=[requires(Permission.IMAGING_IMAGES_READ)],
     tags=["imaging"], summary="Short-lived signed URLs of the study's images and documents")
async def images(request: Request[Actor, Any, Any], order_id: FromPath[UUID]) -> ImagesOut:
    order, files = await imaging_service.files_of(request.user, order_id)
    config = _settings(request)
    signer, storage = UrlSigner.for_settings(config), storage_for(config)
    out = [_image_out(signer, storage, f) for f in files]
    return ImagesOut(image_urls=[i.url for i in out], images=out, images_path=order["images_path"])


@get("/api/imaging/files/{file_id:uuid}", exclude_from_auth=True, tags=["imaging"],
     summary="A stored image, by a signed URL from GET /api/imaging/orders/{id}/images (no bearer token)")
async def signed_file(
    request: Request[Any, Any, Any], file_id: FromPath[UUID],
    expires: Annotated[int, QueryParameter(ge=0)],
    signature: Annotated[str, QueryParameter(min_length=64, max_length=64, pattern="^[0-9a-f]{64}$")],
) -> Response[bytes]:
    config = _settings(request)
    if not UrlSigner.for_settings(config).valid(file_id, expires, signature):
        # The same answer for a wrong, expired or made-up link: it proves nothing about what exists.
        raise NotFoundException("This link is not valid (or has expired): ask for the images again")
    row = await imaging_service.file_by_id(file_id)
    data = await asyncio.to_thread(storage_for(config).read, row["storage_key"])
    return Response(data, media_type=row["content_type"], headers={
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'inline; filename="{row["filename"]}"',
    })


class ImagingBoardOut(Struct):
    """The imaging topic's snapshot as the socket sends it: subscribe with since {epoch, seq} to go live."""

    topic: str
    epoch: str
    seq: int
    data: ImagingWorklistBoard


@get("/api/imaging/board", guards=[requires(Permission.IMAGING_ORDERS_READ)], tags=["imaging"],
     summary="The radiology worklist (ids and states, no names) with its topic position")
async def imaging_board() -> ImagingBoardOut:
    position, board = await imaging_service.worklist_board()
    return ImagingBoardOut(topic=IMAGING.name, epoch=position.epoch, seq=position.seq, data=board)


ROUTES: list[Any] = document_errors([
    place_order, list_orders, get_order, schedule, procedure, report, cancel, upload_image, images, signed_file,
    imaging_board,
])
