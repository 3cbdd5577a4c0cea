"""The role policy against spec section 4, written out by hand as an expectation table.

If a row here fails, either the policy drifted from the spec or the spec changed: decide which.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.errors import ValidationFailed
from domain.policy import (
    BREAK_GLASS_MINUTES,
    CLINICAL_PATIENT_FIELDS,
    FINANCIAL_PERMISSIONS,
    PATIENT_FIELDS,
    PATIENT_VIEW,
    PUBLIC_SPEC_ROUTES,
    ROLE_PERMISSIONS,
    SPEC_ROUTE_PERMISSIONS,
    PatientView,
    Permission,
    allows,
    break_glass_expires_at,
    may_amend_note,
    needs_assignment,
    patient_editable_fields_for,
    patient_fields_for,
    permissions_of,
    validate_break_glass_reason,
)
from domain.roles import Role

P = Permission
R = Role

# (role, permission, allowed, the line of spec section 4 the row stands for)
ROLE_MATRIX: list[tuple[Role, Permission, bool, str]] = [
    # ADMIN
    (R.ADMIN, P.USERS_MANAGE, True, "ADMIN: user management"),
    (R.ADMIN, P.SYSTEM_CONFIGURE, True, "ADMIN: system configuration"),
    (R.ADMIN, P.REPORTS_FINANCIAL, True, "ADMIN: financial reports"),
    (R.ADMIN, P.AUDIT_READ, True, "ADMIN: audit logs"),
    (R.ADMIN, P.PATIENTS_READ_CLINICAL, True, "ADMIN: all operations"),
    # DOCTOR
    (R.DOCTOR, P.PATIENTS_READ_CLINICAL, True, "DOCTOR: view patients (assigned)"),
    (R.DOCTOR, P.OPD_CONSULT, True, "DOCTOR: create/update consultations"),
    (R.DOCTOR, P.PRESCRIPTIONS_WRITE, True, "DOCTOR: prescribe medications"),
    (R.DOCTOR, P.LAB_ORDER, True, "DOCTOR: order lab tests"),
    (R.DOCTOR, P.IMAGING_ORDER, True, "DOCTOR: order imaging tests"),
    (R.DOCTOR, P.IPD_READ, True, "DOCTOR: view patient history"),
    (R.DOCTOR, P.IPD_DISCHARGE, True, "DOCTOR: create discharge summaries"),
    (R.DOCTOR, P.BILLING_READ, False, "DOCTOR: no viewing financial data (bills)"),
    (R.DOCTOR, P.REPORTS_FINANCIAL, False, "DOCTOR: no viewing financial data (reports)"),
    (R.DOCTOR, P.INSURANCE_CLAIMS, False, "DOCTOR: no viewing financial data (claims)"),
    (R.DOCTOR, P.USERS_MANAGE, False, "DOCTOR: no user management"),
    # NURSE
    (R.NURSE, P.IPD_READ, True, "NURSE: view assigned patients (IPD)"),
    (R.NURSE, P.IPD_VITALS_WRITE, True, "NURSE: enter vital signs"),
    (R.NURSE, P.IPD_NOTES_WRITE, True, "NURSE: create daily notes"),
    (R.NURSE, P.MEDS_ADMINISTER, True, "NURSE: medication administration tracking"),
    (R.NURSE, P.ALERTS_ACK, True, "NURSE: patient monitoring"),
    (R.NURSE, P.OPD_CONSULT, False, "NURSE: no creating consultations"),
    (R.NURSE, P.PRESCRIPTIONS_WRITE, False, "NURSE: no prescribing"),
    (R.NURSE, P.BILLING_READ, False, "NURSE: no viewing financial data"),
    (R.NURSE, P.REPORTS_FINANCIAL, False, "NURSE: no viewing financial data (reports)"),
    # LAB_STAFF
    (R.LAB_STAFF, P.LAB_WORKLIST, True, "LAB_STAFF: view lab orders assigned to them"),
    (R.LAB_STAFF, P.LAB_RESULT_ENTER, True, "LAB_STAFF: enter test results"),
    (R.LAB_STAFF, P.LAB_SAMPLE, True, "LAB_STAFF: manage samples"),
    (R.LAB_STAFF, P.LAB_REPORT_READ, True, "LAB_STAFF: generate lab reports"),
    (R.LAB_STAFF, P.LAB_ORDER, False, "LAB_STAFF: no modifying orders"),
    (R.LAB_STAFF, P.PATIENTS_READ_DEMOGRAPHICS, False, "LAB_STAFF: no demographics beyond test-related"),
    (R.LAB_STAFF, P.PATIENTS_READ_CLINICAL, False, "LAB_STAFF: lab only"),
    (R.LAB_STAFF, P.BILLING_READ, False, "LAB_STAFF: lab only (no financial)"),
    # PHARMACY_STAFF
    (R.PHARMACY_STAFF, P.PRESCRIPTIONS_READ, True, "PHARMACY_STAFF: view prescriptions"),
    (R.PHARMACY_STAFF, P.PHARMACY_DISPENSE, True, "PHARMACY_STAFF: dispense medications"),
    (R.PHARMACY_STAFF, P.PHARMACY_INVENTORY, True, "PHARMACY_STAFF: manage inventory"),
    (R.PHARMACY_STAFF, P.MEDS_ADMINISTRATION_READ, True, "PHARMACY_STAFF: track medication administration"),
    (R.PHARMACY_STAFF, P.PRESCRIPTIONS_WRITE, False, "PHARMACY_STAFF: no creating prescriptions"),
    (R.PHARMACY_STAFF, P.PRESCRIPTIONS_WRITE, False, "PHARMACY_STAFF: no modifying doses"),
    (R.PHARMACY_STAFF, P.MEDS_ADMINISTER, False, "PHARMACY_STAFF: tracks, does not administer"),
    # RECEPTIONIST
    (R.RECEPTIONIST, P.PATIENTS_REGISTER, True, "RECEPTIONIST: register patients"),
    (R.RECEPTIONIST, P.APPOINTMENTS_MANAGE, True, "RECEPTIONIST: schedule appointments"),
    (R.RECEPTIONIST, P.OPD_CHECK_IN, True, "RECEPTIONIST: check-in patients"),
    (R.RECEPTIONIST, P.OPD_QUEUE_READ, True, "RECEPTIONIST: view waiting queue"),
    (R.RECEPTIONIST, P.PATIENTS_READ_CLINICAL, False, "RECEPTIONIST: no viewing clinical data"),
    (R.RECEPTIONIST, P.IPD_READ, False, "RECEPTIONIST: no viewing clinical data (admissions)"),
    (R.RECEPTIONIST, P.LAB_REPORT_READ, False, "RECEPTIONIST: no viewing clinical data (results)"),
    (R.RECEPTIONIST, P.PRESCRIPTIONS_READ, False, "RECEPTIONIST: no viewing clinical data (medicines)"),
    (R.RECEPTIONIST, P.BILLING_WRITE, False, "RECEPTIONIST: no financial operations"),
    (R.RECEPTIONIST, P.BILLING_READ, False, "RECEPTIONIST: no financial operations (reading)"),
    # BILLING_STAFF
    (R.BILLING_STAFF, P.BILLING_WRITE, True, "BILLING_STAFF: generate bills, record payments"),
    (R.BILLING_STAFF, P.INSURANCE_CLAIMS, True, "BILLING_STAFF: submit insurance claims"),
    (R.BILLING_STAFF, P.REPORTS_FINANCIAL, True, "BILLING_STAFF: view financial reports"),
    (R.BILLING_STAFF, P.OPD_CONSULT, False, "BILLING_STAFF: no modifying clinical data (consultations)"),
    (R.BILLING_STAFF, P.IPD_NOTES_WRITE, False, "BILLING_STAFF: no modifying clinical data (notes)"),
    (R.BILLING_STAFF, P.PRESCRIPTIONS_WRITE, False, "BILLING_STAFF: no modifying clinical data (medicines)"),
    (R.BILLING_STAFF, P.PATIENTS_READ_CLINICAL, False, "BILLING_STAFF: no clinical data"),
    (R.BILLING_STAFF, P.USERS_MANAGE, False, "BILLING_STAFF: no user management"),
    # RADIOLOGIST
    (R.RADIOLOGIST, P.IMAGING_ORDERS_READ, True, "RADIOLOGIST: view imaging orders"),
    (R.RADIOLOGIST, P.IMAGING_PROCEDURE, True, "RADIOLOGIST: upload images"),
    (R.RADIOLOGIST, P.IMAGING_REPORT, True, "RADIOLOGIST: create reports"),
    (R.RADIOLOGIST, P.IMAGING_SCHEDULE, True, "RADIOLOGIST: confirm (schedule) an order"),
    (R.RADIOLOGIST, P.IMAGING_ORDER, False, "RADIOLOGIST: no ordering imaging (only confirm)"),
    (R.RADIOLOGIST, P.BILLING_READ, False, "RADIOLOGIST: no financial data"),
    (R.RADIOLOGIST, P.REPORTS_FINANCIAL, False, "RADIOLOGIST: no financial data (reports)"),
]


@pytest.mark.parametrize(
    ("role", "permission", "allowed"),
    [row[:3] for row in ROLE_MATRIX],
    ids=[row[3] for row in ROLE_MATRIX],
)
def test_role_matrix_follows_spec_section_4(role: Role, permission: Permission, allowed: bool) -> None:
    assert allows(role, permission) is allowed


@pytest.mark.parametrize("permission", list(Permission))
def test_admin_may_do_everything(permission: Permission) -> None:
    assert allows(Role.ADMIN, permission)


@pytest.mark.parametrize(
    "role",
    [R.DOCTOR, R.NURSE, R.LAB_STAFF, R.PHARMACY_STAFF, R.RECEPTIONIST, R.RADIOLOGIST],
)
def test_only_admin_and_billing_staff_touch_money(role: Role) -> None:
    assert permissions_of(role).isdisjoint(FINANCIAL_PERMISSIONS)


@pytest.mark.parametrize("role", [role for role in Role if role is not Role.ADMIN])
def test_only_admin_manages_users_audit_and_configuration(role: Role) -> None:
    for permission in (P.USERS_MANAGE, P.AUDIT_READ, P.SYSTEM_CONFIGURE, P.DEVICES_MANAGE, P.PATIENTS_MERGE):
        assert not allows(role, permission), permission


def test_lab_staff_has_only_lab_permissions() -> None:
    areas = {permission.split(":")[0] for permission in permissions_of(Role.LAB_STAFF)}
    assert areas == {"auth", "lab"}


def test_radiologist_has_only_imaging_permissions() -> None:
    areas = {permission.split(":")[0] for permission in permissions_of(Role.RADIOLOGIST)}
    assert areas == {"auth", "imaging"}


def test_pharmacy_staff_reads_prescriptions_but_never_writes_them() -> None:
    assert allows(Role.PHARMACY_STAFF, P.PRESCRIPTIONS_READ)
    assert not allows(Role.PHARMACY_STAFF, P.PRESCRIPTIONS_WRITE)


def test_every_role_has_permissions_and_a_patient_view() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)
    assert set(PATIENT_VIEW) == set(Role)


def test_every_role_may_keep_its_own_session() -> None:
    assert all(allows(role, P.AUTH_SESSION) for role in Role)


@pytest.mark.parametrize("permission", list(Permission))
def test_permission_names_are_area_colon_verb(permission: Permission) -> None:
    area, _, verb = permission.value.partition(":")
    assert area and verb and area.islower() and verb == verb.lower()


def test_spec_route_table_covers_all_83_routes_of_section_3() -> None:
    assert len(SPEC_ROUTE_PERMISSIONS) + len(PUBLIC_SPEC_ROUTES) == 83
    assert sorted(PUBLIC_SPEC_ROUTES) == [("POST", "/auth/login")]
    assert PUBLIC_SPEC_ROUTES.isdisjoint(SPEC_ROUTE_PERMISSIONS)


@pytest.mark.parametrize(
    ("method", "path", "permission"),
    [
        ("POST", "/patients", P.PATIENTS_REGISTER),
        ("GET", "/patients/:id/medical-history", P.PATIENTS_READ_CLINICAL),
        ("GET", "/patients/:id/bills", P.BILLING_READ),
        ("POST", "/opd/consultations/:id/prescribe", P.PRESCRIPTIONS_WRITE),
        ("POST", "/ipd/admissions/:id/discharge", P.IPD_DISCHARGE),
        ("POST", "/lab/orders/:id/result", P.LAB_RESULT_ENTER),
        ("POST", "/imaging/orders", P.IMAGING_ORDER),
        ("POST", "/imaging/orders/:id/schedule", P.IMAGING_SCHEDULE),
        ("GET", "/billing/financial-report", P.REPORTS_FINANCIAL),
        ("POST", "/auth/register", P.USERS_MANAGE),
        ("GET", "/audit-log", P.AUDIT_READ),
    ],
)
def test_spec_routes_need_the_expected_permission(method: str, path: str, permission: Permission) -> None:
    assert SPEC_ROUTE_PERMISSIONS[(method, path)] is permission


@pytest.mark.parametrize(
    ("role", "view"),
    [
        (R.ADMIN, PatientView.FULL),
        (R.DOCTOR, PatientView.FULL),
        (R.NURSE, PatientView.FULL),
        (R.RECEPTIONIST, PatientView.DEMOGRAPHIC),
        (R.BILLING_STAFF, PatientView.DEMOGRAPHIC),
        (R.LAB_STAFF, PatientView.TEST_RELATED),
        (R.RADIOLOGIST, PatientView.TEST_RELATED),
        (R.PHARMACY_STAFF, PatientView.TEST_RELATED),
    ],
)
def test_each_role_sees_its_patient_view(role: Role, view: PatientView) -> None:
    assert PATIENT_VIEW[role] is view


@pytest.mark.parametrize("role", [R.RECEPTIONIST, R.BILLING_STAFF, R.LAB_STAFF, R.RADIOLOGIST])
def test_non_clinical_roles_may_not_read_clinical_fields(role: Role) -> None:
    assert patient_fields_for(role).isdisjoint(CLINICAL_PATIENT_FIELDS)


def test_receptionist_may_not_read_clinical_fields() -> None:
    fields = patient_fields_for(Role.RECEPTIONIST)
    assert "allergies" not in fields
    assert "bloodGroup" not in fields
    assert {"phone", "address", "primaryInsuranceNumber", "emergencyContactPhone"} <= fields


def test_billing_staff_sees_insurance_but_no_clinical_fields() -> None:
    assert patient_fields_for(Role.BILLING_STAFF) == PATIENT_FIELDS - CLINICAL_PATIENT_FIELDS


@pytest.mark.parametrize("role", [R.LAB_STAFF, R.RADIOLOGIST])
def test_lab_and_radiology_see_only_name_mrn_age_and_sex(role: Role) -> None:
    assert patient_fields_for(role) == {
        "id",
        "mrn",
        "firstName",
        "lastName",
        "age",
        "gender",
        "dateOfBirth",
    }


@pytest.mark.parametrize("role", [R.ADMIN, R.DOCTOR, R.NURSE])
def test_clinical_roles_see_every_patient_field(role: Role) -> None:
    assert patient_fields_for(role) == PATIENT_FIELDS


def test_patient_wire_has_31_fields_of_which_6_are_clinical() -> None:
    assert len(PATIENT_FIELDS) == 31
    assert CLINICAL_PATIENT_FIELDS < PATIENT_FIELDS
    assert len(CLINICAL_PATIENT_FIELDS) == 6


def test_billing_staff_may_edit_insurance_but_not_clinical_fields() -> None:
    editable = patient_editable_fields_for(Role.BILLING_STAFF)
    assert {"primaryInsuranceId", "primaryInsuranceNumber", "phone"} <= editable
    assert editable.isdisjoint(CLINICAL_PATIENT_FIELDS)


def test_doctor_may_edit_allergies() -> None:
    assert "allergies" in patient_editable_fields_for(Role.DOCTOR)


@pytest.mark.parametrize("role", [R.LAB_STAFF, R.RADIOLOGIST, R.PHARMACY_STAFF])
def test_roles_without_patient_update_may_edit_no_patient_field(role: Role) -> None:
    assert patient_editable_fields_for(role) == frozenset()


@pytest.mark.parametrize("role", list(Role))
def test_nobody_edits_system_kept_patient_fields(role: Role) -> None:
    editable = patient_editable_fields_for(role)
    assert editable.isdisjoint({"id", "mrn", "age", "mergedInto", "version", "createdAt", "updatedAt"})


@pytest.mark.parametrize(
    ("role", "needed"),
    [
        (R.ADMIN, False),
        (R.DOCTOR, True),
        (R.NURSE, True),
        (R.LAB_STAFF, False),
        (R.PHARMACY_STAFF, False),
        (R.RECEPTIONIST, False),
        (R.BILLING_STAFF, False),
        (R.RADIOLOGIST, False),
    ],
)
def test_only_doctors_and_nurses_are_limited_to_assigned_patients(role: Role, needed: bool) -> None:
    assert needs_assignment(role) is needed


def test_doctor_may_not_modify_another_doctors_note() -> None:
    assert not may_amend_note(Role.DOCTOR, actor_id=uuid4(), author_id=uuid4())


def test_doctor_may_amend_own_note() -> None:
    me = uuid4()
    assert may_amend_note(Role.DOCTOR, actor_id=me, author_id=me)


def test_admin_may_amend_any_note() -> None:
    assert may_amend_note(Role.ADMIN, actor_id=uuid4(), author_id=uuid4())


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (R.DOCTOR, True),
        (R.NURSE, True),
        (R.ADMIN, True),
        (R.RECEPTIONIST, False),
        (R.BILLING_STAFF, False),
        (R.LAB_STAFF, False),
        (R.PHARMACY_STAFF, False),
        (R.RADIOLOGIST, False),
    ],
)
def test_only_clinical_roles_may_break_the_glass(role: Role, allowed: bool) -> None:
    assert allows(role, P.PATIENTS_BREAK_GLASS) is allowed


def test_break_the_glass_lasts_sixty_minutes() -> None:
    granted = datetime(2026, 3, 15, 2, 0, tzinfo=UTC)
    assert BREAK_GLASS_MINUTES == 60
    assert break_glass_expires_at(granted) == granted + timedelta(hours=1)


@pytest.mark.parametrize("reason", ["", "   ", "x", "emergency"])
def test_break_the_glass_needs_a_real_reason(reason: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        validate_break_glass_reason(reason)
    assert set(refused.value.fields) == {"reason"}


def test_break_the_glass_reason_is_kept_trimmed() -> None:
    assert validate_break_glass_reason("  unconscious in ER,   no  attending ") == (
        "unconscious in ER, no attending"
    )
