"""Who may do what: the role policy of spec section 4, declared once as data.

Guards in server/, topic rules and services all ask this module; nothing else decides a role's rights.

How a request is judged, in three steps:

1. Role: `allows(role, permission)`. Every route of spec section 3 needs exactly one `Permission`
   (`SPEC_ROUTE_PERMISSIONS`; `POST /auth/login` is the only public route).

2. Which patients: for roles where `needs_assignment(role)` is true (DOCTOR, NURSE) a patient's
   record is open only if the patient is *assigned* to the actor:

   - a DOCTOR's patients are those with a visit, consultation, appointment or admission assigned
     to that doctor: `patient_visits.assigned_doctor_id`, `opd_consultations.doctor_id`,
     `appointments.doctor_id`, `ipd_admissions.admitted_by` or `ipd_admissions.primary_doctor_id`;
   - a NURSE's patients are those with an ACTIVE admission to a ward the nurse is rostered for
     (a ward assignment, or the duty roster of the current shift);
   - ADMIN sees every patient;
   - roles whose patient view is DEMOGRAPHIC or TEST_RELATED (reception, billing, lab, radiology,
     pharmacy) are not restricted patient by patient: they see every patient, but only the fields
     of their view (`patient_fields_for`);
   - break-the-glass: a DOCTOR or NURSE may open any patient's record by stating a reason
     (`patients:break_glass`); access lasts `BREAK_GLASS_MINUTES` and every such opening is audited
     and reviewed.

   Finding the assignment is a query, so db/ does it; this module only says whose it is to check.

3. Which fields and whose notes: `patient_fields_for(role)` names the patient fields a role may
   read and `patient_editable_fields_for(role)` those it may change; `may_amend_note` keeps a
   clinical note to its author ("modify other doctors' notes" is refused).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from uuid import UUID

from domain.errors import ValidationFailed
from domain.roles import Role

BREAK_GLASS_MINUTES = 60
# A reason like "x" is no reason; the reviewer must be able to tell why the record was opened.
BREAK_GLASS_MIN_REASON_CHARS = 10


class Permission(StrEnum):
    """An action, named `area:verb`; each route of the API requires exactly one."""

    AUTH_SESSION = "auth:session"  # log out, refresh one's own token

    PATIENTS_REGISTER = "patients:register"
    PATIENTS_READ_DEMOGRAPHICS = "patients:read_demographics"
    PATIENTS_READ_CLINICAL = "patients:read_clinical"
    PATIENTS_UPDATE = "patients:update"
    PATIENTS_MERGE = "patients:merge"
    PATIENTS_BREAK_GLASS = "patients:break_glass"

    APPOINTMENTS_MANAGE = "appointments:manage"

    OPD_CHECK_IN = "opd:check_in"
    OPD_QUEUE_READ = "opd:queue_read"
    OPD_SCHEDULE_READ = "opd:schedule_read"
    OPD_CONSULT = "opd:consult"

    PRESCRIPTIONS_WRITE = "prescriptions:write"
    PRESCRIPTIONS_READ = "prescriptions:read"

    IPD_ADMIT = "ipd:admit"
    IPD_READ = "ipd:read"
    IPD_VITALS_WRITE = "ipd:vitals_write"
    IPD_NOTES_WRITE = "ipd:notes_write"
    IPD_DISCHARGE = "ipd:discharge"
    IPD_TRANSFER = "ipd:transfer"
    BEDS_HOUSEKEEPING = "beds:housekeeping"
    CENSUS_READ = "census:read"

    MEDS_ADMINISTER = "meds:administer"
    MEDS_ADMINISTRATION_READ = "meds:administration_read"

    PHARMACY_MEDICINES_READ = "pharmacy:medicines_read"
    PHARMACY_INVENTORY = "pharmacy:inventory"
    PHARMACY_DISPENSE = "pharmacy:dispense"

    LAB_ORDER = "lab:order"
    LAB_ORDERS_READ = "lab:orders_read"
    LAB_WORKLIST = "lab:worklist"
    LAB_SAMPLE = "lab:sample"
    LAB_RESULT_ENTER = "lab:result_enter"
    LAB_RESULT_VERIFY = "lab:result_verify"
    LAB_REPORT_READ = "lab:report_read"
    LAB_CATALOGUE_READ = "lab:catalogue_read"
    LAB_QC = "lab:qc"

    IMAGING_ORDER = "imaging:order"
    IMAGING_ORDERS_READ = "imaging:orders_read"
    IMAGING_SCHEDULE = "imaging:schedule"
    IMAGING_PROCEDURE = "imaging:procedure"
    IMAGING_REPORT = "imaging:report"
    IMAGING_IMAGES_READ = "imaging:images_read"

    BILLING_READ = "billing:read"
    BILLING_WRITE = "billing:write"
    INSURANCE_CLAIMS = "insurance:claims"

    REPORTS_CLINICAL = "reports:clinical"
    REPORTS_FINANCIAL = "reports:financial"
    REPORTS_STAFF = "reports:staff"

    USERS_MANAGE = "users:manage"
    AUDIT_READ = "audit:read"
    SYSTEM_CONFIGURE = "system:configure"
    DEVICES_MANAGE = "devices:manage"
    ALERTS_ACK = "alerts:ack"

    DASHBOARD_OVERVIEW = "dashboard:overview"
    DASHBOARD_DOCTOR = "dashboard:doctor"
    DASHBOARD_NURSE = "dashboard:nurse"
    DASHBOARD_RECEPTION = "dashboard:reception"


# Money in any form: section 4 keeps it from DOCTOR, NURSE, RECEPTIONIST and RADIOLOGIST.
FINANCIAL_PERMISSIONS: frozenset[Permission] = frozenset(
    {
        Permission.BILLING_READ,
        Permission.BILLING_WRITE,
        Permission.INSURANCE_CLAIMS,
        Permission.REPORTS_FINANCIAL,
    }
)

_DOCTOR = frozenset(
    {
        Permission.AUTH_SESSION,
        Permission.PATIENTS_READ_DEMOGRAPHICS,
        Permission.PATIENTS_READ_CLINICAL,
        Permission.PATIENTS_UPDATE,
        Permission.PATIENTS_BREAK_GLASS,
        Permission.OPD_QUEUE_READ,
        Permission.OPD_SCHEDULE_READ,
        Permission.OPD_CONSULT,
        Permission.PRESCRIPTIONS_WRITE,
        Permission.PRESCRIPTIONS_READ,
        Permission.IPD_ADMIT,
        Permission.IPD_READ,
        Permission.IPD_VITALS_WRITE,
        Permission.IPD_NOTES_WRITE,
        Permission.IPD_DISCHARGE,
        Permission.IPD_TRANSFER,
        Permission.CENSUS_READ,
        Permission.MEDS_ADMINISTRATION_READ,
        Permission.PHARMACY_MEDICINES_READ,
        Permission.LAB_ORDER,
        Permission.LAB_ORDERS_READ,
        Permission.LAB_REPORT_READ,
        Permission.LAB_CATALOGUE_READ,
        Permission.IMAGING_ORDER,
        Permission.IMAGING_ORDERS_READ,
        Permission.IMAGING_IMAGES_READ,
        Permission.REPORTS_CLINICAL,
        Permission.ALERTS_ACK,
        Permission.DASHBOARD_DOCTOR,
    }
)

_NURSE = frozenset(
    {
        Permission.AUTH_SESSION,
        Permission.PATIENTS_READ_DEMOGRAPHICS,
        Permission.PATIENTS_READ_CLINICAL,
        Permission.PATIENTS_UPDATE,
        Permission.PATIENTS_BREAK_GLASS,
        Permission.OPD_QUEUE_READ,
        Permission.OPD_SCHEDULE_READ,
        Permission.PRESCRIPTIONS_READ,
        # A nurse placing a patient from the census board admits them, naming the admitting doctor.
        Permission.IPD_ADMIT,
        Permission.IPD_READ,
        Permission.IPD_VITALS_WRITE,
        Permission.IPD_NOTES_WRITE,
        Permission.IPD_TRANSFER,
        Permission.BEDS_HOUSEKEEPING,
        Permission.CENSUS_READ,
        Permission.MEDS_ADMINISTER,
        Permission.MEDS_ADMINISTRATION_READ,
        Permission.PHARMACY_MEDICINES_READ,
        Permission.LAB_ORDERS_READ,
        # Ward nurses draw samples from inpatients (lab workflow: "from patient/ward").
        Permission.LAB_SAMPLE,
        Permission.LAB_REPORT_READ,
        Permission.LAB_CATALOGUE_READ,
        Permission.IMAGING_ORDERS_READ,
        Permission.ALERTS_ACK,
        Permission.DASHBOARD_NURSE,
    }
)

_LAB_STAFF = frozenset(
    {
        Permission.AUTH_SESSION,
        Permission.LAB_ORDERS_READ,
        Permission.LAB_WORKLIST,
        Permission.LAB_SAMPLE,
        Permission.LAB_RESULT_ENTER,
        Permission.LAB_RESULT_VERIFY,
        Permission.LAB_REPORT_READ,
        Permission.LAB_CATALOGUE_READ,
        Permission.LAB_QC,
    }
)

_PHARMACY_STAFF = frozenset(
    {
        Permission.AUTH_SESSION,
        Permission.PRESCRIPTIONS_READ,
        Permission.PHARMACY_MEDICINES_READ,
        Permission.PHARMACY_INVENTORY,
        Permission.PHARMACY_DISPENSE,
        Permission.MEDS_ADMINISTRATION_READ,
    }
)

_RECEPTIONIST = frozenset(
    {
        Permission.AUTH_SESSION,
        Permission.PATIENTS_REGISTER,
        Permission.PATIENTS_READ_DEMOGRAPHICS,
        Permission.PATIENTS_UPDATE,
        Permission.APPOINTMENTS_MANAGE,
        Permission.OPD_CHECK_IN,
        Permission.OPD_QUEUE_READ,
        Permission.OPD_SCHEDULE_READ,
        # Bed availability for the admission desk; the census shows no clinical fields to this role.
        Permission.CENSUS_READ,
        Permission.DASHBOARD_RECEPTION,
    }
)

_BILLING_STAFF = frozenset(
    {
        Permission.AUTH_SESSION,
        Permission.PATIENTS_READ_DEMOGRAPHICS,
        # Insurance and contact details only: the editable fields of the DEMOGRAPHIC view.
        Permission.PATIENTS_UPDATE,
        Permission.BILLING_READ,
        Permission.BILLING_WRITE,
        Permission.INSURANCE_CLAIMS,
        Permission.REPORTS_FINANCIAL,
    }
)

_RADIOLOGIST = frozenset(
    {
        Permission.AUTH_SESSION,
        Permission.IMAGING_ORDERS_READ,
        # "Only confirm": a radiologist schedules (confirms) an order a doctor placed.
        Permission.IMAGING_SCHEDULE,
        Permission.IMAGING_PROCEDURE,
        Permission.IMAGING_REPORT,
        Permission.IMAGING_IMAGES_READ,
    }
)

ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = MappingProxyType(
    {
        Role.ADMIN: frozenset(Permission),
        Role.DOCTOR: _DOCTOR,
        Role.NURSE: _NURSE,
        Role.LAB_STAFF: _LAB_STAFF,
        Role.PHARMACY_STAFF: _PHARMACY_STAFF,
        Role.RECEPTIONIST: _RECEPTIONIST,
        Role.BILLING_STAFF: _BILLING_STAFF,
        Role.RADIOLOGIST: _RADIOLOGIST,
    }
)


def allows(role: Role, permission: Permission) -> bool:
    """Whether `role` may perform `permission` at all (assignment is checked separately)."""
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


def permissions_of(role: Role) -> frozenset[Permission]:
    """Everything `role` may do (the answer of `GET /users/:id/permissions`)."""
    return ROLE_PERMISSIONS.get(role, frozenset())


def needs_assignment(role: Role) -> bool:
    """Whether `role` sees a patient's clinical record only when the patient is assigned to it."""
    return role in (Role.DOCTOR, Role.NURSE)


def may_amend_note(role: Role, actor_id: UUID, author_id: UUID) -> bool:
    """Whether the actor may change a clinical note (consultation or daily note) written by `author_id`.

    A note is its author's record: another doctor adds a note of their own rather than editing.
    ADMIN keeps "all operations" (e.g. correcting a note filed under the wrong patient).
    """
    return role is Role.ADMIN or actor_id == author_id


def break_glass_expires_at(granted_at: datetime) -> datetime:
    """When a break-the-glass grant made at `granted_at` stops opening the record."""
    return granted_at + timedelta(minutes=BREAK_GLASS_MINUTES)


def validate_break_glass_reason(reason: str, field: str = "reason") -> str:
    """The stated reason, trimmed; refuses an empty or token reason."""
    cleaned = " ".join(reason.split())
    if len(cleaned) < BREAK_GLASS_MIN_REASON_CHARS:
        raise ValidationFailed(
            fields={
                field: f"State why you need this record (at least {BREAK_GLASS_MIN_REASON_CHARS} characters)"
            }
        )
    return cleaned


class PatientView(StrEnum):
    """How much of a patient record a role sees."""

    FULL = "FULL"  # everything, clinical included (for assigned patients, see module text)
    DEMOGRAPHIC = "DEMOGRAPHIC"  # identity, contact, insurance; no clinical fields
    TEST_RELATED = "TEST_RELATED"  # enough to identify the patient and read a result: name, MRN, age, sex
    NONE = "NONE"


PATIENT_FIELDS: frozenset[str] = frozenset(
    {
        "id",
        "mrn",
        "firstName",
        "lastName",
        "dateOfBirth",
        "dobIsEstimated",
        "age",
        "gender",
        "phone",
        "email",
        "address",
        "city",
        "state",
        "pincode",
        "occupation",
        "bloodGroup",
        "emergencyContactName",
        "emergencyContactPhone",
        "primaryInsuranceId",
        "primaryInsuranceNumber",
        "allergies",
        "chronicConditions",
        "previousSurgeries",
        "currentMedications",
        "structuredAllergies",
        "healthId",
        "isUnidentified",
        "mergedInto",
        "version",
        "createdAt",
        "updatedAt",
    }
)

CLINICAL_PATIENT_FIELDS: frozenset[str] = frozenset(
    {
        "bloodGroup",
        "allergies",
        "chronicConditions",
        "previousSurgeries",
        "currentMedications",
        "structuredAllergies",
    }
)

# Lab reference ranges depend on age and sex, hence the date of birth.
TEST_RELATED_PATIENT_FIELDS: frozenset[str] = frozenset(
    {"id", "mrn", "firstName", "lastName", "age", "gender", "dateOfBirth"}
)

# Kept by the system, never written through an update.
SYSTEM_PATIENT_FIELDS: frozenset[str] = frozenset(
    {"id", "mrn", "age", "mergedInto", "version", "createdAt", "updatedAt"}
)

PATIENT_VIEW_FIELDS: Mapping[PatientView, frozenset[str]] = MappingProxyType(
    {
        PatientView.FULL: PATIENT_FIELDS,
        PatientView.DEMOGRAPHIC: PATIENT_FIELDS - CLINICAL_PATIENT_FIELDS,
        PatientView.TEST_RELATED: TEST_RELATED_PATIENT_FIELDS,
        PatientView.NONE: frozenset(),
    }
)

PATIENT_VIEW: Mapping[Role, PatientView] = MappingProxyType(
    {
        Role.ADMIN: PatientView.FULL,
        Role.DOCTOR: PatientView.FULL,
        Role.NURSE: PatientView.FULL,
        Role.RECEPTIONIST: PatientView.DEMOGRAPHIC,
        Role.BILLING_STAFF: PatientView.DEMOGRAPHIC,
        Role.LAB_STAFF: PatientView.TEST_RELATED,
        Role.RADIOLOGIST: PatientView.TEST_RELATED,
        # The counter identifies the patient by name and MRN; age and sex sanity-check a dose.
        # Allergy checks belong to the prescriber, and the prescription carries what is needed.
        Role.PHARMACY_STAFF: PatientView.TEST_RELATED,
    }
)


def patient_view_of(role: Role) -> PatientView:
    """The view of patient records that `role` gets (NONE for an unknown role)."""
    return PATIENT_VIEW.get(role, PatientView.NONE)


def patient_fields_for(role: Role) -> frozenset[str]:
    """The camelCase patient fields `role` may read, wherever a patient appears in an answer."""
    return PATIENT_VIEW_FIELDS[patient_view_of(role)]


def patient_editable_fields_for(role: Role) -> frozenset[str]:
    """The patient fields `role` may change with `PUT /patients/:id`: readable, not system-kept.

    BILLING_STAFF and RECEPTIONIST thus correct contact and insurance details but never clinical data.
    """
    if not allows(role, Permission.PATIENTS_UPDATE):
        return frozenset()
    return patient_fields_for(role) - SYSTEM_PATIENT_FIELDS


# Every route of spec section 3 (method, path as the spec writes it) and the one permission it needs.
# The server's route for each carries a guard for exactly this permission.
PUBLIC_SPEC_ROUTES: frozenset[tuple[str, str]] = frozenset({("POST", "/auth/login")})

SPEC_ROUTE_PERMISSIONS: Mapping[tuple[str, str], Permission] = MappingProxyType(
    {
        # Authentication
        ("POST", "/auth/logout"): Permission.AUTH_SESSION,
        ("POST", "/auth/refresh-token"): Permission.AUTH_SESSION,
        ("POST", "/auth/register"): Permission.USERS_MANAGE,
        # Patient management
        ("GET", "/patients"): Permission.PATIENTS_READ_DEMOGRAPHICS,
        ("POST", "/patients"): Permission.PATIENTS_REGISTER,
        ("GET", "/patients/:id"): Permission.PATIENTS_READ_DEMOGRAPHICS,
        ("PUT", "/patients/:id"): Permission.PATIENTS_UPDATE,
        ("GET", "/patients/:id/medical-history"): Permission.PATIENTS_READ_CLINICAL,
        ("GET", "/patients/:id/visits"): Permission.PATIENTS_READ_CLINICAL,
        ("GET", "/patients/:id/bills"): Permission.BILLING_READ,
        ("GET", "/patients/:id/prescriptions"): Permission.PRESCRIPTIONS_READ,
        # OPD
        ("POST", "/opd/check-in"): Permission.OPD_CHECK_IN,
        ("POST", "/opd/consultations"): Permission.OPD_CONSULT,
        ("GET", "/opd/queue"): Permission.OPD_QUEUE_READ,
        ("POST", "/opd/consultations/:id/notes"): Permission.OPD_CONSULT,
        ("POST", "/opd/consultations/:id/prescribe"): Permission.PRESCRIPTIONS_WRITE,
        ("GET", "/opd/doctor/:doctorId/schedule"): Permission.OPD_SCHEDULE_READ,
        ("POST", "/opd/consultations/:id/complete"): Permission.OPD_CONSULT,
        # IPD
        ("POST", "/ipd/admissions"): Permission.IPD_ADMIT,
        ("GET", "/ipd/admissions"): Permission.IPD_READ,
        ("GET", "/ipd/admissions/:id"): Permission.IPD_READ,
        ("POST", "/ipd/admissions/:id/daily-notes"): Permission.IPD_NOTES_WRITE,
        ("POST", "/ipd/admissions/:id/prescribe"): Permission.PRESCRIPTIONS_WRITE,
        ("GET", "/ipd/admissions/:id/lab-orders"): Permission.IPD_READ,
        ("GET", "/ipd/admissions/:id/vital-signs"): Permission.IPD_READ,
        ("POST", "/ipd/admissions/:id/discharge"): Permission.IPD_DISCHARGE,
        ("POST", "/ipd/admissions/:id/transfer"): Permission.IPD_TRANSFER,
        ("GET", "/ipd/census"): Permission.CENSUS_READ,
        ("GET", "/ipd/rooms/:roomId/beds"): Permission.CENSUS_READ,
        # Pharmacy
        ("GET", "/pharmacy/medicines"): Permission.PHARMACY_MEDICINES_READ,
        ("POST", "/pharmacy/medicines"): Permission.PHARMACY_INVENTORY,
        ("PUT", "/pharmacy/medicines/:id/stock"): Permission.PHARMACY_INVENTORY,
        ("GET", "/pharmacy/inventory"): Permission.PHARMACY_INVENTORY,
        ("GET", "/pharmacy/expiry-alerts"): Permission.PHARMACY_INVENTORY,
        ("POST", "/pharmacy/dispense"): Permission.PHARMACY_DISPENSE,
        ("GET", "/pharmacy/stock-report"): Permission.PHARMACY_INVENTORY,
        ("POST", "/pharmacy/reorder"): Permission.PHARMACY_INVENTORY,
        # Laboratory
        ("POST", "/lab/orders"): Permission.LAB_ORDER,
        ("GET", "/lab/orders"): Permission.LAB_ORDERS_READ,
        ("POST", "/lab/orders/:id/collect-sample"): Permission.LAB_SAMPLE,
        ("POST", "/lab/orders/:id/result"): Permission.LAB_RESULT_ENTER,
        ("GET", "/lab/orders/:id/report"): Permission.LAB_REPORT_READ,
        ("GET", "/lab/worklist"): Permission.LAB_WORKLIST,
        ("GET", "/lab/test-categories"): Permission.LAB_CATALOGUE_READ,
        ("POST", "/lab/quality-control"): Permission.LAB_QC,
        # Imaging / radiology
        ("POST", "/imaging/orders"): Permission.IMAGING_ORDER,
        ("GET", "/imaging/orders"): Permission.IMAGING_ORDERS_READ,
        ("POST", "/imaging/orders/:id/schedule"): Permission.IMAGING_SCHEDULE,
        ("POST", "/imaging/orders/:id/procedure"): Permission.IMAGING_PROCEDURE,
        ("POST", "/imaging/orders/:id/report"): Permission.IMAGING_REPORT,
        ("GET", "/imaging/orders/:id/images"): Permission.IMAGING_IMAGES_READ,
        # Billing and insurance
        ("POST", "/billing/generate-bill"): Permission.BILLING_WRITE,
        ("GET", "/billing/bills"): Permission.BILLING_READ,
        ("GET", "/billing/bills/:id"): Permission.BILLING_READ,
        ("POST", "/billing/bills/:id/add-item"): Permission.BILLING_WRITE,
        ("POST", "/billing/bills/:id/finalize"): Permission.BILLING_WRITE,
        ("POST", "/billing/bills/:id/payment"): Permission.BILLING_WRITE,
        ("POST", "/billing/insurance-claims"): Permission.INSURANCE_CLAIMS,
        ("GET", "/billing/insurance-claims"): Permission.INSURANCE_CLAIMS,
        ("POST", "/billing/insurance-claims/:id/submit"): Permission.INSURANCE_CLAIMS,
        ("GET", "/billing/insurance-claims/:id/status"): Permission.INSURANCE_CLAIMS,
        ("GET", "/billing/daily-summary"): Permission.REPORTS_FINANCIAL,
        ("GET", "/billing/financial-report"): Permission.REPORTS_FINANCIAL,
        # Reporting and analytics
        ("GET", "/reports/opd-summary"): Permission.REPORTS_CLINICAL,
        ("GET", "/reports/ipd-summary"): Permission.REPORTS_CLINICAL,
        ("GET", "/reports/lab-volume"): Permission.REPORTS_CLINICAL,
        ("GET", "/reports/financial"): Permission.REPORTS_FINANCIAL,
        ("GET", "/reports/staff-performance"): Permission.REPORTS_STAFF,
        ("GET", "/reports/inventory-aging"): Permission.PHARMACY_INVENTORY,
        ("GET", "/reports/patient-demographics"): Permission.REPORTS_CLINICAL,
        ("GET", "/reports/insurance-performance"): Permission.REPORTS_FINANCIAL,
        # Users and access
        ("GET", "/users"): Permission.USERS_MANAGE,
        ("POST", "/users"): Permission.USERS_MANAGE,
        ("PUT", "/users/:id/role"): Permission.USERS_MANAGE,
        ("POST", "/users/:id/reset-password"): Permission.USERS_MANAGE,
        ("GET", "/users/:id/permissions"): Permission.USERS_MANAGE,
        ("GET", "/audit-log"): Permission.AUDIT_READ,
        # Dashboards
        ("GET", "/dashboard/overview"): Permission.DASHBOARD_OVERVIEW,
        ("GET", "/dashboard/doctor/my-schedule"): Permission.DASHBOARD_DOCTOR,
        ("GET", "/dashboard/doctor/pending-actions"): Permission.DASHBOARD_DOCTOR,
        ("GET", "/dashboard/nurse/my-patients"): Permission.DASHBOARD_NURSE,
        ("GET", "/dashboard/receptionist/queue"): Permission.DASHBOARD_RECEPTION,
    }
)
