"""/api/opd (and the OPD dashboards and report): appointments, check-in and tokens, the called queue, triage,
consultations, prescriptions, completion, schedules, print views.

Routes parse and check input (msgspec Structs: field errors name the camelCase field), call one service in
db/opd.py and shape the answer by role. Who may do what (guards; the service checks the rest):

- the desk (RECEPTIONIST, ADMIN: opd:check_in) checks in, prints slips, cancels a check-in, moves a patient
  to another doctor; books, reschedules and cancels appointments (appointments:manage);
- doctors (opd:consult) call next, recall, skip, mark no-show, write consultations, complete them; only
  a doctor writes a consultation, and only the consultation's doctor prescribes on it (prescriptions:write);
  the acting doctor is always the one signed in; ADMIN may work a doctor's queue by naming `doctorId`;
- triage (vitals, priority) is for nurses and doctors (ipd:vitals_write, "enter vital signs");
- reading a consultation is a clinical read (patients:read_clinical) with the assignment rules of
  db/patients.py: a receptionist never reads one.

Print views (`.../slip`, `.../print`) are small HTML pages for the print dialog (server/printing.py); the
prescription also prints as a PDF (`?format=pdf`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from html import escape
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import MediaType, Request, Response, get, post, put
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.params import FromPath, JSONBody, QueryParameter
from msgspec import UNSET, Meta, Struct, UnsetType

from db import opd as opd_service
from domain import icd10
from domain.actors import Actor
from domain.appointments import DEFAULT_DURATION_MINUTES, MAX_DURATION_MINUTES, MIN_DURATION_MINUTES, DoctorHours
from domain.clock import day_bounds_utc, hospital_day, hospital_time, zoned
from domain.errors import NotFound, PermissionDenied, PreconditionRequired, ValidationFailed
from domain.opd import QueuePriority, TokenStatus, VisitType
from domain.opd_events import DisplayBoard, OpdBoard
from domain.opd_templates import CHIEF_COMPLAINTS, specialty_of, templates_for
from domain.policy import PatientView, Permission, allows, patient_view_of
from domain.queue import MAX_UNANSWERED_CALLS
from domain.registration import age_on
from domain.roles import Role
from domain.topics import display_topic
from server.errors import DecimalIn, document_errors
from server.patients import PatientCreate, PatientOut, shape_patient
from server.printing import PrintFormat, print_page
from server.security import requires
from server.versioning import etag, expected_version

# --- Small helpers -------------------------------------------------------------------------------

Text200 = Annotated[str, Meta(max_length=200)]
Text500 = Annotated[str, Meta(max_length=500)]
ClinicalText = Annotated[str, Meta(max_length=4000)]
Reason = Annotated[str, Meta(min_length=1, max_length=500)]
Room = Annotated[str, Meta(min_length=1, max_length=50)]
Codes = Annotated[list[Annotated[str, Meta(max_length=10)]], Meta(max_length=icd10.MAX_CODES_PER_DIAGNOSIS)]


def _clinical(actor: Actor) -> bool:
    return actor.role is not None and allows(actor.role, Permission.PATIENTS_READ_CLINICAL)


def _sees_money(actor: Actor) -> bool:
    return actor.role is not None and allows(actor.role, Permission.BILLING_READ)


def _today() -> date:
    return hospital_day(datetime.now(UTC))




# --- Tokens and the queue ------------------------------------------------------------------------


class TokenOut(Struct, rename="camel"):
    id: UUID
    token_number: int
    token_date: date
    department_id: UUID
    department_name: str
    visit_id: UUID
    visit_type: str
    patient_id: UUID
    mrn: str
    patient_name: str
    age: int
    gender: str
    priority: str
    status: str
    call_count: int
    arrived_at: datetime
    version: int
    doctor_id: UUID | None = None
    doctor_name: str | None = None
    room: str | None = None
    called_at: datetime | None = None
    appointment_id: UUID | None = None
    appointment_at: datetime | None = None
    estimated_wait_minutes: int | None = None
    # The reason may be clinical ("NEWS2 7 (HIGH)"): only for clinical roles.
    priority_reason: str | UnsetType | None = UNSET
    announcement: str | None = None


def token_out(row: dict[str, Any], actor: Actor, *, wait: int | None = None) -> TokenOut:
    today = _today()
    dob: date = row["date_of_birth"]
    out = TokenOut(
        id=row["id"], token_number=int(row["token_number"]), token_date=row["token_date"],
        department_id=row["department_id"], department_name=row["department_name"], visit_id=row["visit_id"],
        visit_type=row["visit_type"], patient_id=row["patient_id"], mrn=row["mrn"],
        patient_name=" ".join(p for p in (row["first_name"], row["last_name"]) if p),
        age=age_on(dob, today) if dob <= today else 0, gender=row["gender"], priority=row["priority"],
        status=row["status"], call_count=int(row["call_count"]), arrived_at=row["created_at"],
        version=int(row["version"]), doctor_id=row["doctor_id"], doctor_name=row["doctor_name"], room=row["room"],
        called_at=row["called_at"], appointment_id=row["appointment_id"], appointment_at=row["appointment_at"],
        estimated_wait_minutes=wait if wait is not None else row.get("estimated_wait_minutes"),
    )
    if _clinical(actor):
        out.priority_reason = row["priority_reason"]
    if row["status"] == TokenStatus.CALLED.value and row["room"]:
        out.announcement = f"Token {row['token_number']}, Room {row['room']}"
    return out


class TokenEnvelope(Struct, rename="camel"):
    token: TokenOut


class VisitOut(Struct, rename="camel"):
    id: UUID
    patient_id: UUID
    visit_type: str
    visit_date: datetime
    status: str
    chief_complaint: str | None
    assigned_doctor_id: UUID | None


class CheckInIn(Struct, rename="camel", forbid_unknown_fields=True):
    """Name the patient one way (patientId, mrn, phone, healthId) or register them here (newPatient).

    The visit is for a doctor (doctorId) or, unassigned, for a department (departmentId). A booked
    patient keeps the appointment's place (appointmentId, or found by itself for today). An unknown
    emergency patient: visitType EMERGENCY with newPatient {unidentified: true, gender, age}.
    """

    chief_complaint: Annotated[str, Meta(min_length=1, max_length=500)]
    patient_id: UUID | None = None
    mrn: Annotated[str, Meta(max_length=50)] | None = None
    phone: Annotated[str, Meta(max_length=20)] | None = None
    health_id: Annotated[str, Meta(max_length=50)] | None = None
    new_patient: PatientCreate | None = None
    doctor_id: UUID | None = None
    department_id: UUID | None = None
    appointment_id: UUID | None = None
    visit_type: Literal["OPD", "FOLLOW_UP", "EMERGENCY"] = "OPD"
    priority: QueuePriority | None = None
    priority_reason: Text200 | None = None

    def as_request(self) -> opd_service.CheckInRequest:
        ways = {"patientId": self.patient_id, "mrn": self.mrn, "phone": self.phone, "healthId": self.health_id,
                "newPatient": self.new_patient}
        given = [name for name, value in ways.items() if value is not None]
        if len(given) != 1:
            message = "Name the patient one way: patientId, mrn, phone or healthId, or register with newPatient"
            raise ValidationFailed(fields={name: message for name in (given or ["patientId"])})
        return opd_service.CheckInRequest(
            chief_complaint=self.chief_complaint, patient_id=self.patient_id, mrn=self.mrn, phone=self.phone,
            health_id=self.health_id,
            new_patient=self.new_patient.as_new_patient() if self.new_patient is not None else None,
            doctor_id=self.doctor_id, department_id=self.department_id, appointment_id=self.appointment_id,
            visit_type=VisitType(self.visit_type), priority=self.priority, priority_reason=self.priority_reason,
        )


class CheckInOut(Struct, rename="camel"):
    visit_id: UUID
    visit: VisitOut
    token: TokenOut
    patient: PatientOut
    registered: bool
    appointment_id: UUID | None
    slip_url: str


@post("/api/opd/check-in", guards=[requires(Permission.OPD_CHECK_IN)], tags=["opd"], status_code=201,
      summary="Check a patient in (find or register), open the visit and issue the department's next token")
async def check_in(request: Request[Actor, Any, Any], data: JSONBody[CheckInIn]) -> CheckInOut:
    result = await opd_service.check_in(request.user, data.as_request())
    view = patient_view_of(request.user.role) if request.user.role else PatientView.NONE
    view = PatientView.DEMOGRAPHIC if view is PatientView.FULL else view  # the desk's answer: no clinical fields
    v = result.visit
    return CheckInOut(
        visit_id=v["id"],
        visit=VisitOut(id=v["id"], patient_id=v["patient_id"], visit_type=v["visit_type"], visit_date=v["visit_date"],
                       status=v["status"], chief_complaint=v["chief_complaint"],
                       assigned_doctor_id=v["assigned_doctor_id"]),
        token=token_out(result.token, request.user, wait=result.estimated_wait_minutes),
        patient=shape_patient(result.patient, view),
        registered=result.registered, appointment_id=result.appointment_id,
        slip_url=f"/api/opd/tokens/{result.token['id']}/slip",
    )


@get("/api/opd/tokens/{token_id:uuid}/slip", guards=[requires(Permission.OPD_CHECK_IN)], tags=["opd"],
     media_type=MediaType.HTML, summary="The token slip to print (HTML, 72 mm wide)")
async def token_slip(request: Request[Actor, Any, Any], token_id: FromPath[UUID]) -> Response[bytes]:
    t = await opd_service.token_slip(request.user, token_id)
    arrived = hospital_time(t["created_at"])
    wait = t["estimated_wait_minutes"]
    name = " ".join(p for p in (t["first_name"], t["last_name"]) if p)
    body = (
        "<div class=slip>"
        f"<h2>{escape(t['department_name'])}</h2>"
        f"<div class=muted>{arrived.strftime('%d %b %Y, %H:%M')}</div>"
        f"<div class=token>{int(t['token_number'])}</div>"
        f"<div><b>{escape(name)}</b></div><div class=muted>{escape(t['mrn'])}</div>"
        + (f"<div>Doctor: Dr {escape(t['doctor_name'])}</div>" if t["doctor_name"] else "")
        + f"<div>Waiting before you: {int(t['waiting_ahead'])}</div>"
        + (f"<div>Estimated wait: about {int(wait)} min</div>" if wait is not None else "")
        + "<p class=muted>Please watch the screen for your token number.</p></div>"
    )
    return print_page(body, f"Token {t['token_number']}")


class CancelIn(Struct, rename="camel", forbid_unknown_fields=True):
    reason: Reason
    version: int | None = None


@post("/api/opd/visits/{visit_id:uuid}/cancel", guards=[requires(Permission.OPD_CHECK_IN)], tags=["opd"],
      status_code=200, summary="Cancel a check-in made by mistake (a waiting token only)")
async def cancel_check_in(
    request: Request[Actor, Any, Any], visit_id: FromPath[UUID], data: JSONBody[CancelIn]
) -> TokenEnvelope:
    row = await opd_service.cancel_check_in(request.user, visit_id, data.reason,
                                            expected_version=expected_version(request, data.version))
    return TokenEnvelope(token=token_out(row, request.user))


class MoveIn(Struct, rename="camel", forbid_unknown_fields=True):
    doctor_id: UUID
    reason: Text500 | None = None
    version: int | None = None


@post("/api/opd/visits/{visit_id:uuid}/move", guards=[requires(Permission.OPD_CHECK_IN)], tags=["opd"],
      status_code=200, summary="Move a waiting patient to another doctor's queue (another department: new token)")
async def move_visit(request: Request[Actor, Any, Any], visit_id: FromPath[UUID], data: JSONBody[MoveIn]
                     ) -> TokenEnvelope:
    row = await opd_service.move_to_doctor(request.user, visit_id, data.doctor_id, data.reason,
                                           expected_version=expected_version(request, data.version))
    return TokenEnvelope(token=token_out(row, request.user))


@get("/api/opd/queue", guards=[requires(Permission.OPD_QUEUE_READ)], tags=["opd"],
     summary="A department's queue today: {waitingPatients, inConsultation, completed, missed}")
async def queue(
    request: Request[Actor, Any, Any],
    department_id: Annotated[UUID | None, QueryParameter(name="departmentId")] = None,
    day: Annotated[date | None, QueryParameter(name="date")] = None,
) -> OpdBoard:
    return await opd_service.queue_board(request.user, department_id, day)


class DisplayOut(Struct):
    """The display topic's snapshot: subscribe with since {epoch, seq} to go live."""

    topic: str
    epoch: str
    seq: int
    data: DisplayBoard


@get("/api/opd/display/{department_id:uuid}", guards=[requires(Permission.OPD_QUEUE_READ, devices=True)],
     tags=["opd"], summary="The waiting-room display of a department (tokens, rooms, waits; never a name)")
async def display(request: Request[Actor, Any, Any], department_id: FromPath[UUID]) -> DisplayOut:
    topic = display_topic(department_id)
    actor = request.user
    if actor.is_device and topic.name not in actor.device_topics:
        raise PermissionDenied("This screen's token does not list this display")
    found = await opd_service.queue_snapshot(department_id, with_names=False)
    if found is None:
        raise NotFound("No such department")
    position, board = found
    assert isinstance(board, DisplayBoard)
    return DisplayOut(topic=topic.name, epoch=position.epoch, seq=position.seq, data=board)


class CallNextIn(Struct, rename="camel", forbid_unknown_fields=True):
    doctor_id: UUID | None = None
    room: Room | None = None


class CallNextOut(Struct, rename="camel"):
    token: TokenOut | None
    detail: str | None = None


@post("/api/opd/queue/call-next", guards=[requires(Permission.OPD_CONSULT)], tags=["opd"], status_code=200,
      summary="Call the next patient to your room (priority, then appointment, then arrival; fairly)")
async def call_next(request: Request[Actor, Any, Any], data: JSONBody[CallNextIn]) -> CallNextOut:
    row = await opd_service.call_next(request.user, data.doctor_id, data.room)
    if row is None:
        return CallNextOut(token=None, detail="Nobody is waiting for you")
    return CallNextOut(token=token_out(row, request.user))


class QueueActionIn(Struct, rename="camel", forbid_unknown_fields=True):
    doctor_id: UUID | None = None


class SkipIn(Struct, rename="camel", forbid_unknown_fields=True):
    doctor_id: UUID | None = None
    after: Annotated[int, Meta(ge=0, le=50)] | None = None


@post("/api/opd/queue/tokens/{token_id:uuid}/recall", guards=[requires(Permission.OPD_CONSULT)], tags=["opd"],
      status_code=200,
      summary=f"Call a called patient again (after {MAX_UNANSWERED_CALLS} unanswered calls: NO_SHOW)")
async def recall(request: Request[Actor, Any, Any], token_id: FromPath[UUID], data: JSONBody[QueueActionIn]
                 ) -> TokenEnvelope:
    return TokenEnvelope(token=token_out(await opd_service.recall(request.user, token_id, data.doctor_id),
                                         request.user))


@post("/api/opd/queue/tokens/{token_id:uuid}/skip", guards=[requires(Permission.OPD_CONSULT)], tags=["opd"],
      status_code=200, summary="A called patient did not come: back in the queue after a few others")
async def skip(request: Request[Actor, Any, Any], token_id: FromPath[UUID], data: JSONBody[SkipIn]) -> TokenEnvelope:
    return TokenEnvelope(token=token_out(await opd_service.skip(request.user, token_id, data.after, data.doctor_id),
                                         request.user))


@post("/api/opd/queue/tokens/{token_id:uuid}/no-show", guards=[requires(Permission.OPD_CONSULT)], tags=["opd"],
      status_code=200, summary="Mark a called patient as not having come")
async def no_show(request: Request[Actor, Any, Any], token_id: FromPath[UUID], data: JSONBody[QueueActionIn]
                  ) -> TokenEnvelope:
    return TokenEnvelope(token=token_out(await opd_service.no_show(request.user, token_id, data.doctor_id),
                                         request.user))


class PriorityIn(Struct, rename="camel", forbid_unknown_fields=True):
    priority: QueuePriority
    reason: Reason


@post("/api/opd/queue/tokens/{token_id:uuid}/priority", guards=[requires(Permission.IPD_VITALS_WRITE)],
      tags=["opd"], status_code=200, summary="Change a waiting patient's priority (nurse or doctor, with a reason)")
async def set_priority(request: Request[Actor, Any, Any], token_id: FromPath[UUID], data: JSONBody[PriorityIn]
                       ) -> TokenEnvelope:
    row = await opd_service.set_priority(request.user, token_id, data.priority, data.reason)
    return TokenEnvelope(token=token_out(row, request.user))


# --- Triage --------------------------------------------------------------------------------------


class TriageIn(Struct, rename="camel", forbid_unknown_fields=True):
    """Observations (any may be missing; NEWS2 is scored only when all seven are there) and, optionally,
    a priority the nurse asks for. Temperature in °C."""

    temperature: DecimalIn | None = None
    heart_rate: int | None = None
    respiratory_rate: int | None = None
    blood_pressure_systolic: int | None = None
    blood_pressure_diastolic: int | None = None
    oxygen_saturation: int | None = None
    on_oxygen: bool | None = None
    consciousness: Literal["A", "C", "V", "P", "U"] | None = None
    weight_kg: DecimalIn | None = None
    height_cm: Annotated[int, Meta(ge=1, le=300)] | None = None
    priority: QueuePriority | None = None
    notes: ClinicalText | None = None


class TriageOut(Struct, rename="camel"):
    id: UUID
    visit_id: UUID
    news2_score: int | None
    news2_band: str | None
    news2_response: str | None
    missing_for_news2: list[str]
    priority_before: str
    priority_after: str
    priority_changed: bool
    recorded_at: datetime


@post("/api/opd/visits/{visit_id:uuid}/triage", guards=[requires(Permission.IPD_VITALS_WRITE)], tags=["opd"],
      status_code=201, summary="Triage: record vitals, score NEWS2, raise the patient's priority when it calls for it")
async def triage(request: Request[Actor, Any, Any], visit_id: FromPath[UUID], data: JSONBody[TriageIn]) -> TriageOut:
    vitals = opd_service.Vitals(
        temperature=data.temperature, heart_rate=data.heart_rate, respiratory_rate=data.respiratory_rate,
        blood_pressure_systolic=data.blood_pressure_systolic, blood_pressure_diastolic=data.blood_pressure_diastolic,
        oxygen_saturation=data.oxygen_saturation, on_oxygen=data.on_oxygen, consciousness=data.consciousness,
        weight_kg=data.weight_kg, height_cm=data.height_cm,
    )
    row = await opd_service.triage(request.user, visit_id, vitals, priority=data.priority, notes=data.notes)
    return TriageOut(**{f.name: row[f.name] for f in msgspec.structs.fields(TriageOut)})


# --- Consultations -------------------------------------------------------------------------------


class CodeOut(Struct, rename="camel"):
    code: str
    title: str
    leaf: bool


def _codes_out(codes: list[str] | None) -> list[CodeOut]:
    found = [icd10.lookup(c) for c in codes or []]
    return [CodeOut(code=c.code, title=c.title, leaf=c.leaf) for c in found if c is not None]


class ConsultationOut(Struct, rename="camel"):
    id: UUID
    visit_id: UUID
    patient_id: UUID
    doctor_id: UUID
    chief_complaint: str
    history: str | None
    examination_findings: str | None
    diagnosis: str
    diagnosis_codes: list[CodeOut]
    treatment_plan: str | None
    notes: str | None
    temperature: Decimal | None
    heart_rate: int | None
    blood_pressure_systolic: int | None
    blood_pressure_diastolic: int | None
    respiratory_rate: int | None
    weight_kg: Decimal | None
    height_cm: int | None
    consultation_start_time: datetime
    consultation_end_time: datetime | None
    duration_minutes: int | None
    follow_up_required: bool
    follow_up_date: date | None
    follow_up_notes: str | None
    version: int
    created_at: datetime
    updated_at: datetime


def consultation_out(row: dict[str, Any]) -> ConsultationOut:
    values = {f.name: row[f.name] for f in msgspec.structs.fields(ConsultationOut) if f.name != "diagnosis_codes"}
    return ConsultationOut(**values, diagnosis_codes=_codes_out(row["diagnosis_codes"]))


class ConsultationEnvelope(Struct, rename="camel"):
    consultation_id: UUID
    consultation: ConsultationOut


# camelCase field -> column, for the consultation fields a doctor writes.
_CONSULTATION_COLUMN_OF = {
    "chief_complaint": "chief_complaint", "history": "history", "examination": "examination_findings",
    "examination_findings": "examination_findings", "diagnosis": "diagnosis", "diagnosis_codes": "diagnosis_codes",
    "treatment_plan": "treatment_plan", "notes": "notes", "temperature": "temperature", "heart_rate": "heart_rate",
    "blood_pressure_systolic": "blood_pressure_systolic", "blood_pressure_diastolic": "blood_pressure_diastolic",
    "respiratory_rate": "respiratory_rate", "weight_kg": "weight_kg", "height_cm": "height_cm",
}


def _consultation_fields(data: Struct) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in msgspec.structs.fields(data):
        value = getattr(data, f.name)
        column = _CONSULTATION_COLUMN_OF.get(f.name)
        if column is None or value is UNSET or (value is None and f.name in ("examination",)):
            continue
        if f.name == "examination" and getattr(data, "examination_findings", None) not in (None, UNSET):
            raise ValidationFailed(fields={"examination": "Send examination or examinationFindings, not both"})
        values[column] = value
    return values


class ConsultationIn(Struct, rename="camel", forbid_unknown_fields=True):
    """Start a consultation for a patient in your queue (visitId, or patientId to find today's visit).

    `doctorId` (the spec's) may be sent but must be your own. `examination` is the spec's name for
    examinationFindings. A templateId fills the fields not sent; vitals not sent come from triage.
    """

    visit_id: UUID | None = None
    patient_id: UUID | None = None
    doctor_id: UUID | None = None
    template_id: Annotated[str, Meta(max_length=100)] | None = None
    chief_complaint: Text500 | UnsetType = UNSET
    history: ClinicalText | UnsetType = UNSET
    examination: ClinicalText | UnsetType = UNSET
    examination_findings: ClinicalText | UnsetType = UNSET
    diagnosis: ClinicalText | UnsetType = UNSET
    diagnosis_codes: Codes | UnsetType = UNSET
    treatment_plan: ClinicalText | UnsetType = UNSET
    notes: ClinicalText | UnsetType = UNSET
    temperature: DecimalIn | UnsetType = UNSET
    heart_rate: int | UnsetType = UNSET
    blood_pressure_systolic: int | UnsetType = UNSET
    blood_pressure_diastolic: int | UnsetType = UNSET
    respiratory_rate: int | UnsetType = UNSET
    weight_kg: DecimalIn | UnsetType = UNSET
    height_cm: Annotated[int, Meta(ge=1, le=300)] | UnsetType = UNSET


@post("/api/opd/consultations", guards=[requires(Permission.OPD_CONSULT)], tags=["opd"], status_code=201,
      summary="Start a consultation for a patient in your queue (the token goes IN_CONSULTATION)")
async def create_consultation(request: Request[Actor, Any, Any], data: JSONBody[ConsultationIn]
                              ) -> Response[ConsultationEnvelope]:
    if data.visit_id is None and data.patient_id is None:
        raise ValidationFailed(fields={"visitId": "Give the visit (or the patient) the consultation is for"})
    row = await opd_service.create_consultation(
        request.user, visit_id=data.visit_id, patient_id=data.patient_id, named_doctor=data.doctor_id,
        fields=_consultation_fields(data), template_id=data.template_id,
    )
    body = ConsultationEnvelope(consultation_id=row["id"], consultation=consultation_out(row))
    return Response(body, status_code=201, headers={"ETag": etag(int(row["version"]))})


class ConsultationUpdate(Struct, rename="camel", forbid_unknown_fields=True):
    """Partial: only the fields sent change. Needs the version it is based on (If-Match or `version`)."""

    version: int | UnsetType = UNSET
    chief_complaint: Text500 | UnsetType = UNSET
    history: ClinicalText | UnsetType | None = UNSET
    examination: ClinicalText | UnsetType | None = UNSET
    examination_findings: ClinicalText | UnsetType | None = UNSET
    diagnosis: ClinicalText | UnsetType = UNSET
    diagnosis_codes: Codes | UnsetType = UNSET
    treatment_plan: ClinicalText | UnsetType | None = UNSET
    notes: ClinicalText | UnsetType | None = UNSET
    temperature: DecimalIn | UnsetType | None = UNSET
    heart_rate: int | UnsetType | None = UNSET
    blood_pressure_systolic: int | UnsetType | None = UNSET
    blood_pressure_diastolic: int | UnsetType | None = UNSET
    respiratory_rate: int | UnsetType | None = UNSET
    weight_kg: DecimalIn | UnsetType | None = UNSET
    height_cm: Annotated[int, Meta(ge=1, le=300)] | UnsetType | None = UNSET


@put("/api/opd/consultations/{consultation_id:uuid}", guards=[requires(Permission.OPD_CONSULT)], tags=["opd"],
     summary="Change your consultation (history, examination, diagnosis and codes, plan, vitals)")
async def update_consultation(
    request: Request[Actor, Any, Any], consultation_id: FromPath[UUID], data: JSONBody[ConsultationUpdate]
) -> Response[ConsultationEnvelope]:
    version = expected_version(request, None if data.version is UNSET else data.version)
    if version is None:
        raise PreconditionRequired('Say which version this change is based on: If-Match: "<version>" or `version`')
    row = await opd_service.update_consultation(request.user, consultation_id, _consultation_fields(data),
                                                expected_version=version)
    body = ConsultationEnvelope(consultation_id=row["id"], consultation=consultation_out(row))
    return Response(body, headers={"ETag": etag(int(row["version"]))})


class NotesIn(Struct, rename="camel", forbid_unknown_fields=True):
    notes: Annotated[str, Meta(min_length=1, max_length=4000)]


class NotesOut(Struct, rename="camel"):
    updated: bool
    consultation: ConsultationOut


@post("/api/opd/consultations/{consultation_id:uuid}/notes", guards=[requires(Permission.OPD_CONSULT)],
      tags=["opd"], status_code=200, summary="Add a timestamped note to your consultation")
async def add_note(request: Request[Actor, Any, Any], consultation_id: FromPath[UUID], data: JSONBody[NotesIn]
                   ) -> NotesOut:
    row = await opd_service.add_note(request.user, consultation_id, data.notes)
    return NotesOut(updated=True, consultation=consultation_out(row))


class DoctorOut(Struct, rename="camel"):
    id: UUID
    name: str | None
    department_id: UUID | None
    department_name: str | None
    specialization: str | None
    qualification: str | None
    registration_number: str | None
    registration_council: str | None
    opd_room: str | None


def doctor_out(row: dict[str, Any]) -> DoctorOut:
    return DoctorOut(**{f.name: row[f.name] for f in msgspec.structs.fields(DoctorOut)})


class WarningOut(Struct, rename="camel"):
    kind: str
    message: str
    matched: str
    severity: str | None = None


class PrescriptionItemOut(Struct, rename="camel"):
    id: UUID
    medicine_id: UUID
    medicine_name: str
    generic_name: str | None
    strength: str | None
    form: str | None
    dose: Decimal
    dose_unit: str
    frequency: str
    duration: int
    instructions: str | None
    status: str
    override_reason: str | None
    warnings: list[WarningOut]


def item_out(row: dict[str, Any]) -> PrescriptionItemOut:
    return PrescriptionItemOut(
        id=row["id"], medicine_id=row["medicine_id"], medicine_name=row["medicine_name"],
        generic_name=row["generic_name"], strength=row["strength"], form=row["form"], dose=row["dose_quantity"],
        dose_unit=row["dose_unit"], frequency=row["frequency"], duration=row["duration_days"],
        instructions=row["instructions"], status=row["status"], override_reason=row["override_reason"],
        warnings=[WarningOut(kind=w["kind"], message=w["message"], matched=w["matched"], severity=w.get("severity"))
                  for w in row["warnings"]],
    )


class PrescriptionOut(Struct, rename="camel"):
    id: UUID
    consultation_id: UUID | None
    patient_id: UUID
    doctor_id: UUID
    prescribed_date: datetime
    items: list[PrescriptionItemOut]
    print_url: str


def prescription_out(row: dict[str, Any], items: list[dict[str, Any]]) -> PrescriptionOut:
    return PrescriptionOut(id=row["id"], consultation_id=row["consultation_id"], patient_id=row["patient_id"],
                           doctor_id=row["doctor_id"], prescribed_date=row["prescribed_date"],
                           items=[item_out(i) for i in items], print_url=f"/api/opd/prescriptions/{row['id']}/print")


class TriageRecordOut(Struct, rename="camel"):
    id: UUID
    temperature: Decimal | None
    heart_rate: int | None
    respiratory_rate: int | None
    blood_pressure_systolic: int | None
    blood_pressure_diastolic: int | None
    oxygen_saturation: int | None
    on_oxygen: bool | None
    consciousness: str | None
    weight_kg: Decimal | None
    height_cm: int | None
    news2_score: int | None
    news2_band: str | None
    priority_before: str
    priority_after: str
    notes: str | None
    recorded_at: datetime


class ConsultationRecordOut(Struct, rename="camel"):
    consultation: ConsultationOut
    patient: PatientOut
    doctor: DoctorOut
    prescriptions: list[PrescriptionOut]
    triage: list[TriageRecordOut]


@get("/api/opd/consultations/{consultation_id:uuid}", guards=[requires(Permission.PATIENTS_READ_CLINICAL)],
     tags=["opd"], summary="A consultation with its patient, prescriptions and triage (clinical roles)")
async def get_consultation(request: Request[Actor, Any, Any], consultation_id: FromPath[UUID]
                           ) -> Response[ConsultationRecordOut]:
    record = await opd_service.get_consultation(request.user, consultation_id)
    body = ConsultationRecordOut(
        consultation=consultation_out(record.consultation),
        patient=shape_patient(record.patient, patient_view_of(request.user.role) if request.user.role
                              else PatientView.NONE, record.allergies),
        doctor=doctor_out(record.doctor),
        prescriptions=[prescription_out(p, p["items"]) for p in record.prescriptions],
        triage=[TriageRecordOut(**{f.name: t[f.name] for f in msgspec.structs.fields(TriageRecordOut)})
                for t in record.triage],
    )
    return Response(body, headers={"ETag": etag(int(record.consultation["version"]))})


class PrescriptionLineIn(Struct, rename="camel", forbid_unknown_fields=True):
    """One medicine: the spec's {medicineId, dose, frequency, duration (days)}, plus the dose unit (the
    form's usual unit when left out: tab, cap, ml...), instructions, and the reason to go ahead despite
    a warning."""

    medicine_id: UUID
    dose: DecimalIn
    frequency: Annotated[str, Meta(min_length=1, max_length=50)]
    duration: int
    dose_unit: Annotated[str, Meta(max_length=20)] | None = None
    instructions: Text500 | None = None
    override_reason: Text500 | None = None


class PrescribeIn(Struct, rename="camel", forbid_unknown_fields=True):
    medicines: Annotated[list[PrescriptionLineIn], Meta(min_length=1, max_length=30)]


class PrescribeOut(Struct, rename="camel"):
    prescription_id: UUID
    prescription: PrescriptionOut


@post("/api/opd/consultations/{consultation_id:uuid}/prescribe", guards=[requires(Permission.PRESCRIPTIONS_WRITE)],
      tags=["opd"], status_code=201,
      summary="Prescribe from the formulary (allergy and duplicate warnings need overrideReason to go ahead)")
async def prescribe(request: Request[Actor, Any, Any], consultation_id: FromPath[UUID], data: JSONBody[PrescribeIn]
                    ) -> PrescribeOut:
    lines = [opd_service.PrescriptionLine(
        medicine_id=m.medicine_id, dose=m.dose, frequency=m.frequency, duration_days=m.duration,
        dose_unit=m.dose_unit, instructions=m.instructions, override_reason=m.override_reason,
    ) for m in data.medicines]
    result = await opd_service.prescribe(request.user, consultation_id, lines)
    return PrescribeOut(prescription_id=result.prescription["id"],
                        prescription=prescription_out(result.prescription, result.items))


class CompleteIn(Struct, rename="camel", forbid_unknown_fields=True):
    follow_up_required: bool = False
    follow_up_date: date | None = None
    follow_up_notes: Text500 | None = None


class BillItemOut(Struct, rename="camel"):
    item_type: str
    item_name: str
    quantity: int
    unit_rate: Decimal | UnsetType = UNSET
    amount: Decimal | UnsetType = UNSET


class BillOut(Struct, rename="camel"):
    """The draft bill left for billing; amounts only for roles that may see money (not doctors)."""

    id: UUID
    bill_number: str
    bill_type: str
    status: str
    items: list[BillItemOut]
    subtotal: Decimal | UnsetType = UNSET
    total_amount: Decimal | UnsetType = UNSET
    balance: Decimal | UnsetType = UNSET


def bill_out(bill: dict[str, Any], actor: Actor) -> BillOut:
    money = _sees_money(actor)
    items = [BillItemOut(item_type=i["item_type"], item_name=i["item_name"], quantity=int(i["quantity"]),
                         **({"unit_rate": i["unit_rate"], "amount": i["amount"]} if money else {}))
             for i in bill["items"]]
    out = BillOut(id=bill["id"], bill_number=bill["bill_number"], bill_type=bill["bill_type"], status=bill["status"],
                  items=items)
    if money:
        out.subtotal, out.total_amount, out.balance = bill["subtotal"], bill["total_amount"], bill["balance"]
    return out


class AppointmentOut(Struct, rename="camel"):
    id: UUID
    patient_id: UUID
    mrn: str
    patient_name: str
    phone: str | None
    doctor_id: UUID
    doctor_name: str | None
    department_id: UUID | None
    department_name: str | None
    appointment_date: datetime
    duration_minutes: int
    reason: str | None
    status: str
    version: int


def appointment_out(row: dict[str, Any]) -> AppointmentOut:
    return AppointmentOut(
        id=row["id"], patient_id=row["patient_id"], mrn=row["mrn"],
        patient_name=" ".join(p for p in (row["first_name"], row["last_name"]) if p), phone=row["phone"],
        doctor_id=row["doctor_id"], doctor_name=row["doctor_name"], department_id=row["department_id"],
        department_name=row["department_name"], appointment_date=row["appointment_date"],
        duration_minutes=int(row["duration_minutes"]), reason=row["reason"], status=row["status"],
        version=int(row["version"]),
    )


class FollowUpOut(Struct, rename="camel"):
    id: UUID
    appointment_date: datetime
    duration_minutes: int
    status: str


class CompleteOut(Struct, rename="camel"):
    consultation_id: UUID
    consultation: ConsultationOut
    bill: BillOut
    follow_up_appointment: FollowUpOut | None


@post("/api/opd/consultations/{consultation_id:uuid}/complete", guards=[requires(Permission.OPD_CONSULT)],
      tags=["opd"], status_code=200,
      summary="Complete: close the visit, book the follow-up, leave a draft bill with the consultation charge")
async def complete_consultation(
    request: Request[Actor, Any, Any], consultation_id: FromPath[UUID], data: JSONBody[CompleteIn]
) -> CompleteOut:
    done = await opd_service.complete_consultation(
        request.user, consultation_id, follow_up_required=data.follow_up_required,
        follow_up_date=data.follow_up_date, follow_up_notes=data.follow_up_notes,
    )
    follow = done.follow_up
    return CompleteOut(
        consultation_id=done.consultation["id"], consultation=consultation_out(done.consultation),
        bill=bill_out(done.bill, request.user),
        follow_up_appointment=FollowUpOut(id=follow["id"], appointment_date=follow["appointment_date"],
                                          duration_minutes=int(follow["duration_minutes"]), status=follow["status"])
        if follow else None,
    )


@get("/api/opd/prescriptions/{prescription_id:uuid}/print", guards=[requires(Permission.PRESCRIPTIONS_READ)],
     tags=["opd"],
     summary="The prescription to print (HTML, or ?format=pdf): doctor's name, registration number and council")
async def print_prescription(
    request: Request[Actor, Any, Any], prescription_id: FromPath[UUID],
    fmt: Annotated[PrintFormat, QueryParameter(name="format")] = "html",
) -> Response[bytes]:
    data = await opd_service.prescription_for_print(request.user, prescription_id)
    return print_page(_prescription_html(data), "Prescription", fmt, filename=f"prescription-{prescription_id}")


def _prescription_html(data: dict[str, Any]) -> str:
    doctor, patient, consultation = data["doctor"], data["patient"], data["consultation"]
    today: date = data["today"]
    dob: date = patient["date_of_birth"]
    age = age_on(dob, today) if dob <= today else 0
    written = hospital_time(data["prescription"]["prescribed_date"])
    name = " ".join(p for p in (patient["first_name"], patient["last_name"]) if p)
    rows = "".join(
        "<tr>"
        f"<td>{i}. <b>{escape(item['medicine_name'])}</b>"
        + (f"<div class=muted>{escape(item['generic_name'])}"
           + (f" {escape(item['strength'])}" if item["strength"] else "") + "</div>" if item["generic_name"] else "")
        + f"</td><td>{escape(_number(item['dose_quantity']))} {escape(item['dose_unit'])}</td>"
        f"<td>{escape(item['frequency'])} <span class=muted>({escape(item['frequency_label'])})</span></td>"
        f"<td>{int(item['duration_days'])} days</td><td>{escape(item['instructions'] or '')}</td></tr>"
        for i, item in enumerate(data["items"], start=1)
    )
    allergies = ", ".join(a["allergen"] for a in data["allergies"]) or "None recorded"
    parts = [
        "<div class=rx><div class=head><div>"
        f"<h2>Dr {escape(doctor['name'] or '')}</h2>"
        f"<div>{escape(doctor['qualification'] or '')}</div>"
        f"<div class=muted>{escape(doctor['specialization'] or '')}"
        + (f", {escape(doctor['department_name'])}" if doctor["department_name"] else "") + "</div>"
        f"<div class=muted>Reg. No. {escape(doctor['registration_number'] or '-')}, "
        f"{escape(doctor['registration_council'] or '-')}</div></div>"
        f"<div style='text-align:right'><div>{written.strftime('%d %b %Y, %H:%M')}</div></div></div>",
        f"<div><b>{escape(name)}</b>, {age} y, {escape(patient['gender'])} &middot; {escape(patient['mrn'])}</div>",
        f"<div class=muted>Allergies: {escape(allergies)}</div>",
    ]
    if consultation is not None:
        codes = ", ".join(consultation["diagnosis_codes"] or [])
        parts.append(f"<p><b>Diagnosis:</b> {escape(consultation['diagnosis'] or '')}"
                     + (f" <span class=muted>(ICD-10: {escape(codes)})</span>" if codes else "") + "</p>")
    parts.append("<h1>&#8478;</h1><table><tr><th>Medicine</th><th>Dose</th><th>Frequency</th><th>Duration</th>"
                 f"<th>Instructions</th></tr>{rows}</table>")
    if consultation is not None and consultation["treatment_plan"]:
        parts.append(f"<p><b>Advice:</b> {escape(consultation['treatment_plan'])}</p>")
    if consultation is not None and consultation["follow_up_date"]:
        parts.append(f"<p><b>Follow-up:</b> {consultation['follow_up_date'].strftime('%d %b %Y')}</p>")
    parts.append(f"<div class=sign>Dr {escape(doctor['name'] or '')}<div class=muted>Reg. No. "
                 f"{escape(doctor['registration_number'] or '-')}</div></div></div>")
    return "".join(parts)


def _number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


# --- Appointments --------------------------------------------------------------------------------

Duration = Annotated[int, Meta(ge=MIN_DURATION_MINUTES, le=MAX_DURATION_MINUTES)]


class AppointmentIn(Struct, rename="camel", forbid_unknown_fields=True):
    patient_id: UUID
    doctor_id: UUID
    appointment_date: datetime
    duration_minutes: Duration = DEFAULT_DURATION_MINUTES
    reason: Text200 | None = None


class AppointmentEnvelope(Struct, rename="camel"):
    appointment: AppointmentOut


@post("/api/opd/appointments", guards=[requires(Permission.APPOINTMENTS_MANAGE)], tags=["opd"], status_code=201,
      summary="Book an appointment (within the doctor's hours, never double-booked)")
async def book_appointment(request: Request[Actor, Any, Any], data: JSONBody[AppointmentIn]
                           ) -> Response[AppointmentEnvelope]:
    row = await opd_service.book_appointment(
        request.user, patient_id=data.patient_id, doctor_id=data.doctor_id,
        start=zoned(data.appointment_date, "appointmentDate"), duration=data.duration_minutes, reason=data.reason,
    )
    return Response(AppointmentEnvelope(appointment=appointment_out(row)), status_code=201,
                    headers={"ETag": etag(int(row["version"]))})


class AppointmentUpdate(Struct, rename="camel", forbid_unknown_fields=True):
    version: int | UnsetType = UNSET
    appointment_date: datetime | UnsetType = UNSET
    duration_minutes: Duration | UnsetType = UNSET
    doctor_id: UUID | UnsetType = UNSET
    reason: Text200 | UnsetType | None = UNSET


@put("/api/opd/appointments/{appointment_id:uuid}", guards=[requires(Permission.APPOINTMENTS_MANAGE)],
     tags=["opd"], summary="Reschedule an appointment (time, length, doctor, reason; needs its version)")
async def reschedule_appointment(
    request: Request[Actor, Any, Any], appointment_id: FromPath[UUID], data: JSONBody[AppointmentUpdate]
) -> Response[AppointmentEnvelope]:
    version = expected_version(request, None if data.version is UNSET else data.version)
    if version is None:
        raise PreconditionRequired('Say which version this change is based on: If-Match: "<version>" or `version`')
    row = await opd_service.reschedule_appointment(
        request.user, appointment_id, expected_version=version,
        start=None if data.appointment_date is UNSET else zoned(data.appointment_date, "appointmentDate"),
        duration=None if data.duration_minutes is UNSET else data.duration_minutes,
        doctor_id=None if data.doctor_id is UNSET else data.doctor_id,
        reason=None if data.reason is UNSET else (data.reason or ""),
    )
    return Response(AppointmentEnvelope(appointment=appointment_out(row)), headers={"ETag": etag(int(row["version"]))})


@post("/api/opd/appointments/{appointment_id:uuid}/cancel", guards=[requires(Permission.APPOINTMENTS_MANAGE)],
      tags=["opd"], status_code=200, summary="Cancel a booked appointment")
async def cancel_appointment(
    request: Request[Actor, Any, Any], appointment_id: FromPath[UUID], data: JSONBody[CancelIn]
) -> AppointmentEnvelope:
    row = await opd_service.cancel_appointment(request.user, appointment_id, data.reason,
                                               expected_version=expected_version(request, data.version))
    return AppointmentEnvelope(appointment=appointment_out(row))


class AppointmentsOut(Struct, rename="camel"):
    appointments: list[AppointmentOut]


@get("/api/opd/appointments", guards=[requires(Permission.OPD_SCHEDULE_READ)], tags=["opd"],
     summary="Appointments by doctor, patient, status and hospital days (inclusive)")
async def list_appointments(
    request: Request[Actor, Any, Any],
    doctor_id: Annotated[UUID | None, QueryParameter(name="doctorId")] = None,
    patient_id: Annotated[UUID | None, QueryParameter(name="patientId")] = None,
    status: Annotated[Literal["SCHEDULED", "CHECK_IN", "IN_PROGRESS", "COMPLETED", "NO_SHOW", "CANCELLED"] | None,
                      QueryParameter()] = None,
    start_date: Annotated[date | None, QueryParameter(name="startDate")] = None,
    end_date: Annotated[date | None, QueryParameter(name="endDate")] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 200,
) -> AppointmentsOut:
    today = _today()
    first, last = start_date or today, end_date or (start_date or today)
    if last < first:
        raise ValidationFailed(fields={"endDate": "endDate is before startDate"})
    if (last - first).days > 92:
        raise ValidationFailed(fields={"endDate": "At most 92 days at a time"})
    rows = await opd_service.appointments_for(
        request.user, doctor_id=doctor_id, patient_id=patient_id, start=day_bounds_utc(first)[0],
        end=day_bounds_utc(last)[1], status=status, limit=limit,
    )
    return AppointmentsOut(appointments=[appointment_out(r) for r in rows])


# A local clock time, as msgspec writes it ("09:00:00"). Litestar would document `time` as a duration.
_CLOCK_TIME = Schema(type=OpenAPIType.STRING, pattern=r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$",
                     description="local clock time, HH:MM:SS")
ClockTime = Annotated[time | None, Meta(extra_json_schema={"extra": {"one_of": [_CLOCK_TIME,
                                                                                   Schema(type=OpenAPIType.NULL)]}})]


class DayOut(Struct, rename="camel"):
    date: date
    opens: ClockTime
    closes: ClockTime
    appointments: list[AppointmentOut]


class WeekOut(Struct, rename="camel"):
    doctor: DoctorOut
    week_start: date
    week_end: date
    days: list[DayOut]


@get("/api/opd/appointments/week", guards=[requires(Permission.OPD_SCHEDULE_READ)], tags=["opd"],
     summary="A doctor's week of appointments (Monday to Sunday), with the doctor's hours each day")
async def appointment_week(
    request: Request[Actor, Any, Any],
    doctor_id: Annotated[UUID, QueryParameter(name="doctorId")],
    day: Annotated[date | None, QueryParameter(name="date")] = None,
) -> WeekOut:
    chosen = day or _today()
    doctor, monday, rows = await opd_service.doctor_week(request.user, doctor_id, chosen)
    hours = DoctorHours(doctor["available_mon_fri_start"], doctor["available_mon_fri_end"],
                        bool(doctor["available_weekends"]))
    days = []
    for offset in range(7):
        current = monday + timedelta(days=offset)
        window = hours.open_on(current)
        days.append(DayOut(
            date=current, opens=window[0] if window else None, closes=window[1] if window else None,
            appointments=[appointment_out(r) for r in rows if hospital_day(r["appointment_date"]) == current],
        ))
    return WeekOut(doctor=doctor_out(doctor), week_start=monday, week_end=monday + timedelta(days=6), days=days)


# --- Schedules and dashboards --------------------------------------------------------------------


class ConsultationSummaryOut(Struct, rename="camel"):
    id: UUID
    visit_id: UUID
    patient_id: UUID
    mrn: str
    patient_name: str
    consultation_start_time: datetime
    consultation_end_time: datetime | None = None
    duration_minutes: int | None = None
    token_number: int | None = None
    follow_up_date: date | None = None
    chief_complaint: str | UnsetType = UNSET
    diagnosis: str | UnsetType = UNSET


def _summary_out(row: dict[str, Any], clinical: bool) -> ConsultationSummaryOut:
    out = ConsultationSummaryOut(
        id=row["id"], visit_id=row["visit_id"], patient_id=row["patient_id"], mrn=row["mrn"],
        patient_name=" ".join(p for p in (row["first_name"], row["last_name"]) if p),
        consultation_start_time=row["consultation_start_time"], consultation_end_time=row["consultation_end_time"],
        duration_minutes=row["duration_minutes"], token_number=row["token_number"],
        follow_up_date=row["follow_up_date"],
    )
    if clinical:
        out.chief_complaint, out.diagnosis = row["chief_complaint"], row["diagnosis"]
    return out


class AvailabilityOut(Struct, rename="camel"):
    mon_fri_start: ClockTime
    mon_fri_end: ClockTime
    weekends: bool
    opens: ClockTime
    closes: ClockTime
    sees_patients: bool


class ScheduleOut(Struct, rename="camel"):
    doctor: DoctorOut
    date: date
    appointments: list[AppointmentOut]
    consultations: list[ConsultationSummaryOut]
    availability: AvailabilityOut
    queue: dict[str, int]


def _schedule_out(found: dict[str, Any], actor: Actor) -> ScheduleOut:
    clinical = _clinical(actor)
    a = found["availability"]
    return ScheduleOut(
        doctor=doctor_out(found["doctor"]), date=found["date"],
        appointments=[appointment_out(r) for r in found["appointments"]],
        consultations=[_summary_out(r, clinical) for r in found["consultations"]],
        availability=AvailabilityOut(mon_fri_start=a["mon_fri_start"], mon_fri_end=a["mon_fri_end"],
                                     weekends=a["weekends"], opens=a["opens"], closes=a["closes"],
                                     sees_patients=a["sees_patients"]),
        queue=found["queue"],
    )


@get("/api/opd/doctor/{doctor_id:uuid}/schedule", guards=[requires(Permission.OPD_SCHEDULE_READ)], tags=["opd"],
     summary="A doctor's day: {appointments, consultations, availability} and their queue")
async def doctor_schedule(
    request: Request[Actor, Any, Any], doctor_id: FromPath[UUID],
    day: Annotated[date | None, QueryParameter(name="date")] = None,
) -> ScheduleOut:
    chosen = day or _today()
    return _schedule_out(await opd_service.doctor_schedule(request.user, doctor_id, chosen), request.user)


@get("/api/dashboard/doctor/my-schedule", guards=[requires(Permission.DASHBOARD_DOCTOR)], tags=["dashboard"],
     summary="Your day: {appointments, consultations}, your availability and your queue")
async def my_schedule(request: Request[Actor, Any, Any]) -> ScheduleOut:
    doctor = await opd_service.my_doctor(request.user)
    today = _today()
    return _schedule_out(await opd_service.doctor_schedule(request.user, doctor["id"], today), request.user)


class ReceptionQueueOut(Struct, rename="camel"):
    waiting_patients: list[TokenOut]
    check_in_ready: list[AppointmentOut]


@get("/api/dashboard/receptionist/queue", guards=[requires(Permission.DASHBOARD_RECEPTION)], tags=["dashboard"],
     summary="Today's waiting patients and the booked patients not yet checked in")
async def receptionist_queue(
    request: Request[Actor, Any, Any],
    department_id: Annotated[UUID | None, QueryParameter(name="departmentId")] = None,
) -> ReceptionQueueOut:
    waiting, ready = await opd_service.receptionist_queue(request.user, department_id)
    return ReceptionQueueOut(waiting_patients=[token_out(r, request.user) for r in waiting],
                             check_in_ready=[appointment_out(r) for r in ready])


# --- Reference lists: ICD-10, templates, chief complaints ----------------------------------------


class CodesOut(Struct, rename="camel"):
    codes: list[CodeOut]


@get("/api/opd/icd10", guards=[requires(Permission.PATIENTS_READ_CLINICAL)], tags=["opd"],
     summary="Search WHO ICD-10 codes by code or words (common OPD diagnoses first)")
async def icd10_search(
    search: Annotated[str, QueryParameter(min_length=1, max_length=100)],
    limit: Annotated[int, QueryParameter(ge=1, le=icd10.MAX_RESULTS)] = 20,
) -> CodesOut:
    return CodesOut(codes=[CodeOut(code=c.code, title=c.title, leaf=c.leaf) for c in icd10.search(search, limit=limit)])


class SuggestedMedicineOut(Struct, rename="camel"):
    generic_name: str
    dose: str
    dose_unit: str
    frequency: str
    duration: int
    instructions: str | None


class TemplateOut(Struct, rename="camel"):
    id: str
    specialty: str
    name: str
    chief_complaint: str
    history: str
    examination_findings: str
    diagnosis: str
    diagnosis_codes: list[CodeOut]
    treatment_plan: str
    follow_up_days: int | None
    medicines: list[SuggestedMedicineOut]


class TemplatesOut(Struct, rename="camel"):
    specialty: str | None
    templates: list[TemplateOut]


@get("/api/opd/templates", guards=[requires(Permission.OPD_CONSULT)], tags=["opd"],
     summary="Quick consultation templates, your specialization's first")
async def consultation_templates(
    request: Request[Actor, Any, Any],
    specialization: Annotated[str | None, QueryParameter(max_length=100)] = None,
) -> TemplatesOut:
    if specialization is None and request.user.role is Role.DOCTOR:
        mine = await opd_service.doctor_of_user(request.user.user_id)
        specialization = mine["specialization"] if mine else None
    return TemplatesOut(
        specialty=specialty_of(specialization),
        templates=[
            TemplateOut(
                id=t.id, specialty=t.specialty, name=t.name, chief_complaint=t.chief_complaint, history=t.history,
                examination_findings=t.examination_findings, diagnosis=t.diagnosis,
                diagnosis_codes=_codes_out(list(t.diagnosis_codes)), treatment_plan=t.treatment_plan,
                follow_up_days=t.follow_up_days,
                medicines=[SuggestedMedicineOut(generic_name=m.generic_name, dose=m.dose, dose_unit=m.dose_unit,
                                                frequency=m.frequency, duration=m.duration_days,
                                                instructions=m.instructions) for m in t.medicines],
            )
            for t in templates_for(specialization)
        ],
    )


class ChiefComplaintsOut(Struct, rename="camel"):
    chief_complaints: list[str]


@get("/api/opd/chief-complaints", guards=[requires(Permission.OPD_QUEUE_READ)], tags=["opd"],
     summary="Chief complaint phrases for the desk and triage (__ marks the duration)")
async def chief_complaints() -> ChiefComplaintsOut:
    return ChiefComplaintsOut(chief_complaints=list(CHIEF_COMPLAINTS))


class DepartmentDoctorOut(Struct, rename="camel"):
    id: UUID  # doctors.id: what check-in, booking and the queue take as doctorId
    user_id: UUID
    name: str | None
    specialization: str | None
    opd_room: str | None
    on_duty_now: bool  # on the duty roster at this moment


class DepartmentOut(Struct, rename="camel"):
    id: UUID
    code: str
    name: str
    runs_opd: bool  # has OPD doctors: patients can be checked in to it
    doctors: list[DepartmentDoctorOut]


class DepartmentsOut(Struct, rename="camel"):
    departments: list[DepartmentOut]


@get("/api/opd/departments", guards=[requires(Permission.OPD_QUEUE_READ)], tags=["opd"],
     summary="Departments, whether each runs an OPD, and their doctors (room, on duty now)")
async def departments() -> DepartmentsOut:
    rows = await opd_service.departments_with_doctors()
    return DepartmentsOut(departments=[
        DepartmentOut(id=d["id"], code=d["code"], name=d["name"], runs_opd=d["runs_opd"], doctors=[
            DepartmentDoctorOut(id=x["id"], user_id=x["user_id"], name=x["name"], specialization=x["specialization"],
                                opd_room=x["opd_room"], on_duty_now=bool(x["on_duty_now"]))
            for x in d["doctors"]
        ])
        for d in rows
    ])


# --- Report --------------------------------------------------------------------------------------


class DoctorVolumeOut(Struct, rename="camel"):
    doctor_id: UUID
    doctor_name: str | None
    department_name: str | None
    consultations: int
    average_consultation_minutes: float | None


class ComplaintVolumeOut(Struct, rename="camel"):
    complaint: str | None
    consultations: int


class OpdSummaryOut(Struct, rename="camel"):
    start_date: date
    end_date: date
    total_consultations: int
    new_patients: int
    follow_ups: int
    average_consultation_minutes: float | None
    average_wait_minutes: float | None
    by_doctor: list[DoctorVolumeOut]
    by_complaint: list[ComplaintVolumeOut]


@get("/api/reports/opd-summary", guards=[requires(Permission.REPORTS_CLINICAL)], tags=["reports"],
     summary="OPD volume between hospital days: by doctor, by complaint, new vs follow-up, times")
async def opd_summary(
    start_date: Annotated[date, QueryParameter(name="startDate")],
    end_date: Annotated[date, QueryParameter(name="endDate")],
) -> OpdSummaryOut:
    if end_date < start_date:
        raise ValidationFailed(fields={"endDate": "endDate is before startDate"})
    if (end_date - start_date).days > 366:
        raise ValidationFailed(fields={"endDate": "At most a year at a time"})
    found = await opd_service.opd_summary(start_date, end_date)
    return OpdSummaryOut(
        start_date=found["start_date"], end_date=found["end_date"], total_consultations=found["total_consultations"],
        new_patients=found["new_patients"], follow_ups=found["follow_ups"],
        average_consultation_minutes=found["average_consultation_minutes"],
        average_wait_minutes=found["average_wait_minutes"],
        by_doctor=[DoctorVolumeOut(**d) for d in found["by_doctor"]],
        by_complaint=[ComplaintVolumeOut(**c) for c in found["by_complaint"]],
    )


ROUTES: list[Any] = document_errors([
    check_in, token_slip, cancel_check_in, move_visit, queue, display, call_next, recall, skip, no_show,
    set_priority, triage, create_consultation, update_consultation, add_note, get_consultation, prescribe,
    complete_consultation, print_prescription, book_appointment, reschedule_appointment, cancel_appointment,
    list_appointments, appointment_week, doctor_schedule, my_schedule, receptionist_queue, icd10_search,
    consultation_templates, chief_complaints, departments, opd_summary,
])
