"""The demo hospital seed: deterministic, idempotent, and shaped the way the rest of the suite relies on.

The session fixture has seeded the database already (tests/conftest.py); these tests look at what is there.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from db.connection import fetch, fetchrow
from db.credentials import verify_password
from db.seed import seed_demo_hospital
from db.seed.hospital import PATIENTS, build_demo_hospital, stable_id
from domain.ipd import RoomType

pytestmark = pytest.mark.usefixtures("server_url")

DEMO_ROLES = {
    "admin@demo.local": "ADMIN",
    "doctor@demo.local": "DOCTOR",
    "nurse@demo.local": "NURSE",
    "lab@demo.local": "LAB_STAFF",
    "pharmacy@demo.local": "PHARMACY_STAFF",
    "reception@demo.local": "RECEPTIONIST",
    "billing@demo.local": "BILLING_STAFF",
    "radiology@demo.local": "RADIOLOGIST",
    "doctor2@demo.local": "DOCTOR",
    "nurse2@demo.local": "NURSE",
}
SEEDED_WARDS = ["GMW", "SGW", "MCW", "CCU"]
# Other tests add patients, admissions and allergies of their own: checks of the seed's data look only at its own.
SEEDED_PATIENTS = [stable_id("patient", n) for n in range(1, PATIENTS + 1)]
COUNTED_TABLES = (
    "departments", "users", "doctors", "hospital_staff", "wards", "rooms", "beds", "patients", "patient_allergies",
    "patient_visits", "opd_consultations", "ipd_admissions", "bed_assignments", "medicines", "medicine_batches",
    "stock_movements", "lab_test_catalog", "lab_analytes", "insurance_companies", "suppliers",
)


async def _one(sql: str, *args: Any) -> Any:
    row = await fetchrow(sql, *args)
    assert row is not None
    return row[0]


async def _counts() -> dict[str, int]:
    return {table: await _one(f"SELECT count(*) FROM {table}") for table in COUNTED_TABLES}


async def test_seeding_again_changes_no_counts(settings):
    before = await _counts()
    summary = await seed_demo_hospital(demo_password=settings.demo_password)
    assert await _counts() == before
    # Only roster days that came into the window since the first run could be new.
    assert {table: n for table, n in summary.inserted.items() if table != "duty_roster" and n} == {}
    assert summary.rows["patients"] == 500


def test_two_builds_give_the_same_rows_whatever_the_day():
    now = datetime.now(UTC)
    first = dict(build_demo_hospital(password_hash="x", now=now).tables)
    again = dict(build_demo_hospital(password_hash="x", now=now).tables)
    assert first == again
    assert all(len({r["id"] for r in rows}) == len(rows) for rows in first.values())
    later = dict(build_demo_hospital(password_hash="x", now=now + timedelta(days=40, hours=5)).tables)
    for table, rows in first.items():
        if table != "duty_roster":
            assert [r["id"] for r in rows] == [r["id"] for r in later[table]], table
    names = [(p["mrn"], p["first_name"], p["last_name"], p["phone"]) for p in first["patients"]]
    assert names == [(p["mrn"], p["first_name"], p["last_name"], p["phone"]) for p in later["patients"]]


async def test_the_four_wards_hold_120_beds_in_rooms_of_every_type():
    beds = await _one(
        "SELECT count(*) FROM beds b JOIN rooms r ON r.id = b.room_id JOIN wards w ON w.id = r.ward_id "
        "WHERE w.code = ANY($1::text[])",
        SEEDED_WARDS,
    )
    assert beds == 120
    rows = await fetch(
        "SELECT r.room_type, min(r.rate_per_day) AS rate FROM rooms r JOIN wards w ON w.id = r.ward_id "
        "WHERE w.code = ANY($1::text[]) GROUP BY r.room_type",
        SEEDED_WARDS,
    )
    rates = {row["room_type"]: row["rate"] for row in rows}
    assert set(rates) == {t.value for t in RoomType}
    assert rates["GENERAL"] < rates["SEMI_PRIVATE"] < rates["PRIVATE"] < rates["HDU"] < rates["ICU"]
    states = {row["status"] for row in await fetch("SELECT DISTINCT status FROM beds")}
    assert {"AVAILABLE", "OCCUPIED", "CLEANING", "MAINTENANCE", "RESERVED"} <= states


async def test_every_demo_log_in_exists_with_its_role_and_the_demo_password(settings):
    rows = await fetch(
        "SELECT email, role, is_active, password_hash FROM users WHERE email = ANY($1::text[])", list(DEMO_ROLES)
    )
    assert {row["email"]: row["role"] for row in rows} == DEMO_ROLES
    assert all(row["is_active"] for row in rows)
    assert await verify_password(rows[0]["password_hash"], settings.demo_password)
    roles = {row["role"] for row in await fetch("SELECT DISTINCT role FROM users WHERE email LIKE '%@demo.local'")}
    assert roles == set(DEMO_ROLES.values())


async def test_the_two_demo_doctors_work_in_different_departments_with_their_own_patients():
    rows = await fetch(
        "SELECT u.email, d.id, dep.code FROM doctors d JOIN users u ON u.id = d.user_id "
        "JOIN departments dep ON dep.id = d.department_id WHERE u.email IN ('doctor@demo.local', 'doctor2@demo.local')"
    )
    doctors = {row["email"]: row for row in rows}
    assert doctors["doctor@demo.local"]["code"] == "GMED"
    assert doctors["doctor2@demo.local"]["code"] != "GMED"
    for email in doctors:
        admitted = await _one(
            "SELECT count(*) FROM ipd_admissions WHERE status = 'ACTIVE' AND primary_doctor_id = $1",
            doctors[email]["id"],
        )
        assert admitted > 0, email
    shared = await _one(
        "SELECT count(*) FROM (SELECT patient_id FROM patient_visits WHERE assigned_doctor_id = $1 "
        "INTERSECT SELECT patient_id FROM patient_visits WHERE assigned_doctor_id = $2) AS both_doctors "
        "WHERE patient_id = ANY($3::uuid[])",
        doctors["doctor@demo.local"]["id"], doctors["doctor2@demo.local"]["id"], SEEDED_PATIENTS,
    )
    assert shared == 0


async def test_a_demo_nurse_is_on_duty_now_on_a_ward_with_active_admissions():
    rows = await fetch(
        "SELECT w.code, count(DISTINCT a.id) AS admitted FROM duty_roster d "
        "JOIN users u ON u.id = d.user_id JOIN wards w ON w.id = d.ward_id "
        "JOIN ward_assignments wa ON wa.user_id = u.id AND wa.ward_id = w.id "
        "JOIN rooms r ON r.ward_id = w.id JOIN ipd_admissions a ON a.room_id = r.id AND a.status = 'ACTIVE' "
        "WHERE u.email = $1 AND d.starts_at <= now() AND now() < d.ends_at GROUP BY w.code",
        "nurse@demo.local",
    )
    assert len(rows) == 1 and rows[0]["admitted"] > 0
    other = await fetch(
        "SELECT DISTINCT w.code FROM ward_assignments wa JOIN users u ON u.id = wa.user_id "
        "JOIN wards w ON w.id = wa.ward_id WHERE u.email = 'nurse2@demo.local'"
    )
    assert other and rows[0]["code"] not in {row["code"] for row in other}


async def test_the_roster_covers_every_shift_from_a_week_ago_to_a_month_ahead():
    # From six days back: a week back at this time of day may fall before the first seeded shift.
    for hours in range(-6 * 24, 30 * 24, 5):
        on_duty = await _one(
            "SELECT count(*) FROM duty_roster d JOIN users u ON u.id = d.user_id "
            "WHERE u.role = 'NURSE' AND d.ward_id IS NOT NULL "
            "AND d.starts_at <= now() + make_interval(hours => $1) AND now() + make_interval(hours => $1) < d.ends_at",
            hours,
        )
        assert on_duty >= 4, hours  # at least the demo nurses and one regular nurse per other ward


async def test_every_active_admission_holds_an_occupied_bed_through_an_open_bed_assignment():
    broken = await _one(
        "SELECT count(*) FROM ipd_admissions a JOIN beds b ON b.id = a.bed_id "
        "LEFT JOIN bed_assignments ba ON ba.admission_id = a.id AND ba.bed_id = a.bed_id AND ba.ended_at IS NULL "
        "WHERE a.status = 'ACTIVE' AND a.patient_id = ANY($1::uuid[]) AND (b.status <> 'OCCUPIED' OR ba.id IS NULL)",
        SEEDED_PATIENTS,
    )
    assert broken == 0
    active = "SELECT count(*) FROM ipd_admissions WHERE status = 'ACTIVE' AND patient_id = ANY($1::uuid[])"
    assert await _one(active, SEEDED_PATIENTS) >= 60


async def test_potassium_and_haemoglobin_carry_their_reference_and_critical_limits():
    potassium = await fetch(
        "SELECT a.ref_low, a.ref_high, a.critical_low, a.critical_high, a.unit FROM lab_analytes a "
        "JOIN lab_test_catalog c ON c.id = a.catalog_id WHERE a.code = 'K' AND c.code IN ('RFT', 'ELEC')"
    )
    assert len(potassium) == 2
    for row in potassium:
        assert (float(row["critical_low"]), float(row["critical_high"])) == (2.5, 6.5)
        assert (float(row["ref_low"]), float(row["ref_high"])) == (3.5, 5.1)
        assert row["unit"] == "mmol/L"
    haemoglobin = await fetch(
        "SELECT a.sex, a.ref_low FROM lab_analytes a JOIN lab_test_catalog c ON c.id = a.catalog_id "
        "WHERE c.code = 'CBC' AND a.code = 'HB' AND a.age_min_years IS NULL AND a.age_max_years IS NULL"
    )
    assert {row["sex"]: float(row["ref_low"]) for row in haemoglobin} == {"MALE": 13.0, "FEMALE": 12.0}
    bands = await fetch(
        "SELECT a.age_min_years, a.age_max_years, a.ref_low FROM lab_analytes a "
        "JOIN lab_test_catalog c ON c.id = a.catalog_id WHERE c.code = 'CBC' AND a.code = 'HB' "
        "AND a.age_max_years IS NOT NULL ORDER BY a.age_min_years"
    )
    assert [(r["age_min_years"], r["age_max_years"], float(r["ref_low"])) for r in bands] == [
        (0, 0, 9.5), (1, 5, 11.0), (6, 12, 11.5)
    ]


async def test_patients_look_indian_and_are_numbered_from_mrn_1():
    first = await fetchrow("SELECT id FROM patients WHERE mrn = 'MRN-2026-000001'")
    assert first is not None and first["id"] == SEEDED_PATIENTS[0]
    rows = await fetch("SELECT phone, pincode, health_id FROM patients WHERE id = ANY($1::uuid[])", SEEDED_PATIENTS)
    assert len(rows) == PATIENTS
    assert all(re.fullmatch(r"\+91[6-9]\d{9}", row["phone"]) for row in rows)
    assert all(re.fullmatch(r"[1-9]\d{5}", row["pincode"]) for row in rows)
    abha = [row["health_id"] for row in rows if row["health_id"]]
    assert abha and all(re.fullmatch(r"\d{2}-\d{4}-\d{4}-\d{4}", h) for h in abha)


async def test_drug_class_allergies_name_a_class_of_the_formulary():
    unmatched = await fetch(
        "SELECT DISTINCT allergen FROM patient_allergies WHERE allergen_type = 'DRUG_CLASS' "
        "AND patient_id = ANY($1::uuid[]) "
        "AND lower(allergen) NOT IN (SELECT lower(drug_class) FROM medicines WHERE drug_class IS NOT NULL)",
        SEEDED_PATIENTS,
    )
    assert await _one("SELECT count(*) FROM patient_allergies WHERE patient_id = ANY($1::uuid[])", SEEDED_PATIENTS)
    assert unmatched == []


async def test_the_three_insurers_of_the_spec_are_there():
    insurers = {row["company_code"] for row in await fetch("SELECT company_code FROM insurance_companies")}
    assert {"HDFC", "AXA", "ICICI"} <= insurers
