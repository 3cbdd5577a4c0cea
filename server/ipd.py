"""/api/ipd (and the nurse's dashboard and the IPD report): beds and the census, admissions, transfers,
discharge (with its printable summary), cancelling and reverting, observations with NEWS2, daily notes,
inpatient prescriptions and the medication administration record.

Routes parse and check input (msgspec Structs: field errors name the camelCase field), call one service in
db/ipd.py or db/ipd_care.py and shape the answer by role. Who may do what (guards; the services check the
rest, above all which patients are the actor's: a nurse's ward, a doctor's patients, break-the-glass):

- admitting (ipd:admit): doctors under their own name; nurses and ADMIN placing a patient name the doctor;
- transfers (ipd:transfer): doctors and nurses; discharge and reverting one (ipd:discharge): doctors, ADMIN;
- observations and daily notes (ipd:vitals_write, ipd:notes_write): nurses and doctors; reading them is
  ipd:read, which a receptionist does not hold (the census is all the desk sees);
- prescribing (prescriptions:write): a doctor; recording doses (meds:administer): nurses.

Money (estimated cost, the discharge bill's amounts) is shown only to roles with billing:read.
The discharge summary prints as an HTML page for the browser's print dialog, or as a PDF (?format=pdf).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html import escape
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from msgspec import UNSET, Meta, Struct, UnsetType

from db import ipd as ipd_service
from db import ipd_care
from db import opd as opd_service
from domain.actors import Actor
from domain.billing import money
from domain.boards import CensusBoard, WardBoard
from domain.clock import day_bounds_utc, hospital_day, hospital_time, zoned
from domain.dosing import FREQUENCY_LABELS, Frequency
from domain.errors import ValidationFailed
from domain.events import WardOccupant
from domain.inpatient import split_blood_pressure
from domain.ipd import AdministrationStatus, AdmissionStatus, AdmissionType, BedState, Consciousness, DischargeType
from domain.ipd import NoteType as NoteKind
from domain.policy import Permission, allows, patient_view_of
from domain.registration import age_on
from domain.topics import ward_topic
from server.opd import (
    BillOut,
    PrescribeIn,
    PrescriptionItemOut,
    bill_out,
    item_out,
)
from server.patients import PatientOut, shape_patient
from server.printing import PrintFormat, print_page
from server.security import requires
from server.versioning import etag, expected_version

Text200 = Annotated[str, Meta(max_length=200)]
Text500 = Annotated[str, Meta(max_length=500)]
ClinicalText = Annotated[str, Meta(max_length=8000)]
LongText = Annotated[str, Meta(max_length=20000)]
Reason = Annotated[str, Meta(min_length=1, max_length=500)]


def _sees_money(actor: Actor) -> bool:
    return actor.role is not None and allows(actor.role, Permission.BILLING_READ)


def _now() -> datetime:
    return datetime.now(UTC)


def _age(dob: date | None) -> int | None:
    if dob is None:
        return None
    today = hospital_day(_now())
    return age_on(dob, today) if dob <= today else 0


def _name(first: str | None, last: str | None) -> str:
    return " ".join(p for p in (first, last) if p)


# --- Beds, census, ward boards ------------------------------------------------------------------------


class BedStatusIn(Struct, rename="camel", forbid_unknown_fields=True):
    status: Literal["AVAILABLE", "CLEANING", "MAINTENANCE"]
    version: int | None = None
    reason: Annotated[str, msgspec.Meta(max_length=500)] | None = None


class BedOut(Struct, rename="camel", omit_defaults=True):
    id: UUID
    room_id: UUID
    bed_number: str
    status: BedState
    version: int
    updated_at: datetime | None = None
    status_changed_at: datetime | None = None  # when the bed entered `status`
    ward_id: UUID | None = None


def bed_out(row: dict[str, Any]) -> BedOut:
    return BedOut(id=row["id"], room_id=row["room_id"], bed_number=row["bed_number"], status=BedState(row["status"]),
                  version=int(row["version"]), updated_at=row.get("updated_at"),
                  status_changed_at=row.get("status_changed_at"), ward_id=row.get("ward_id"))


class BedEnvelope(Struct, rename="camel"):
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


class AdmissionPlace(Struct, rename="camel", omit_defaults=True):
    id: UUID
    patient_id: UUID
    admission_date: datetime
    admission_type: str
    primary_doctor_id: UUID | None = None
    ward_id: UUID | None = None
    room_id: UUID | None = None
    room_number: str | None = None
    room_type: str | None = None
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
            room_id=a["room_id"], room_number=a["room_number"], room_type=a["room_type"], bed_id=a["bed_id"],
            bed_number=a["bed_number"],
        )
        for a in admissions
    ]
    return CensusOut(**fields, admissions=places)


class WardBoardOut(Struct):
    """The ward topic's snapshot, as the socket sends it: subscribe with since {epoch, seq} to go live."""

    topic: str
    epoch: str
    seq: int
    data: WardBoard


@get("/api/ipd/wards/{ward_id:uuid}/board", guards=[requires(Permission.IPD_READ)], tags=["ipd"],
     summary="A ward's live board: beds, who is in them (by role), vitals, NEWS2, alerts, overdue doses")
async def ward_board(request: Request[Actor, Any, Any], ward_id: FromPath[UUID]) -> WardBoardOut:
    position, board = await ipd_service.ward_board(request.user, ward_id)
    return WardBoardOut(topic=ward_topic(ward_id).name, epoch=position.epoch, seq=position.seq, data=board)


class RoomBedsOut(Struct, rename="camel"):
    beds: list[BedOut]


@get("/api/ipd/rooms/{room_id:uuid}/beds", guards=[requires(Permission.CENSUS_READ)], tags=["ipd"],
     summary="The beds of a room and their states")
async def room_beds(room_id: FromPath[UUID]) -> RoomBedsOut:
    return RoomBedsOut(beds=[bed_out(b) for b in await ipd_service.room_beds(room_id)])


# --- Admissions: the answer shapes --------------------------------------------------------------------


class PersonRef(Struct, rename="camel"):
    id: UUID
    name: str | None


class WardRef(Struct, rename="camel"):
    id: UUID
    code: str
    name: str


class PlaceOut(Struct, rename="camel"):
    ward: WardRef | None
    room_id: UUID | None
    room_number: str | None
    room_type: str | None
    bed_id: UUID | None
    bed_number: str | None


class FollowUpOut(Struct, rename="camel"):
    date: date | None
    notes: str | None


class DischargeOut(Struct, rename="camel"):
    discharge_type: str | None
    discharge_date: datetime | None
    summary: str | None
    advice: str | None
    medications: list[dict[str, Any]]
    follow_up: FollowUpOut
    discharged_by: UUID | None
    summary_url: str


class CancellationOut(Struct, rename="camel"):
    cancelled_at: datetime
    cancelled_by: UUID | None
    reason: str | None


class AdmissionOut(Struct, rename="camel"):
    id: UUID
    patient_id: UUID
    status: str
    admission_type: str
    admission_date: datetime
    discharge_date: datetime | None
    admitted_by: PersonRef
    primary_doctor: PersonRef | None
    place: PlaceOut
    visit_id: UUID | None
    spo2_scale: int
    vitals_due_at: datetime | None
    vitals_overdue: bool
    version: int
    # Clinical: absent for a doctor or nurse to whom the patient is not assigned (in lists).
    reason_for_admission: str | UnsetType = UNSET
    diagnosis: str | UnsetType | None = UNSET
    icd_codes: list[str] | UnsetType = UNSET
    # Money: only for roles with billing:read.
    estimated_cost: Decimal | UnsetType | None = UNSET
    discharge: DischargeOut | None = None
    cancellation: CancellationOut | None = None


def admission_out(row: dict[str, Any], actor: Actor, *, clinical: bool = True) -> AdmissionOut:
    ward = (WardRef(id=row["ward_id"], code=row["ward_code"], name=row["ward_name"])
            if row.get("ward_id") is not None else None)
    out = AdmissionOut(
        id=row["id"], patient_id=row["patient_id"], status=row["status"], admission_type=row["admission_type"],
        admission_date=row["admission_date"], discharge_date=row["discharge_date"],
        admitted_by=PersonRef(id=row["admitted_by"], name=row.get("admitted_by_name")),
        primary_doctor=PersonRef(id=row["primary_doctor_id"], name=row.get("primary_doctor_name"))
        if row["primary_doctor_id"] else None,
        place=PlaceOut(ward=ward, room_id=row.get("place_room_id"), room_number=row.get("room_number"),
                       room_type=row.get("room_type"), bed_id=row["bed_id"], bed_number=row.get("bed_number")),
        visit_id=row["visit_id"], spo2_scale=int(row["spo2_scale"]), vitals_due_at=row["vitals_due_at"],
        vitals_overdue=row["vitals_overdue_at"] is not None, version=int(row["version"]),
    )
    if clinical:
        out.reason_for_admission = row["reason_for_admission"]
        out.diagnosis = row["diagnosis"]
        out.icd_codes = [c.strip() for c in (row["icd_codes"] or "").split(",") if c.strip()]
    if _sees_money(actor):
        out.estimated_cost = row["estimated_cost"]
    if row["discharge_type"] is not None or row["discharge_date"] is not None:
        out.discharge = DischargeOut(
            discharge_type=row["discharge_type"], discharge_date=row["discharge_date"],
            summary=row["discharge_summary"] if clinical else None,
            advice=row["discharge_advice"] if clinical else None,
            medications=row["discharge_medications"] if clinical else [],
            follow_up=FollowUpOut(date=row["follow_up_date"], notes=row["follow_up_notes"]),
            discharged_by=row["discharged_by"], summary_url=f"/api/ipd/admissions/{row['id']}/discharge-summary",
        )
    if row["cancelled_at"] is not None:
        out.cancellation = CancellationOut(cancelled_at=row["cancelled_at"], cancelled_by=row["cancelled_by"],
                                           reason=row["cancel_reason"])
    return out


def _admission_response(body: Any, row: dict[str, Any], status_code: int = 200) -> Response[Any]:
    return Response(body, status_code=status_code, headers={"ETag": etag(int(row["version"]))})


# --- Admit, list, detail ------------------------------------------------------------------------------


class AdmitIn(Struct, rename="camel", forbid_unknown_fields=True):
    """The spec's {patientId, doctorId, reasonForAdmission, admissionType, roomId}; `bedId` picks the bed (else a
    free bed of the room); `doctorId` is the admitting doctor (a doctor admits under their own name: leave it
    out), `primaryDoctorId` the attending doctor if another; `visitId` the OPD or emergency visit admitted from."""

    patient_id: UUID
    reason_for_admission: Annotated[str, Meta(min_length=1, max_length=4000)]
    room_id: UUID | None = None
    bed_id: UUID | None = None
    doctor_id: UUID | None = None
    primary_doctor_id: UUID | None = None
    admission_type: AdmissionType = AdmissionType.ROUTINE
    diagnosis: ClinicalText | None = None
    icd_codes: Annotated[list[Annotated[str, Meta(max_length=10)]], Meta(max_length=10)] = msgspec.field(
        default_factory=list)
    estimated_cost: Decimal | None = None
    visit_id: UUID | None = None


class AdmitOut(Struct, rename="camel"):
    admission_id: UUID
    admission: AdmissionOut


@post("/api/ipd/admissions", guards=[requires(Permission.IPD_ADMIT)], tags=["ipd"], status_code=201,
      summary="Admit a patient to a bed (roomId, optional bedId) in one transaction; 409 if the bed is taken")
async def admit(request: Request[Actor, Any, Any], data: JSONBody[AdmitIn]) -> Response[AdmitOut]:
    row = await ipd_service.admit(request.user, ipd_service.NewAdmission(
        patient_id=data.patient_id, reason=data.reason_for_admission, admission_type=data.admission_type,
        room_id=data.room_id, bed_id=data.bed_id, doctor_id=data.doctor_id, primary_doctor_id=data.primary_doctor_id,
        diagnosis=data.diagnosis, icd_codes=data.icd_codes,
        estimated_cost=None if data.estimated_cost is None else money(data.estimated_cost, "estimatedCost"),
        visit_id=data.visit_id,
    ))
    return _admission_response(AdmitOut(admission_id=row["id"], admission=admission_out(row, request.user)), row, 201)


class PatientSummaryOut(Struct, rename="camel"):
    id: UUID
    mrn: str
    name: str
    age: int | None
    gender: str


class AdmissionListItemOut(Struct, rename="camel"):
    admission: AdmissionOut
    patient: PatientSummaryOut


class AdmissionsOut(Struct, rename="camel"):
    admissions: list[AdmissionListItemOut]
    total: int
    limit: int
    offset: int


@get("/api/ipd/admissions", guards=[requires(Permission.IPD_READ)], tags=["ipd"],
     summary="Admissions, newest first (a nurse sees the active ones of her wards)")
async def list_admissions(
    request: Request[Actor, Any, Any],
    status: Annotated[AdmissionStatus | None, QueryParameter()] = None,
    patient_id: Annotated[UUID | None, QueryParameter(name="patientId")] = None,
    ward_id: Annotated[UUID | None, QueryParameter(name="wardId")] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    offset: Annotated[int, QueryParameter(ge=0, le=100_000)] = 0,
) -> AdmissionsOut:
    rows, total, clinical = await ipd_service.list_admissions(request.user, status=status, patient_id=patient_id,
                                                              ward_id=ward_id, limit=limit, offset=offset)
    items = [AdmissionListItemOut(
        admission=admission_out(r, request.user, clinical=clinical.get(r["patient_id"], False)),
        patient=PatientSummaryOut(id=r["patient_id"], mrn=r["mrn"], name=_name(r["first_name"], r["last_name"]),
                                  age=_age(r["date_of_birth"]), gender=r["gender"]),
    ) for r in rows]
    return AdmissionsOut(admissions=items, total=total, limit=limit, offset=offset)


class BedStayOut(Struct, rename="camel"):
    bed_id: UUID
    bed_number: str
    room_id: UUID
    room_number: str
    room_type: str
    ward_id: UUID
    ward_code: str
    started_at: datetime
    ended_at: datetime | None


class IpdPrescriptionOut(Struct, rename="camel"):
    id: UUID
    prescribed_date: datetime
    doctor_id: UUID
    doctor_name: str | None
    items: list[PrescriptionItemOut]
    print_url: str


class BillRefOut(Struct, rename="camel"):
    id: UUID
    bill_number: str
    bill_type: str
    status: str
    total_amount: Decimal | UnsetType = UNSET
    balance: Decimal | UnsetType = UNSET


class AdmissionDetailOut(Struct, rename="camel"):
    admission: AdmissionOut
    patient: PatientOut
    beds: list[BedStayOut]
    prescriptions: list[IpdPrescriptionOut]
    bills: list[BillRefOut]
    # For a patient in a bed: what the ward board shows (latest vitals, NEWS2, open alerts, overdue doses).
    board: WardOccupant | None


@get("/api/ipd/admissions/{admission_id:uuid}", guards=[requires(Permission.IPD_READ)], tags=["ipd"],
     summary="An admission with its patient, bed history, doctors, discharge, prescriptions and bills")
async def get_admission(request: Request[Actor, Any, Any], admission_id: FromPath[UUID]
                        ) -> Response[AdmissionDetailOut]:
    actor = request.user
    detail = await ipd_service.get_admission(actor, admission_id)
    assert actor.role is not None
    money = _sees_money(actor)
    body = AdmissionDetailOut(
        admission=admission_out(detail.admission, actor),
        patient=shape_patient(detail.patient, patient_view_of(actor.role), detail.allergies),
        beds=[BedStayOut(**{f.name: b[f.name] for f in msgspec.structs.fields(BedStayOut)}) for b in detail.beds],
        prescriptions=[IpdPrescriptionOut(id=p["id"], prescribed_date=p["prescribed_date"], doctor_id=p["doctor_id"],
                                          doctor_name=p["doctor_name"], items=[item_out(i) for i in p["items"]],
                                          print_url=f"/api/opd/prescriptions/{p['id']}/print")
                       for p in detail.prescriptions],
        bills=[BillRefOut(id=b["id"], bill_number=b["bill_number"], bill_type=b["bill_type"], status=b["status"],
                          **({"total_amount": b["total_amount"], "balance": b["balance"]} if money else {}))
               for b in detail.bills],
        board=detail.board,
    )
    return _admission_response(body, detail.admission)


# --- Transfer, discharge, undoing ---------------------------------------------------------------------


class TransferIn(Struct, rename="camel", forbid_unknown_fields=True):
    """The spec's {newRoomId}; `newBedId` picks the bed (else a free bed of the room)."""

    new_room_id: UUID | None = None
    new_bed_id: UUID | None = None
    reason: Text500 | None = None
    version: int | None = None


class UpdatedOut(Struct, rename="camel"):
    updated: bool
    admission: AdmissionOut


@post("/api/ipd/admissions/{admission_id:uuid}/transfer", guards=[requires(Permission.IPD_TRANSFER)], tags=["ipd"],
      status_code=200, summary="Move the patient to another bed (old bed CLEANING, new OCCUPIED) atomically")
async def transfer(request: Request[Actor, Any, Any], admission_id: FromPath[UUID], data: JSONBody[TransferIn]
                   ) -> Response[UpdatedOut]:
    if data.new_room_id is None and data.new_bed_id is None:
        raise ValidationFailed(fields={"newRoomId": "Name the room (and, if you like, the bed) to move to"})
    row = await ipd_service.transfer(request.user, admission_id, new_room_id=data.new_room_id,
                                     new_bed_id=data.new_bed_id, reason=data.reason,
                                     expected_version=expected_version(request, data.version))
    return _admission_response(UpdatedOut(updated=True, admission=admission_out(row, request.user)), row)


class DischargeMedicationIn(Struct, rename="camel", forbid_unknown_fields=True):
    """A medicine to continue at home (free text: it may not be on the hospital's formulary)."""

    name: Annotated[str, Meta(min_length=1, max_length=200)]
    dose: Text200 | None = None
    frequency: Text200 | None = None
    duration: Text200 | None = None
    instructions: Text500 | None = None
    medicine_id: UUID | None = None


class FollowUpIn(Struct, rename="camel", forbid_unknown_fields=True):
    date: date | None = None
    notes: Text500 | None = None


class DischargeIn(Struct, rename="camel", forbid_unknown_fields=True):
    """The spec's {dischargeSummary, dischargeAdvice, medications, followUp}, with how the patient left."""

    discharge_summary: Annotated[str, Meta(min_length=1, max_length=20000)]
    discharge_type: DischargeType = DischargeType.NORMAL
    discharge_advice: LongText | None = None
    medications: Annotated[list[DischargeMedicationIn], Meta(max_length=40)] = msgspec.field(default_factory=list)
    follow_up: FollowUpIn | None = None
    discharged_at: datetime | None = None
    version: int | None = None


class DischargeResultOut(Struct, rename="camel"):
    discharge_id: UUID
    admission: AdmissionOut
    bill: BillOut
    summary_url: str


def _aware(value: datetime | None, name: str) -> datetime | None:
    return None if value is None else zoned(value, name)


@post("/api/ipd/admissions/{admission_id:uuid}/discharge", guards=[requires(Permission.IPD_DISCHARGE)],
      tags=["ipd"], status_code=200,
      summary="Discharge (normal, against medical advice, transferred out, death): bed to CLEANING, draft bill")
async def discharge(request: Request[Actor, Any, Any], admission_id: FromPath[UUID], data: JSONBody[DischargeIn]
                    ) -> Response[DischargeResultOut]:
    follow = data.follow_up or FollowUpIn()
    result = await ipd_service.discharge(request.user, admission_id, ipd_service.Discharge(
        discharge_type=data.discharge_type, summary=data.discharge_summary, advice=data.discharge_advice,
        medications=[msgspec.to_builtins(m) for m in data.medications], follow_up_date=follow.date,
        follow_up_notes=follow.notes, discharged_at=_aware(data.discharged_at, "dischargedAt"),
    ), expected_version=expected_version(request, data.version))
    url = f"/api/ipd/admissions/{admission_id}/discharge-summary"
    body = DischargeResultOut(discharge_id=admission_id, admission=admission_out(result.admission, request.user),
                              bill=bill_out(result.bill, request.user), summary_url=url)
    return _admission_response(body, result.admission)


class CancelIn(Struct, rename="camel", forbid_unknown_fields=True):
    reason: Reason
    bed_status: Literal["AVAILABLE", "CLEANING"] | None = None
    version: int | None = None


@post("/api/ipd/admissions/{admission_id:uuid}/cancel", guards=[requires(Permission.IPD_ADMIT)], tags=["ipd"],
      status_code=200, summary="Cancel an admission entered by mistake (the bed is freed; audited)")
async def cancel_admission(request: Request[Actor, Any, Any], admission_id: FromPath[UUID], data: JSONBody[CancelIn]
                           ) -> Response[UpdatedOut]:
    row = await ipd_service.cancel_admission(
        request.user, admission_id, reason=data.reason,
        bed_status=BedState(data.bed_status) if data.bed_status else None,
        expected_version=expected_version(request, data.version))
    return _admission_response(UpdatedOut(updated=True, admission=admission_out(row, request.user)), row)


class RevertIn(Struct, rename="camel", forbid_unknown_fields=True):
    reason: Reason
    room_id: UUID | None = None
    bed_id: UUID | None = None
    version: int | None = None


@post("/api/ipd/admissions/{admission_id:uuid}/revert-discharge", guards=[requires(Permission.IPD_DISCHARGE)],
      tags=["ipd"], status_code=200,
      summary="Undo a discharge within DISCHARGE_REVERT_HOURS (back to its bed if free; draft bill cancelled)")
async def revert_discharge(request: Request[Actor, Any, Any], admission_id: FromPath[UUID], data: JSONBody[RevertIn]
                           ) -> Response[UpdatedOut]:
    row = await ipd_service.revert_discharge(request.user, admission_id, reason=data.reason, room_id=data.room_id,
                                             bed_id=data.bed_id,
                                             expected_version=expected_version(request, data.version))
    return _admission_response(UpdatedOut(updated=True, admission=admission_out(row, request.user)), row)


class Spo2ScaleIn(Struct, rename="camel", forbid_unknown_fields=True):
    """Scale 2 for a patient with hypercapnic respiratory failure (a doctor's decision), 1 otherwise."""

    scale: Literal[1, 2]
    reason: Reason


@post("/api/ipd/admissions/{admission_id:uuid}/spo2-scale", guards=[requires(Permission.PRESCRIPTIONS_WRITE)],
      tags=["ipd"], status_code=200, summary="A doctor sets the patient's NEWS2 SpO2 scale (2: hypercapnic failure)")
async def set_spo2_scale(request: Request[Actor, Any, Any], admission_id: FromPath[UUID], data: JSONBody[Spo2ScaleIn]
                         ) -> Response[UpdatedOut]:
    row = await ipd_service.set_spo2_scale(request.user, admission_id, scale=data.scale, reason=data.reason)
    return _admission_response(UpdatedOut(updated=True, admission=admission_out(row, request.user)), row)


# --- The discharge summary, to print -------------------------------------------------------------------

_DISCHARGE_WORDS = {
    "NORMAL": "Discharged home", "AGAINST_MEDICAL_ADVICE": "Discharged against medical advice (LAMA)",
    "TRANSFERRED_OUT": "Transferred to another hospital", "DEATH": "Deceased",
}


def _when(value: datetime | None) -> str:
    return hospital_time(value).strftime("%d %b %Y, %H:%M") if value else "-"


def _summary_html(data: dict[str, Any]) -> str:
    detail = data["detail"]
    a, patient, doctor = detail.admission, detail.patient, data["doctor"]
    today: date = data["today"]
    dob: date = patient["date_of_birth"]
    age = age_on(dob, today) if dob <= today else 0
    name = _name(patient["first_name"], patient["last_name"])
    stays = "".join(
        f"<tr><td>{escape(b['ward_code'])}</td><td>{escape(b['room_number'])} ({escape(b['room_type'])})</td>"
        f"<td>{escape(b['bed_number'])}</td><td>{_when(b['started_at'])}</td><td>{_when(b['ended_at'])}</td></tr>"
        for b in detail.beds
    )
    meds = "".join(
        f"<tr><td>{escape(str(m.get('name') or ''))}</td><td>{escape(str(m.get('dose') or ''))}</td>"
        f"<td>{escape(str(m.get('frequency') or ''))}</td><td>{escape(str(m.get('duration') or ''))}</td>"
        f"<td>{escape(str(m.get('instructions') or ''))}</td></tr>"
        for m in a["discharge_medications"]
    )
    allergies = ", ".join(x["allergen"] for x in detail.allergies) or "None recorded"
    codes = a["icd_codes"] or ""
    parts = [
        "<div class=rx><div class=head><div><h2>Discharge summary</h2>"
        f"<div class=muted>Admission {escape(str(a['id']))}</div></div>"
        f"<div style='text-align:right'>{escape(_DISCHARGE_WORDS.get(a['discharge_type'] or '', a['status']))}"
        f"<div class=muted>{_when(a['discharge_date'])}</div></div></div>",
        f"<div><b>{escape(name)}</b>, {age} y, {escape(patient['gender'])} &middot; {escape(patient['mrn'])}</div>",
        f"<div class=muted>Allergies: {escape(allergies)}</div>",
        f"<p><b>Admitted:</b> {_when(a['admission_date'])} ({escape(a['admission_type'])}) &middot; "
        f"<b>Discharged:</b> {_when(a['discharge_date'])}</p>",
        f"<p><b>Reason for admission:</b> {escape(a['reason_for_admission'] or '')}</p>",
        f"<p><b>Diagnosis:</b> {escape(a['diagnosis'] or '-')}"
        + (f" <span class=muted>(ICD-10: {escape(codes)})</span>" if codes else "") + "</p>",
        "<h3>Stay</h3><table><tr><th>Ward</th><th>Room</th><th>Bed</th><th>From</th><th>To</th></tr>"
        f"{stays}</table>",
        f"<h3>Summary</h3><p style='white-space:pre-wrap'>{escape(a['discharge_summary'] or '')}</p>",
    ]
    if meds:
        parts.append("<h3>Medications</h3><table><tr><th>Medicine</th><th>Dose</th><th>Frequency</th>"
                     f"<th>Duration</th><th>Instructions</th></tr>{meds}</table>")
    if a["discharge_advice"]:
        parts.append(f"<h3>Advice</h3><p style='white-space:pre-wrap'>{escape(a['discharge_advice'])}</p>")
    if a["follow_up_date"] or a["follow_up_notes"]:
        when = a["follow_up_date"].strftime("%d %b %Y") if a["follow_up_date"] else ""
        parts.append(f"<p><b>Follow-up:</b> {escape(when)} {escape(a['follow_up_notes'] or '')}</p>")
    if doctor is not None:
        parts.append(f"<div class=sign>Dr {escape(doctor['name'] or '')}<div class=muted>"
                     f"{escape(doctor['qualification'] or '')} &middot; Reg. No. "
                     f"{escape(doctor['registration_number'] or '-')}, {escape(doctor['registration_council'] or '-')}"
                     "</div></div>")
    parts.append("</div>")
    return "".join(parts)


@get("/api/ipd/admissions/{admission_id:uuid}/discharge-summary", guards=[requires(Permission.IPD_READ)],
     tags=["ipd"], summary="The discharge summary to print (HTML for the browser's print dialog, or ?format=pdf)")
async def discharge_summary(
    request: Request[Actor, Any, Any], admission_id: FromPath[UUID],
    fmt: Annotated[PrintFormat, QueryParameter(name="format")] = "html",
) -> Response[bytes]:
    data = await ipd_service.discharge_summary_for_print(request.user, admission_id)
    return print_page(_summary_html(data), "Discharge summary", fmt, filename=f"discharge-summary-{admission_id}")


# --- Observations ------------------------------------------------------------------------------------


class VitalSignsIn(Struct, rename="camel", forbid_unknown_fields=True):
    """One set of observations: temperature in °C, rates per minute, pressures in mmHg, SpO2 in %, on oxygen or
    air, consciousness on the ACVPU scale, pain 0-10. A complete set is scored with NEWS2."""

    temperature: Decimal | None = None
    heart_rate: int | None = None
    respiratory_rate: int | None = None
    blood_pressure_systolic: int | None = None
    blood_pressure_diastolic: int | None = None
    oxygen_saturation: int | None = None
    on_oxygen: bool | None = None
    consciousness: Consciousness | None = None
    pain_score: int | None = None
    recorded_at: datetime | None = None


class News2Out(Struct, rename="camel"):
    score: int
    band: str
    sub_scores: dict[str, int]
    response: str
    monitoring: str
    spo2_scale: int


class ErrorMarkOut(Struct, rename="camel"):
    marked_at: datetime
    marked_by: UUID | None
    reason: str | None


class VitalSignOut(Struct, rename="camel"):
    id: UUID
    admission_id: UUID
    recorded_at: datetime
    temperature: Decimal | None
    heart_rate: int | None
    respiratory_rate: int | None
    blood_pressure_systolic: int | None
    blood_pressure_diastolic: int | None
    oxygen_saturation: int | None
    on_oxygen: bool | None
    consciousness: str | None
    pain_score: int | None
    # None for an incomplete set (never a partial score); `missing` names what NEWS2 still needs.
    news2: News2Out | None
    missing: list[str]
    next_due_at: datetime | None
    recorded_by: PersonRef
    # Entered in error: kept and shown struck through, out of the score and the trend.
    entered_in_error: ErrorMarkOut | None
    counts_in_trend: bool


def vital_out(row: dict[str, Any]) -> VitalSignOut:
    news = row["news2_detail"]
    in_error = row["entered_in_error_at"] is not None
    return VitalSignOut(
        id=row["id"], admission_id=row["admission_id"], recorded_at=row["recorded_at"],
        temperature=row["temperature"], heart_rate=row["heart_rate"], respiratory_rate=row["respiratory_rate"],
        blood_pressure_systolic=row["blood_pressure_systolic"],
        blood_pressure_diastolic=row["blood_pressure_diastolic"], oxygen_saturation=row["oxygen_saturation"],
        on_oxygen=row["on_oxygen"], consciousness=row["consciousness"], pain_score=row["pain_score"],
        news2=None if news is None or row["news2_score"] is None else News2Out(
            score=int(row["news2_score"]), band=row["news2_band"], sub_scores=news.sub_scores.as_dict(),
            response=news.response, monitoring=news.monitoring.value, spo2_scale=int(row["spo2_scale"])),
        missing=list(row["missing"]), next_due_at=row["next_due_at"],
        recorded_by=PersonRef(id=row["recorded_by"], name=row["recorded_by_name"]),
        entered_in_error=ErrorMarkOut(marked_at=row["entered_in_error_at"], marked_by=row["entered_in_error_by"],
                                      reason=row["entered_in_error_reason"]) if in_error else None,
        counts_in_trend=not in_error,
    )


class VitalSignEnvelope(Struct, rename="camel"):
    vital_sign: VitalSignOut


@post("/api/ipd/admissions/{admission_id:uuid}/vital-signs", guards=[requires(Permission.IPD_VITALS_WRITE)],
      tags=["ipd"], status_code=201,
      summary="Chart observations: NEWS2 {score, band} when complete; impossible values are field errors")
async def record_vital_signs(request: Request[Actor, Any, Any], admission_id: FromPath[UUID],
                             data: JSONBody[VitalSignsIn]) -> VitalSignEnvelope:
    row = await ipd_care.record_vitals(request.user, admission_id, ipd_care.VitalsIn(
        temperature=data.temperature, heart_rate=data.heart_rate, respiratory_rate=data.respiratory_rate,
        systolic=data.blood_pressure_systolic, diastolic=data.blood_pressure_diastolic, spo2=data.oxygen_saturation,
        on_oxygen=data.on_oxygen, consciousness=data.consciousness, pain_score=data.pain_score,
        recorded_at=_aware(data.recorded_at, "recordedAt"),
    ))
    return VitalSignEnvelope(vital_sign=vital_out(row))


class VitalSignsOut(Struct, rename="camel"):
    vital_signs: list[VitalSignOut]
    days: int


@get("/api/ipd/admissions/{admission_id:uuid}/vital-signs", guards=[requires(Permission.IPD_READ)], tags=["ipd"],
     summary="The observations of the last `days` days as a time series (oldest first)")
async def vital_signs(request: Request[Actor, Any, Any], admission_id: FromPath[UUID],
                      days: Annotated[int, QueryParameter(ge=1, le=90)] = 3) -> VitalSignsOut:
    rows = await ipd_care.vital_signs(request.user, admission_id, days=days)
    return VitalSignsOut(vital_signs=[vital_out(r) for r in rows], days=days)


class MarkInErrorIn(Struct, rename="camel", forbid_unknown_fields=True):
    reason: Reason


@post("/api/ipd/admissions/{admission_id:uuid}/vital-signs/{observation_id:uuid}/entered-in-error",
      guards=[requires(Permission.IPD_VITALS_WRITE)], tags=["ipd"], status_code=200,
      summary="Mark observations entered in error (kept, struck through, out of score and trend)")
async def mark_vitals_in_error(request: Request[Actor, Any, Any], admission_id: FromPath[UUID],
                               observation_id: FromPath[UUID], data: JSONBody[MarkInErrorIn]) -> VitalSignEnvelope:
    row = await ipd_care.mark_vitals_in_error(request.user, admission_id, observation_id, data.reason)
    return VitalSignEnvelope(vital_sign=vital_out(row))


# --- Daily notes ------------------------------------------------------------------------------------


class DailyNoteIn(Struct, rename="camel", forbid_unknown_fields=True):
    """The spec's {noteType, temperature, heartRate, bp, observations, plan}: `bp` as "120/80" (or the two
    pressures), plus the note's status text; onOxygen and consciousness complete a set for NEWS2."""

    note_type: NoteKind
    note_date: date | None = None
    temperature: Decimal | None = None
    heart_rate: int | None = None
    bp: Annotated[str, Meta(max_length=20)] | None = None
    blood_pressure_systolic: int | None = None
    blood_pressure_diastolic: int | None = None
    respiratory_rate: int | None = None
    oxygen_saturation: int | None = None
    on_oxygen: bool | None = None
    consciousness: Consciousness | None = None
    observations: ClinicalText | None = None
    status: ClinicalText | None = None
    plan: ClinicalText | None = None


class DailyNoteOut(Struct, rename="camel"):
    id: UUID
    admission_id: UUID
    note_date: date
    note_type: str
    temperature: Decimal | None
    heart_rate: int | None
    blood_pressure_systolic: int | None
    blood_pressure_diastolic: int | None
    respiratory_rate: int | None
    oxygen_saturation: int | None
    on_oxygen: bool | None
    consciousness: str | None
    news2: dict[str, Any] | None
    missing: list[str]
    observations: str | None
    status: str | None
    plan: str | None
    entered_by: PersonRef
    entered_by_role: str | None
    created_at: datetime


def note_out(row: dict[str, Any]) -> DailyNoteOut:
    return DailyNoteOut(
        id=row["id"], admission_id=row["admission_id"], note_date=row["note_date"], note_type=row["note_type"],
        temperature=row["temperature"], heart_rate=row["heart_rate"],
        blood_pressure_systolic=row["blood_pressure_systolic"],
        blood_pressure_diastolic=row["blood_pressure_diastolic"], respiratory_rate=row["respiratory_rate"],
        oxygen_saturation=row["oxygen_saturation"], on_oxygen=row["on_oxygen"], consciousness=row["consciousness"],
        news2={"score": row["news2_score"], "band": row["news2_band"]} if row["news2_score"] is not None else None,
        missing=list(row["missing"]), observations=row["observations"], status=row["status"], plan=row["plan"],
        entered_by=PersonRef(id=row["entered_by"], name=row["entered_by_name"]),
        entered_by_role=row["entered_by_role"], created_at=row["created_at"],
    )


class DailyNoteCreated(Struct, rename="camel"):
    note_id: UUID
    note: DailyNoteOut


@post("/api/ipd/admissions/{admission_id:uuid}/daily-notes", guards=[requires(Permission.IPD_NOTES_WRITE)],
      tags=["ipd"], status_code=201, summary="A doctor's note, nurse's note or care plan (vitals scored when complete)")
async def add_daily_note(request: Request[Actor, Any, Any], admission_id: FromPath[UUID],
                         data: JSONBody[DailyNoteIn]) -> DailyNoteCreated:
    systolic, diastolic = data.blood_pressure_systolic, data.blood_pressure_diastolic
    if data.bp is not None:
        if systolic is not None or diastolic is not None:
            raise ValidationFailed(fields={"bp": "give bp or the two pressures, not both"})
        systolic, diastolic = split_blood_pressure(data.bp)
    row = await ipd_care.add_daily_note(request.user, admission_id, ipd_care.NoteIn(
        note_type=data.note_type, note_date=data.note_date, temperature=data.temperature, heart_rate=data.heart_rate,
        systolic=systolic, diastolic=diastolic, respiratory_rate=data.respiratory_rate, spo2=data.oxygen_saturation,
        on_oxygen=data.on_oxygen, consciousness=data.consciousness, observations=data.observations,
        status=data.status, plan=data.plan,
    ))
    return DailyNoteCreated(note_id=row["id"], note=note_out(row))


class DailyNotesOut(Struct, rename="camel"):
    notes: list[DailyNoteOut]


@get("/api/ipd/admissions/{admission_id:uuid}/daily-notes", guards=[requires(Permission.IPD_READ)], tags=["ipd"],
     summary="The stay's daily notes (optionally the last `days` days), oldest first")
async def daily_notes(request: Request[Actor, Any, Any], admission_id: FromPath[UUID],
                      days: Annotated[int | None, QueryParameter(ge=1, le=365)] = None) -> DailyNotesOut:
    rows = await ipd_care.daily_notes(request.user, admission_id, days=days)
    return DailyNotesOut(notes=[note_out(r) for r in rows])


# --- Prescriptions and the medication administration record -----------------------------------------


class DoseScheduleOut(Struct, rename="camel"):
    prescription_item_id: UUID
    doses: int
    first_dose_at: datetime | None
    as_needed: bool


class IpdPrescribeOut(Struct, rename="camel"):
    prescription_id: UUID
    prescription: IpdPrescriptionOut
    schedule: list[DoseScheduleOut]


@post("/api/ipd/admissions/{admission_id:uuid}/prescribe", guards=[requires(Permission.PRESCRIPTIONS_WRITE)],
      tags=["ipd"], status_code=201,
      summary="Prescribe for an inpatient; each medicine's frequency and duration become scheduled doses")
async def prescribe(request: Request[Actor, Any, Any], admission_id: FromPath[UUID], data: JSONBody[PrescribeIn]
                    ) -> IpdPrescribeOut:
    lines = [opd_service.PrescriptionLine(
        medicine_id=m.medicine_id, dose=m.dose, frequency=m.frequency, duration_days=m.duration,
        dose_unit=m.dose_unit, instructions=m.instructions, override_reason=m.override_reason,
    ) for m in data.medicines]
    result = await ipd_care.prescribe(request.user, admission_id, lines)
    head = result["prescription"]
    return IpdPrescribeOut(
        prescription_id=head["id"],
        prescription=IpdPrescriptionOut(id=head["id"], prescribed_date=head["prescribed_date"],
                                        doctor_id=head["doctor_id"], doctor_name=None,
                                        items=[item_out(i) for i in result["items"]],
                                        print_url=f"/api/opd/prescriptions/{head['id']}/print"),
        schedule=[DoseScheduleOut(**s) for s in result["schedule"]],
    )


class DoseOut(Struct, rename="camel"):
    id: UUID
    admission_id: UUID
    prescription_item_id: UUID | None
    medicine: str | None
    dose: Decimal | None
    dose_unit: str | None
    frequency: str | None
    frequency_label: str | None
    instructions: str | None
    scheduled_at: datetime
    status: str
    # For a dose not yet recorded: UPCOMING, DUE (from 30 min before) or OVERDUE (30 min after its time).
    timing: str | None
    administered_at: datetime | None
    administered_by: PersonRef | None
    reason: str | None
    on_ward_board_as_overdue: bool
    version: int


def dose_out(row: dict[str, Any]) -> DoseOut:
    try:
        label = FREQUENCY_LABELS[Frequency(row["frequency"])] if row["frequency"] else None
    except ValueError:
        label = row["frequency"]
    return DoseOut(
        id=row["id"], admission_id=row["admission_id"], prescription_item_id=row["prescription_item_id"],
        medicine=row["medicine"], dose=row["dose_quantity"], dose_unit=row["dose_unit"], frequency=row["frequency"],
        frequency_label=label, instructions=row.get("instructions"), scheduled_at=row["scheduled_at"],
        status=row["status"], timing=row["timing"], administered_at=row["administered_at"],
        administered_by=PersonRef(id=row["administered_by"], name=row.get("administered_by_name"))
        if row["administered_by"] else None,
        reason=row["notes"], on_ward_board_as_overdue=row["overdue_at"] is not None and row["status"] == "SCHEDULED",
        version=int(row["version"]),
    )


class MedicationChartOut(Struct, rename="camel"):
    doses: list[DoseOut]
    start: datetime
    end: datetime


@get("/api/ipd/admissions/{admission_id:uuid}/medication-chart",
     guards=[requires(Permission.MEDS_ADMINISTRATION_READ)], tags=["ipd"],
     summary="The medication administration record: scheduled, given, held and refused doses (default today)")
async def medication_chart(
    request: Request[Actor, Any, Any], admission_id: FromPath[UUID],
    start: Annotated[datetime | None, QueryParameter()] = None,
    end: Annotated[datetime | None, QueryParameter()] = None,
) -> MedicationChartOut:
    if start is None or end is None:
        day_start, day_end = day_bounds_utc(hospital_day(_now()))
        start, end = start or day_start, end or day_end
    start, end = _aware(start, "start"), _aware(end, "end")
    assert start is not None and end is not None
    if not start < end <= start + timedelta(days=31):
        raise ValidationFailed(fields={"end": "must be after start, at most 31 days later"})
    rows = await ipd_care.medication_chart(request.user, admission_id, start=start, end=end)
    return MedicationChartOut(doses=[dose_out(r) for r in rows], start=start, end=end)


class RecordDoseIn(Struct, rename="camel", forbid_unknown_fields=True):
    status: Literal["GIVEN", "HELD", "REFUSED"]
    administered_at: datetime | None = None
    reason: Text500 | None = None
    version: int | None = None


class DoseEnvelope(Struct, rename="camel"):
    dose: DoseOut


@post("/api/ipd/doses/{dose_id:uuid}", guards=[requires(Permission.MEDS_ADMINISTER)], tags=["ipd"],
      status_code=200, summary="Record a scheduled dose as GIVEN, HELD or REFUSED (held and refused say why)")
async def record_dose(request: Request[Actor, Any, Any], dose_id: FromPath[UUID], data: JSONBody[RecordDoseIn]
                      ) -> DoseEnvelope:
    row = await ipd_care.record_dose(request.user, dose_id, status=AdministrationStatus(data.status),
                                     administered_at=_aware(data.administered_at, "administeredAt"),
                                     reason=data.reason, expected_version=expected_version(request, data.version))
    return DoseEnvelope(dose=dose_out(row))


class PrnDoseIn(Struct, rename="camel", forbid_unknown_fields=True):
    prescription_item_id: UUID
    status: Literal["GIVEN", "HELD", "REFUSED"] = "GIVEN"
    administered_at: datetime | None = None
    reason: Text500 | None = None


@post("/api/ipd/admissions/{admission_id:uuid}/prn-doses", guards=[requires(Permission.MEDS_ADMINISTER)],
      tags=["ipd"], status_code=201, summary="Record an as-needed (SOS/PRN) dose given when the patient needed it")
async def record_prn_dose(request: Request[Actor, Any, Any], admission_id: FromPath[UUID], data: JSONBody[PrnDoseIn]
                          ) -> DoseEnvelope:
    row = await ipd_care.record_prn_dose(request.user, admission_id, prescription_item_id=data.prescription_item_id,
                                         status=AdministrationStatus(data.status),
                                         administered_at=_aware(data.administered_at, "administeredAt"),
                                         reason=data.reason)
    return DoseEnvelope(dose=dose_out(row))


# --- Lab orders ---------------------------------------------------------------------------------------


class LabOrderOut(Struct, rename="camel"):
    id: UUID
    accession_number: str | None
    test_code: str | None
    test_name: str
    test_category: str | None
    urgency: str | None
    status: str
    order_date: datetime
    sample_collected_date: datetime | None
    released_at: datetime | None
    is_abnormal: bool
    has_critical: bool
    for_this_admission: bool
    report_url: str


class LabOrdersOut(Struct, rename="camel"):
    lab_orders: list[LabOrderOut]


@get("/api/ipd/admissions/{admission_id:uuid}/lab-orders", guards=[requires(Permission.IPD_READ)], tags=["ipd"],
     summary="The stay's lab orders (placed for it, or for the patient during it)")
async def lab_orders(request: Request[Actor, Any, Any], admission_id: FromPath[UUID]) -> LabOrdersOut:
    rows = await ipd_service.lab_orders(request.user, admission_id)
    return LabOrdersOut(lab_orders=[LabOrderOut(
        id=r["id"], accession_number=r["accession_number"], test_code=r["test_code"], test_name=r["test_name"],
        test_category=r["test_category"], urgency=r["urgency"], status=r["status"], order_date=r["order_date"],
        sample_collected_date=r["sample_collected_date"], released_at=r["released_at"],
        is_abnormal=bool(r["is_abnormal"]), has_critical=bool(r["has_critical"]),
        for_this_admission=r["ipd_admission_id"] == admission_id, report_url=f"/api/lab/orders/{r['id']}/report",
    ) for r in rows])


# --- The nurse's dashboard -----------------------------------------------------------------------------


class NursePatientOut(Struct, rename="camel"):
    admission_id: UUID
    patient: PatientSummaryOut
    ward: WardRef
    room_number: str
    bed_id: UUID
    bed_number: str
    admission_date: datetime
    admission_type: str
    reason_for_admission: str
    diagnosis: str | None
    spo2_scale: int
    board: WardOccupant | None
    due_doses: list[DoseOut]


class NursePatientsOut(Struct, rename="camel"):
    assigned_patients: list[NursePatientOut]


@get("/api/dashboard/nurse/my-patients", guards=[requires(Permission.DASHBOARD_NURSE)], tags=["dashboard"],
     summary="The nurse's patients: latest vitals, NEWS2, open alerts, doses due now")
async def nurse_my_patients(request: Request[Actor, Any, Any],
                            ward_id: Annotated[UUID | None, QueryParameter(name="wardId")] = None
                            ) -> NursePatientsOut:
    rows = await ipd_care.nurse_patients(request.user, ward_id=ward_id)
    return NursePatientsOut(assigned_patients=[NursePatientOut(
        admission_id=r["id"],
        patient=PatientSummaryOut(id=r["patient_id"], mrn=r["mrn"], name=_name(r["first_name"], r["last_name"]),
                                  age=_age(r["date_of_birth"]), gender=r["gender"]),
        ward=WardRef(id=r["ward_id"], code=r["ward_code"], name=r["ward_name"]), room_number=r["room_number"],
        bed_id=r["bed_id"], bed_number=r["bed_number"], admission_date=r["admission_date"],
        admission_type=r["admission_type"], reason_for_admission=r["reason_for_admission"],
        diagnosis=r["diagnosis"], spo2_scale=int(r["spo2_scale"]), board=r["occupant"],
        due_doses=[dose_out(d) for d in r["due_doses"]],
    ) for r in rows])


# --- The IPD report -----------------------------------------------------------------------------------


class DayOccupancyOut(Struct, rename="camel"):
    date: date
    occupied_beds: int
    rate: float | None
    total_beds: int | UnsetType = UNSET


class WardOccupancyOut(Struct, rename="camel"):
    ward_id: UUID
    code: str
    name: str
    total_beds: int
    admissions: int
    discharges: int
    average_length_of_stay_days: float | None
    average_occupied_beds: float
    occupancy_rate: float | None
    by_day: list[DayOccupancyOut]


class OccupancyOut(Struct, rename="camel"):
    average_rate: float | None
    by_day: list[DayOccupancyOut]
    by_ward: list[WardOccupancyOut]


class IpdSummaryOut(Struct, rename="camel"):
    """The spec's {admissions, discharges, averageLOS, occupancy}, with discharges by type and readmissions."""

    start_date: date
    end_date: date
    admissions: int
    discharges: int
    discharges_by_type: dict[str, int]
    deaths: int
    average_los: float | None
    readmissions_within_30_days: int
    occupancy: OccupancyOut


@get("/api/reports/ipd-summary", guards=[requires(Permission.REPORTS_CLINICAL)], tags=["reports"],
     summary="Admissions, discharges, average length of stay, occupancy per day and per ward")
async def ipd_summary(
    request: Request[Actor, Any, Any],
    start_date: Annotated[date | None, QueryParameter(name="startDate")] = None,
    end_date: Annotated[date | None, QueryParameter(name="endDate")] = None,
) -> IpdSummaryOut:
    today = hospital_day(_now())
    end = end_date or today
    start = start_date or end - timedelta(days=29)
    r = await ipd_care.ipd_summary(request.user, start, end)
    occupancy = r["occupancy"]
    return IpdSummaryOut(
        start_date=r["start_date"], end_date=r["end_date"], admissions=r["admissions"], discharges=r["discharges"],
        discharges_by_type=r["discharges_by_type"], deaths=r["deaths"], average_los=r["average_length_of_stay_days"],
        readmissions_within_30_days=r["readmissions_within_30_days"],
        occupancy=OccupancyOut(
            average_rate=occupancy["average_rate"],
            by_day=[DayOccupancyOut(date=d["date"], occupied_beds=d["occupied_beds"], rate=d["rate"],
                                    total_beds=d["total_beds"]) for d in occupancy["by_day"]],
            by_ward=[WardOccupancyOut(
                ward_id=w["ward_id"], code=w["code"], name=w["name"], total_beds=w["total_beds"],
                admissions=w["admissions"], discharges=w["discharges"],
                average_length_of_stay_days=w["average_length_of_stay_days"],
                average_occupied_beds=w["average_occupied_beds"], occupancy_rate=w["occupancy_rate"],
                by_day=[DayOccupancyOut(date=d["date"], occupied_beds=d["occupied_beds"], rate=d["rate"])
                        for d in w["by_day"]],
            ) for w in occupancy["by_ward"]],
        ),
    )


ROUTES: list[Any] = [
    set_bed_status, census, ward_board, room_beds,
    admit, list_admissions, get_admission, transfer, discharge, discharge_summary, cancel_admission,
    revert_discharge, set_spo2_scale,
    record_vital_signs, vital_signs, mark_vitals_in_error, add_daily_note, daily_notes,
    prescribe, medication_chart, record_dose, record_prn_dose, lab_orders,
    nurse_my_patients, ipd_summary,
]
