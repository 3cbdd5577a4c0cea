"""/api/patients and /api/emergency-access: registration, search, the record, updates, break-the-glass, merging.

Routes parse and check input, call one service function in db/patients.py and shape the answer by role.

How answers are shaped and what the client sees:

- A patient is built only from the fields of the caller's view (`domain.policy.patient_fields_for`):
  a field the caller may not see is absent from the JSON, while a field they may see but that is
  empty is `null`. A receptionist's answer thus never contains bloodGroup or allergies, and lab,
  radiology and pharmacy staff get only the identifying TEST_RELATED fields wherever this shaping is used.
- DOCTOR and NURSE: opening a record needs the patient to be assigned to them (or break-the-glass);
  otherwise 403 with the way to break the glass. In the list (`GET /api/patients`), unassigned
  patients are shown with the identifying fields only (id, MRN, name, date of birth, age, gender),
  so a clinician can find a patient and then break the glass; assigned ones in full.
- `GET /api/patients/{id}` answers `{patient, visits, admissions, labTests}`: recent history, newest
  first; `labTests` and the clinical columns of visits and admissions only for the FULL view.
- A merged (duplicate) record answers 409 with `mergedInto` (the survivor's id) and `survivorMrn`.
- Updates need the version they were based on (If-Match or `version`): none is 428, a stale one 412.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, Response, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from msgspec import UNSET, Meta, Struct, UnsetType

from db import patients as patients_service
from db.patients import PATIENT_COLUMN_OF, NewAllergy, NewPatient, PatientRecord
from domain.actors import Actor
from domain.clock import day_bounds_utc, hospital_day
from domain.errors import PreconditionRequired, ValidationFailed
from domain.opd import VisitType
from domain.patients import AllergenType, AllergySeverity, BloodGroup, Gender
from domain.policy import PATIENT_FIELDS, PATIENT_VIEW_FIELDS, PatientView, Permission
from domain.registration import MAX_AGE_YEARS, age_on, classify_search
from server.errors import document_errors
from server.security import requires
from server.versioning import etag, expected_version

# --- Input ---------------------------------------------------------------------------------------

Name = Annotated[str, Meta(min_length=1, max_length=100)]
Text100 = Annotated[str, Meta(max_length=100)]
Text500 = Annotated[str, Meta(max_length=500)]
ClinicalText = Annotated[str, Meta(max_length=4000)]
PhoneText = Annotated[str, Meta(max_length=20)]
Pincode = Annotated[str, Meta(max_length=10)]
HealthId = Annotated[str, Meta(max_length=50)]
Email = Annotated[str, Meta(min_length=3, max_length=100, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
AgeYears = Annotated[int, Meta(ge=0, le=MAX_AGE_YEARS)]


class AllergyIn(Struct, rename="camel", forbid_unknown_fields=True):
    allergen: Annotated[str, Meta(min_length=1, max_length=200)]
    allergen_type: AllergenType
    severity: AllergySeverity
    reaction: Annotated[str, Meta(max_length=1000)] | None = None

    def as_new(self) -> NewAllergy:
        return NewAllergy(allergen=self.allergen, allergen_type=self.allergen_type.value,
                          severity=self.severity.value, reaction=self.reaction)


AllergyList = Annotated[list[AllergyIn], Meta(max_length=50)]


class PatientCreate(Struct, rename="camel", forbid_unknown_fields=True):
    """A registration. Give dateOfBirth (the spec's `dob` is accepted too) or, when it is not known,
    age in years. An unknown emergency patient: `unidentified: true`, gender and an approximate age,
    no name. A likely duplicate is refused (409 with candidates) unless `confirmNotDuplicate`."""

    gender: Gender
    first_name: Name | None = None
    last_name: Text100 | None = None
    date_of_birth: date | None = None
    dob: date | None = None
    age: AgeYears | None = None
    phone: PhoneText | None = None
    email: Email | None = None
    address: Text500 | None = None
    city: Text100 | None = None
    state: Text100 | None = None
    pincode: Pincode | None = None
    occupation: Text100 | None = None
    blood_group: BloodGroup | None = None
    emergency_contact_name: Text100 | None = None
    emergency_contact_phone: PhoneText | None = None
    primary_insurance_id: UUID | None = None
    primary_insurance_number: Text100 | None = None
    allergies: ClinicalText | None = None
    chronic_conditions: ClinicalText | None = None
    previous_surgeries: ClinicalText | None = None
    current_medications: ClinicalText | None = None
    health_id: HealthId | None = None
    structured_allergies: AllergyList | None = None
    confirm_not_duplicate: bool = False
    unidentified: bool = False

    def as_new_patient(self) -> NewPatient:
        if self.dob is not None and self.date_of_birth is not None and self.dob != self.date_of_birth:
            raise ValidationFailed(fields={"dob": "dob and dateOfBirth disagree; send one of them"})
        fields: dict[str, Any] = {}
        for f in msgspec.structs.fields(self):
            value = getattr(self, f.name)
            if f.encode_name in PATIENT_COLUMN_OF and value is not None:
                fields[f.encode_name] = value
        if self.dob is not None:
            fields["dateOfBirth"] = self.dob
        return NewPatient(
            fields=fields, age=self.age, unidentified=self.unidentified,
            confirm_not_duplicate=self.confirm_not_duplicate,
            structured_allergies=[a.as_new() for a in self.structured_allergies or []],
        )


class PatientUpdate(Struct, rename="camel", forbid_unknown_fields=True):
    """Partial: only the fields sent are changed; `null` clears an optional field."""

    version: int | UnsetType = UNSET
    first_name: Name | UnsetType = UNSET
    last_name: Text100 | UnsetType | None = UNSET
    date_of_birth: date | UnsetType = UNSET
    dob_is_estimated: bool | UnsetType = UNSET
    gender: Gender | UnsetType = UNSET
    phone: PhoneText | UnsetType | None = UNSET
    email: Email | UnsetType | None = UNSET
    address: Text500 | UnsetType | None = UNSET
    city: Text100 | UnsetType | None = UNSET
    state: Text100 | UnsetType | None = UNSET
    pincode: Pincode | UnsetType | None = UNSET
    occupation: Text100 | UnsetType | None = UNSET
    blood_group: BloodGroup | UnsetType | None = UNSET
    emergency_contact_name: Text100 | UnsetType | None = UNSET
    emergency_contact_phone: PhoneText | UnsetType | None = UNSET
    primary_insurance_id: UUID | UnsetType | None = UNSET
    primary_insurance_number: Text100 | UnsetType | None = UNSET
    allergies: ClinicalText | UnsetType | None = UNSET
    chronic_conditions: ClinicalText | UnsetType | None = UNSET
    previous_surgeries: ClinicalText | UnsetType | None = UNSET
    current_medications: ClinicalText | UnsetType | None = UNSET
    health_id: HealthId | UnsetType | None = UNSET
    is_unidentified: bool | UnsetType = UNSET
    structured_allergies: AllergyList | UnsetType = UNSET

    def changes(self) -> dict[str, Any]:
        return {
            f.encode_name: getattr(self, f.name)
            for f in msgspec.structs.fields(self)
            if f.encode_name in PATIENT_COLUMN_OF and f.encode_name != "version" and getattr(self, f.name) is not UNSET
        }


class BreakGlassIn(Struct, rename="camel", forbid_unknown_fields=True):
    reason: Annotated[str, Meta(min_length=1, max_length=1000)]


class MergeIn(Struct, rename="camel", forbid_unknown_fields=True):
    duplicate_id: UUID
    reason: Annotated[str, Meta(min_length=1, max_length=1000)]


# --- Output --------------------------------------------------------------------------------------

class AllergyOut(Struct, rename="camel"):
    id: UUID
    allergen: str
    allergen_type: str
    severity: str
    reaction: str | None
    created_at: datetime


class PatientOut(Struct, rename="camel", omit_defaults=True):
    """A patient as one role sees it: a field outside the role's view is absent, not null."""

    id: UUID | UnsetType = UNSET
    mrn: str | UnsetType = UNSET
    first_name: str | UnsetType = UNSET
    last_name: str | UnsetType | None = UNSET
    date_of_birth: date | UnsetType = UNSET
    dob_is_estimated: bool | UnsetType = UNSET
    age: int | UnsetType = UNSET
    gender: str | UnsetType = UNSET
    phone: str | UnsetType | None = UNSET
    email: str | UnsetType | None = UNSET
    address: str | UnsetType | None = UNSET
    city: str | UnsetType | None = UNSET
    state: str | UnsetType | None = UNSET
    pincode: str | UnsetType | None = UNSET
    occupation: str | UnsetType | None = UNSET
    blood_group: str | UnsetType | None = UNSET
    emergency_contact_name: str | UnsetType | None = UNSET
    emergency_contact_phone: str | UnsetType | None = UNSET
    primary_insurance_id: UUID | UnsetType | None = UNSET
    primary_insurance_number: str | UnsetType | None = UNSET
    allergies: str | UnsetType | None = UNSET
    chronic_conditions: str | UnsetType | None = UNSET
    previous_surgeries: str | UnsetType | None = UNSET
    current_medications: str | UnsetType | None = UNSET
    structured_allergies: list[AllergyOut] | UnsetType = UNSET
    health_id: str | UnsetType | None = UNSET
    is_unidentified: bool | UnsetType = UNSET
    merged_into: UUID | UnsetType | None = UNSET
    version: int | UnsetType = UNSET
    created_at: datetime | UnsetType = UNSET
    updated_at: datetime | UnsetType = UNSET


_ATTRIBUTE_OF: dict[str, str] = {f.encode_name: f.name for f in msgspec.structs.fields(PatientOut)}
assert set(_ATTRIBUTE_OF) == set(PATIENT_FIELDS), "PatientOut must carry exactly the policy's patient fields"


def _allergy_out(row: dict[str, Any]) -> AllergyOut:
    return AllergyOut(id=row["id"], allergen=row["allergen"], allergen_type=row["allergen_type"],
                      severity=row["severity"], reaction=row["reaction"], created_at=row["created_at"])


def shape_patient(
    row: dict[str, Any], view: PatientView, allergies: list[dict[str, Any]] | None = None, *, today: date | None = None
) -> PatientOut:
    """The patient row (column names) as `view` may see it. Other areas embed patients through this."""
    today = today or hospital_day(datetime.now(UTC))
    values: dict[str, Any] = {}
    for name in PATIENT_VIEW_FIELDS[view]:
        if name == "age":
            dob = row["date_of_birth"]
            values["age"] = age_on(dob, today) if dob <= today else 0
        elif name == "structuredAllergies":
            values["structured_allergies"] = [_allergy_out(a) for a in allergies or []]
        else:
            values[_ATTRIBUTE_OF[name]] = row[PATIENT_COLUMN_OF[name]]
    return PatientOut(**values)


def _record_out(record: PatientRecord) -> PatientOut:
    return shape_patient(record.patient, record.view, record.allergies)


class PatientEnvelope(Struct, rename="camel"):
    patient: PatientOut


class PatientsOut(Struct, rename="camel"):
    patients: list[PatientOut]
    total: int


class VisitOut(Struct, rename="camel", omit_defaults=True):
    id: UUID
    visit_type: str
    visit_date: datetime
    status: str
    assigned_doctor_id: UUID | None = None
    doctor_name: str | None = None
    department_name: str | None = None
    chief_complaint: str | UnsetType | None = UNSET
    diagnosis: str | UnsetType | None = UNSET


class AdmissionOut(Struct, rename="camel", omit_defaults=True):
    id: UUID
    admission_date: datetime
    status: str
    admission_type: str
    discharge_date: datetime | None = None
    ward_name: str | None = None
    room_number: str | None = None
    bed_number: str | None = None
    doctor_name: str | None = None
    reason_for_admission: str | UnsetType | None = UNSET
    diagnosis: str | UnsetType | None = UNSET


class LabTestSummaryOut(Struct, rename="camel"):
    id: UUID
    accession_number: str | None
    test_name: str
    test_code: str | None
    urgency: str
    status: str
    order_date: datetime
    result_date: datetime | None
    is_abnormal: bool | None


class PatientRecordOut(Struct, rename="camel", omit_defaults=True):
    patient: PatientOut
    visits: list[VisitOut]
    admissions: list[AdmissionOut]
    lab_tests: list[LabTestSummaryOut] | UnsetType = UNSET


def _visit_out(row: dict[str, Any], clinical: bool) -> VisitOut:
    visit = VisitOut(
        id=row["id"], visit_type=row["visit_type"], visit_date=row["visit_date"], status=row["status"],
        assigned_doctor_id=row["assigned_doctor_id"], doctor_name=row["doctor_name"],
        department_name=row["department_name"],
    )
    if clinical:
        visit.chief_complaint = row["chief_complaint"]
        visit.diagnosis = row["diagnosis"]
    return visit


def _admission_out(row: dict[str, Any], clinical: bool) -> AdmissionOut:
    admission = AdmissionOut(
        id=row["id"], admission_date=row["admission_date"], status=row["status"],
        admission_type=row["admission_type"], discharge_date=row["discharge_date"], ward_name=row["ward_name"],
        room_number=row["room_number"], bed_number=row["bed_number"], doctor_name=row["doctor_name"],
    )
    if clinical:
        admission.reason_for_admission = row["reason_for_admission"]
        admission.diagnosis = row["diagnosis"]
    return admission


class MedicalHistoryOut(Struct, rename="camel"):
    allergies: str | None
    chronic_conditions: str | None
    previous_surgeries: str | None
    medications: str | None
    structured_allergies: list[AllergyOut]


class VisitsOut(Struct, rename="camel"):
    visits: list[VisitOut]


class BillOut(Struct, rename="camel"):
    id: UUID
    bill_number: str
    bill_date: datetime
    bill_type: str
    status: str
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    total_amount: Decimal
    amount_paid: Decimal
    balance: Decimal
    insurance_amount: Decimal | None
    patient_amount: Decimal | None
    visit_id: UUID | None
    ipd_admission_id: UUID | None
    version: int


class BillsOut(Struct, rename="camel"):
    bills: list[BillOut]


class PrescriptionItemOut(Struct, rename="camel"):
    id: UUID
    medicine_id: UUID
    medicine_name: str
    strength: str | None
    form: str | None
    dose_quantity: Decimal
    dose_unit: str
    frequency: str
    duration_days: int
    instructions: str | None
    status: str
    dispensed_quantity: int | None
    dispensed_date: datetime | None


class PrescriptionOut(Struct, rename="camel"):
    id: UUID
    prescribed_date: datetime
    doctor_id: UUID
    doctor_name: str | None
    consultation_id: UUID | None
    ipd_admission_id: UUID | None
    items: list[PrescriptionItemOut]


class PrescriptionsOut(Struct, rename="camel"):
    prescriptions: list[PrescriptionOut]


class GrantOut(Struct, rename="camel"):
    id: UUID
    user_id: UUID
    user_name: str | None
    user_email: str
    user_role: str
    patient_id: FromPath[UUID]
    patient_mrn: str
    reason: str
    created_at: datetime
    expires_at: datetime
    reviewed_by: UUID | None
    reviewed_at: datetime | None


class GrantEnvelope(Struct, rename="camel"):
    emergency_access: GrantOut


class GrantsOut(Struct, rename="camel"):
    grants: list[GrantOut]
    total: int


class MergeSummaryOut(Struct, rename="camel"):
    id: UUID
    survivor_id: UUID
    merged_id: UUID
    moved_rows: dict[str, int]


class MergeOut(Struct, rename="camel"):
    patient: PatientOut
    merge: MergeSummaryOut


def _grant_out(row: dict[str, Any]) -> GrantOut:
    return GrantOut(**{f.name: row[f.name] for f in msgspec.structs.fields(GrantOut)})


def _with_etag(content: Any, version: int, status_code: int = 200) -> Response[Any]:
    return Response(content=content, status_code=status_code, headers={"ETag": etag(version)})


# --- Routes --------------------------------------------------------------------------------------

@get("/api/patients", guards=[requires(Permission.PATIENTS_READ_DEMOGRAPHICS)], tags=["patients"],
     summary="Search patients by name, phone, MRN or health ID")
async def list_patients(
    request: Request[Actor, Any, Any],
    search: Annotated[str | None, QueryParameter(max_length=100)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    offset: Annotated[int, QueryParameter(ge=0, le=100_000)] = 0,
) -> PatientsOut:
    result = await patients_service.search_patients(request.user, classify_search(search), limit=limit,
                                                    offset=offset)
    allergies = await patients_service.attach_allergies(result)
    return PatientsOut(
        patients=[shape_patient(p, result.views[p["id"]], allergies.get(p["id"])) for p in result.patients],
        total=result.total,
    )


@post("/api/patients", guards=[requires(Permission.PATIENTS_REGISTER)], tags=["patients"], status_code=201,
      summary="Register a patient (MRN assigned by the hospital)")
async def register_patient(
    request: Request[Actor, Any, Any], data: JSONBody[PatientCreate]
) -> Response[PatientEnvelope]:
    record = await patients_service.register_patient(request.user, data.as_new_patient())
    return _with_etag(PatientEnvelope(patient=_record_out(record)), record.patient["version"], 201)


@get("/api/patients/{patient_id:uuid}", guards=[requires(Permission.PATIENTS_READ_DEMOGRAPHICS)],
     tags=["patients"], summary="A patient with recent history")
async def get_patient(request: Request[Actor, Any, Any], patient_id: FromPath[UUID]) -> Response[PatientRecordOut]:
    record = await patients_service.get_patient_record(request.user, patient_id)
    clinical = record.view is PatientView.FULL
    body = PatientRecordOut(
        patient=_record_out(record),
        visits=[_visit_out(v, clinical) for v in record.visits],
        admissions=[_admission_out(a, clinical) for a in record.admissions],
    )
    if clinical:
        body.lab_tests = [
            LabTestSummaryOut(**{f.name: t[f.name] for f in msgspec.structs.fields(LabTestSummaryOut)})
            for t in record.lab_tests
        ]
    return _with_etag(body, record.patient["version"])


@put("/api/patients/{patient_id:uuid}", guards=[requires(Permission.PATIENTS_UPDATE)], tags=["patients"],
     summary="Change some of a patient's details (needs If-Match or version)")
async def update_patient(
    request: Request[Actor, Any, Any], patient_id: FromPath[UUID], data: JSONBody[PatientUpdate]
) -> Response[PatientEnvelope]:
    version = expected_version(request, None if data.version is UNSET else data.version)
    if version is None:
        raise PreconditionRequired(
            'Say which version of the patient this update is based on: send the ETag as If-Match: "<version>" '
            "or a version field in the body"
        )
    record = await patients_service.update_patient(
        request.user, patient_id, data.changes(), expected_version=version,
        structured_allergies=None if data.structured_allergies is UNSET
        else [a.as_new() for a in data.structured_allergies],
    )
    return _with_etag(PatientEnvelope(patient=_record_out(record)), record.patient["version"])


@get("/api/patients/{patient_id:uuid}/medical-history", guards=[requires(Permission.PATIENTS_READ_CLINICAL)],
     tags=["patients"], summary="Allergies, conditions, surgeries and medications")
async def medical_history(request: Request[Actor, Any, Any], patient_id: FromPath[UUID]) -> MedicalHistoryOut:
    patient, allergies = await patients_service.medical_history(request.user, patient_id)
    return MedicalHistoryOut(
        allergies=patient["allergies"], chronic_conditions=patient["chronic_conditions"],
        previous_surgeries=patient["previous_surgeries"], medications=patient["current_medications"],
        structured_allergies=[_allergy_out(a) for a in allergies],
    )


@get("/api/patients/{patient_id:uuid}/visits", guards=[requires(Permission.PATIENTS_READ_CLINICAL)],
     tags=["patients"], summary="A patient's visits, newest first (dates are hospital days, inclusive)")
async def patient_visits(
    request: Request[Actor, Any, Any],
    patient_id: FromPath[UUID],
    visit_type: Annotated[VisitType | None, QueryParameter(name="visitType")] = None,
    start_date: Annotated[date | None, QueryParameter(name="startDate")] = None,
    end_date: Annotated[date | None, QueryParameter(name="endDate")] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
) -> VisitsOut:
    if start_date and end_date and start_date > end_date:
        raise ValidationFailed(fields={"endDate": "endDate is before startDate"})
    rows = await patients_service.patient_visits(
        request.user, patient_id, visit_type=visit_type.value if visit_type else None,
        start=day_bounds_utc(start_date)[0] if start_date else None,
        end=day_bounds_utc(end_date)[1] if end_date else None, limit=limit,
    )
    return VisitsOut(visits=[_visit_out(v, True) for v in rows])


@get("/api/patients/{patient_id:uuid}/bills", guards=[requires(Permission.BILLING_READ)], tags=["patients"],
     summary="A patient's bills, newest first")
async def patient_bills(request: Request[Actor, Any, Any], patient_id: FromPath[UUID]) -> BillsOut:
    rows = await patients_service.patient_bills(request.user, patient_id)
    return BillsOut(bills=[BillOut(**{f.name: r[f.name] for f in msgspec.structs.fields(BillOut)}) for r in rows])


@get("/api/patients/{patient_id:uuid}/prescriptions", guards=[requires(Permission.PRESCRIPTIONS_READ)],
     tags=["patients"], summary="A patient's prescriptions with their items")
async def patient_prescriptions(request: Request[Actor, Any, Any], patient_id: FromPath[UUID]) -> PrescriptionsOut:
    rows = await patients_service.patient_prescriptions(request.user, patient_id)
    item_fields = [f.name for f in msgspec.structs.fields(PrescriptionItemOut)]
    return PrescriptionsOut(prescriptions=[
        PrescriptionOut(
            id=p["id"], prescribed_date=p["prescribed_date"], doctor_id=p["doctor_id"], doctor_name=p["doctor_name"],
            consultation_id=p["consultation_id"], ipd_admission_id=p["ipd_admission_id"],
            items=[PrescriptionItemOut(**{n: i[n] for n in item_fields}) for i in p["items"]],
        )
        for p in rows
    ])


@post("/api/patients/{patient_id:uuid}/break-glass", guards=[requires(Permission.PATIENTS_BREAK_GLASS)],
      tags=["patients"], status_code=201,
      summary="Emergency access to a patient not assigned to you (time-limited, audited, reviewed)")
async def break_glass(
    request: Request[Actor, Any, Any], patient_id: FromPath[UUID], data: JSONBody[BreakGlassIn]
) -> GrantEnvelope:
    grant = await patients_service.break_glass(request.user, patient_id, data.reason)
    return GrantEnvelope(emergency_access=_grant_out(grant))


@get("/api/emergency-access", guards=[requires(Permission.AUDIT_READ)], tags=["patients"],
     summary="Break-the-glass grants for review (unreviewed first)")
async def list_emergency_access(
    reviewed: FromQuery[bool | None] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    offset: Annotated[int, QueryParameter(ge=0, le=100_000)] = 0,  # PostgreSQL's OFFSET is a bigint
) -> GrantsOut:
    rows, total = await patients_service.list_emergency_access(reviewed=reviewed, limit=limit, offset=offset)
    return GrantsOut(grants=[_grant_out(r) for r in rows], total=total)


@post("/api/emergency-access/{grant_id:uuid}/review", guards=[requires(Permission.AUDIT_READ)],
      tags=["patients"], status_code=200, summary="Mark a break-the-glass grant as reviewed")
async def review_emergency_access(request: Request[Actor, Any, Any], grant_id: FromPath[UUID]) -> GrantEnvelope:
    grant = await patients_service.review_emergency_access(request.user, grant_id)
    return GrantEnvelope(emergency_access=_grant_out(grant))


@post("/api/patients/{patient_id:uuid}/merge", guards=[requires(Permission.PATIENTS_MERGE)], tags=["patients"],
      status_code=200, summary="Merge a duplicate record into this one (the survivor)")
async def merge_patients(
    request: Request[Actor, Any, Any], patient_id: FromPath[UUID], data: JSONBody[MergeIn]
) -> Response[MergeOut]:
    outcome = await patients_service.merge_patients(request.user, patient_id, data.duplicate_id, data.reason)
    body = MergeOut(
        patient=_record_out(outcome.survivor),
        merge=MergeSummaryOut(id=outcome.merge_id, survivor_id=patient_id, merged_id=outcome.merged_id,
                              moved_rows=outcome.moved),
    )
    return _with_etag(body, outcome.survivor.patient["version"])


ROUTES = document_errors([
    list_patients, register_patient, get_patient, update_patient, medical_history, patient_visits, patient_bills,
    patient_prescriptions, break_glass, list_emergency_access, review_emergency_access, merge_patients,
])
