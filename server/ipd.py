"""/api/ipd: bed housekeeping, the census, ward boards and a room's beds.

Routes parse and check input, call one service in db/ipd.py and shape the answer. A bed change is also
an event on its ward's topic and on the census (see docs/realtime.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath, JSONBody

from db import ipd as ipd_service
from domain.actors import Actor
from domain.boards import CensusBoard, WardBoard
from domain.ipd import BedState
from domain.policy import Permission
from domain.topics import ward_topic
from server.security import requires
from server.versioning import etag, expected_version


class BedStatusIn(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    status: Literal["AVAILABLE", "CLEANING", "MAINTENANCE"]
    version: int | None = None
    reason: Annotated[str, msgspec.Meta(max_length=500)] | None = None


class BedOut(msgspec.Struct, rename="camel", omit_defaults=True):
    id: UUID
    room_id: UUID
    bed_number: str
    status: BedState
    version: int
    updated_at: datetime | None = None
    ward_id: UUID | None = None


def bed_out(row: dict[str, Any]) -> BedOut:
    return BedOut(id=row["id"], room_id=row["room_id"], bed_number=row["bed_number"], status=BedState(row["status"]),
                  version=int(row["version"]), updated_at=row.get("updated_at"), ward_id=row.get("ward_id"))


class BedEnvelope(msgspec.Struct, rename="camel"):
    bed: BedOut


@post("/api/ipd/beds/{bed_id:uuid}/status", guards=[requires(Permission.BEDS_HOUSEKEEPING)], tags=["ipd"],
      status_code=200, summary="Mark a bed cleaned (AVAILABLE), CLEANING or under MAINTENANCE")
async def set_bed_status(
    request: Request[Actor, Any, Any], bed_id: FromPath[UUID], data: JSONBody[BedStatusIn]
) -> Response[BedEnvelope]:
    bed = await ipd_service.set_bed_status(
        request.user, bed_id, status=BedState(data.status), expected_version=expected_version(request, data.version),
        reason=data.reason,
    )
    return Response(BedEnvelope(bed=bed_out(bed)), headers={"ETag": etag(int(bed["version"]))})


class AdmissionPlace(msgspec.Struct, rename="camel", omit_defaults=True):
    id: UUID
    patient_id: UUID
    admission_date: datetime
    admission_type: str
    primary_doctor_id: UUID | None = None
    ward_id: UUID | None = None
    room_id: UUID | None = None
    room_number: str | None = None
    bed_id: UUID | None = None
    bed_number: str | None = None


class CensusOut(CensusBoard, kw_only=True, frozen=True):
    """The spec's {totalBeds, occupiedBeds, available, admissions} with counts by ward and room type."""

    admissions: list[AdmissionPlace] = msgspec.field(default_factory=list)


@get("/api/ipd/census", guards=[requires(Permission.CENSUS_READ)], tags=["ipd"],
     summary="Bed counts by ward and room type, and current admissions (no patient names)")
async def census(request: Request[Actor, Any, Any]) -> CensusOut:
    counts, admissions = await ipd_service.census(request.user)
    fields = {f.name: getattr(counts, f.name) for f in msgspec.structs.fields(CensusBoard)}
    places = [
        AdmissionPlace(
            id=a["id"], patient_id=a["patient_id"], admission_date=a["admission_date"],
            admission_type=a["admission_type"], primary_doctor_id=a["primary_doctor_id"], ward_id=a["ward_id"],
            room_id=a["room_id"], room_number=a["room_number"], bed_id=a["bed_id"], bed_number=a["bed_number"],
        )
        for a in admissions
    ]
    return CensusOut(**fields, admissions=places)


class WardBoardOut(msgspec.Struct):
    """The ward topic's snapshot, as the socket sends it: subscribe with since {epoch, seq} to go live."""

    topic: str
    epoch: str
    seq: int
    data: WardBoard


@get("/api/ipd/wards/{ward_id:uuid}/board", guards=[requires(Permission.IPD_READ)], tags=["ipd"],
     summary="A ward's live board: rooms, beds, who is in them (by role), with its topic position")
async def ward_board(request: Request[Actor, Any, Any], ward_id: FromPath[UUID]) -> WardBoardOut:
    position, board = await ipd_service.ward_board(request.user, ward_id)
    return WardBoardOut(topic=ward_topic(ward_id).name, epoch=position.epoch, seq=position.seq, data=board)


class RoomBedsOut(msgspec.Struct, rename="camel"):
    beds: list[BedOut]


@get("/api/ipd/rooms/{room_id:uuid}/beds", guards=[requires(Permission.CENSUS_READ)], tags=["ipd"],
     summary="The beds of a room and their states")
async def room_beds(room_id: FromPath[UUID]) -> RoomBedsOut:
    return RoomBedsOut(beds=[bed_out(b) for b in await ipd_service.room_beds(room_id)])


ROUTES: list[Any] = [set_bed_status, census, ward_board, room_beds]
