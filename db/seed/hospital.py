"""Builds every row of the demo hospital in memory, ready to insert; no I/O here.

Deterministic: one `random.Random(SEED)` draws everything in a fixed order and every id is a uuid5 of a stable key
(`patient:17`, `bed:GMW:101-A`), so two builds give the same rows. Times are anchored to `now` (admitted a few
days ago, a batch expiring next month) and the duty roster covers the days around `now`; the random draws never
depend on the date, so the same patients, beds and medicines come out whatever day it is.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from db.seed import people
from db.seed.catalogue import (
    ANALYZERS,
    DEPARTMENTS,
    DOCTOR_POSTS,
    FORMULARY,
    INSURERS,
    LAB_CATALOGUE,
    MEDICAL_COUNCILS,
    OCCUPANCY,
    RADIOLOGIST_POSTS,
    ROOM_RATES,
    SUPPLIERS,
    WARDS,
    MedicineSpec,
    WardSpec,
    gstin,
)
from db.seed.clinical import ADMISSION_REASONS, DISCHARGE_ADVICE, OPD_PRESENTATIONS, AdmissionReason
from domain.clock import HOSPITAL_TZ, hospital_day
from domain.ipd import AdmissionStatus, AdmissionType, BedState, RoomType
from domain.opd import VisitStatus, VisitType
from domain.patients import BloodGroup, Gender
from domain.registration import estimated_date_of_birth, next_mrn
from domain.roles import Role, Shift, StaffType

SEED = 20261126
# The namespace of every id the seed makes: uuid5(NAMESPACE, "patient:17") is always the same patient.
NAMESPACE = uuid.UUID("0b6f3c1e-5d2a-5e8b-9a41-7c3d2e1f2026")
MRN_YEAR = 2026
PATIENTS = 500
# The duty roster covers these days around the day the seed runs (hospital days, Asia/Kolkata).
ROSTER_DAYS_BEFORE = 7
ROSTER_DAYS_AFTER = 30
DOMAIN = "demo.local"

Row = dict[str, Any]

_CENTS = Decimal("0.01")


def stable_id(kind: str, key: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{kind}:{key}")


def _money(value: Decimal) -> Decimal:
    return value.quantize(_CENTS, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------- shifts

# Three eight-hour shifts that together cover the clock: (start, length).
SHIFT_TIMES: dict[Shift, tuple[time, timedelta]] = {
    Shift.MORNING: (time(7, 0), timedelta(hours=8)),
    Shift.EVENING: (time(15, 0), timedelta(hours=8)),
    Shift.NIGHT: (time(23, 0), timedelta(hours=8)),
}


def shift_window(day: date, shift: Shift) -> tuple[datetime, datetime]:
    """The shift `shift` that starts on hospital day `day`, in UTC (a night shift ends the next morning)."""
    start_time, length = SHIFT_TIMES[shift]
    start = datetime.combine(day, start_time, tzinfo=HOSPITAL_TZ)
    return start.astimezone(UTC), (start + length).astimezone(UTC)


# ---------------------------------------------------------------- the demo log-ins


@dataclass(frozen=True, slots=True)
class DemoLogin:
    email: str
    role: Role
    first_name: str
    last_name: str
    department: str | None = None
    ward: str | None = None
    staff_type: StaffType | None = None


DEMO_LOGINS = (
    DemoLogin(f"admin@{DOMAIN}", Role.ADMIN, "Meera", "Krishnan"),
    DemoLogin(f"doctor@{DOMAIN}", Role.DOCTOR, "Arjun", "Rao", department="GMED"),
    DemoLogin(f"doctor2@{DOMAIN}", Role.DOCTOR, "Farah", "Siddiqui", department="CARD"),
    DemoLogin(f"nurse@{DOMAIN}", Role.NURSE, "Lakshmi", "Gowda", department="GMED", ward="GMW",
              staff_type=StaffType.NURSE),
    DemoLogin(f"nurse2@{DOMAIN}", Role.NURSE, "Jisha", "Varghese", department="GSUR", ward="SGW",
              staff_type=StaffType.NURSE),
    DemoLogin(f"lab@{DOMAIN}", Role.LAB_STAFF, "Ravi", "Shankar", staff_type=StaffType.LAB_TECHNICIAN),
    DemoLogin(f"pharmacy@{DOMAIN}", Role.PHARMACY_STAFF, "Sneha", "Kulkarni", staff_type=StaffType.PHARMACY_TECH),
    DemoLogin(f"reception@{DOMAIN}", Role.RECEPTIONIST, "Pooja", "Shetty", staff_type=StaffType.RECEPTIONIST),
    DemoLogin(f"billing@{DOMAIN}", Role.BILLING_STAFF, "Imran", "Pasha", staff_type=StaffType.BILLING_CLERK),
    DemoLogin(f"radiology@{DOMAIN}", Role.RADIOLOGIST, "Sanjay", "Mehta", department="RADI"),
)
DEMO_EMAILS = frozenset(login.email for login in DEMO_LOGINS)

# Which doctor post (index into DOCTOR_POSTS / RADIOLOGIST_POSTS) each demo doctor holds.
_DEMO_DOCTOR_POSTS = {f"doctor@{DOMAIN}": 1, f"doctor2@{DOMAIN}": 18}
_DEMO_RADIOLOGIST_POST = 0

# Other staff, besides the demo log-ins: (role, staff type, how many more, their regular shifts in turn).
_MORE_STAFF: tuple[tuple[Role, StaffType | None, int, tuple[Shift, ...]], ...] = (
    (Role.ADMIN, None, 1, (Shift.MORNING,)),
    (Role.LAB_STAFF, StaffType.LAB_TECHNICIAN, 3, (Shift.EVENING, Shift.NIGHT, Shift.MORNING)),
    (Role.PHARMACY_STAFF, StaffType.PHARMACY_TECH, 2, (Shift.EVENING, Shift.MORNING)),
    (Role.RECEPTIONIST, StaffType.RECEPTIONIST, 3, (Shift.EVENING, Shift.NIGHT, Shift.MORNING)),
    (Role.BILLING_STAFF, StaffType.BILLING_CLERK, 2, (Shift.EVENING, Shift.MORNING)),
    (Role.RADIOLOGIST, StaffType.RADIOGRAPHER, 2, (Shift.MORNING, Shift.EVENING)),
)
# Regular nurses per ward and their shifts: two on each.
_WARD_NURSE_SHIFTS = (Shift.MORNING, Shift.MORNING, Shift.EVENING, Shift.EVENING, Shift.NIGHT, Shift.NIGHT)

_DUTY_TITLES: dict[Role, str] = {
    Role.ADMIN: "Administrator",
    Role.NURSE: "Staff Nurse",
    Role.LAB_STAFF: "Lab Technician",
    Role.PHARMACY_STAFF: "Pharmacist",
    Role.RECEPTIONIST: "Front Desk",
    Role.BILLING_STAFF: "Billing Desk",
}


@dataclass(slots=True)
class StaffMember:
    id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    role: Role
    phone: str
    department: str | None = None
    ward: str | None = None
    staff_type: StaffType | None = None
    shift: Shift | None = None
    doctor_id: uuid.UUID | None = None
    # A demo log-in (other than admin@) is on every shift, so it is on duty whenever the demo is opened.
    round_the_clock: bool = False


@dataclass(slots=True)
class BedInfo:
    id: uuid.UUID
    room_id: uuid.UUID
    number: str
    room_type: RoomType
    ward: WardSpec
    status: BedState = BedState.AVAILABLE


@dataclass(slots=True)
class PatientInfo:
    id: uuid.UUID
    number: int
    age: int
    gender: Gender
    registered_at: datetime
    department: str
    doctor: StaffMember
    has_encounters: bool
    admitted: bool = False


# Parents before children: the order the tables are inserted in.
INSERT_ORDER = (
    "departments", "users", "doctors", "hospital_staff", "wards", "ward_assignments", "rooms", "beds",
    "insurance_companies", "suppliers", "medicines", "medicine_batches", "stock_movements", "purchase_orders",
    "lab_test_catalog", "lab_analytes", "lab_analyzers", "patients", "patient_allergies", "patient_visits",
    "opd_consultations", "ipd_admissions", "bed_assignments", "duty_roster",
)


@dataclass
class DemoHospital:
    """The rows of every table, and the department heads."""

    rows: dict[str, list[Row]] = field(default_factory=dict)
    # departments.id -> doctors.id, set once the doctors exist (the two tables refer to each other).
    department_heads: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)

    def add(self, table: str, row: Row) -> None:
        if table not in INSERT_ORDER:
            raise ValueError(f"{table} has no place in INSERT_ORDER")
        self.rows.setdefault(table, []).append(row)

    @property
    def tables(self) -> list[tuple[str, list[Row]]]:
        """(table, rows) in an order that satisfies the foreign keys."""
        return [(table, self.rows[table]) for table in INSERT_ORDER if table in self.rows]


def build_demo_hospital(*, password_hash: str, now: datetime) -> DemoHospital:
    return _Builder(password_hash=password_hash, now=now).build()


class _Builder:
    def __init__(self, *, password_hash: str, now: datetime) -> None:
        self.rng = random.Random(SEED)
        self.now = now
        self.today = hospital_day(now)
        self.password_hash = password_hash
        self.out = DemoHospital()
        self.department_ids = {d.code: stable_id("department", d.code) for d in DEPARTMENTS}
        self.ward_ids = {w.code: stable_id("ward", w.code) for w in WARDS}
        self.staff: list[StaffMember] = []
        self.doctors_by_department: dict[str, list[StaffMember]] = {}
        self.beds: list[BedInfo] = []
        self.patients: list[PatientInfo] = []
        self.insurer_ids = [stable_id("insurer", i.code) for i in INSURERS]
        self.supplier_ids = [stable_id("supplier", s.key) for s in SUPPLIERS]
        # No one else shares a demo log-in's name either (first.last@ would read as the same person).
        self._used_emails: set[str] = set(DEMO_EMAILS) | {
            f"{people.email_local_part(d.first_name, d.last_name)}@{DOMAIN}" for d in DEMO_LOGINS
        }
        self._used_phones: set[str] = set()
        self._used_registrations: set[str] = set()

    def build(self) -> DemoHospital:
        self._departments()
        self._staff()
        self._wards()
        self._insurers_and_suppliers()
        self._formulary()
        self._lab_catalogue()
        self._analyzers()
        self._patients()
        self._admissions()
        self._past_visits()
        self._duty_roster()
        return self.out

    # ------------------------------------------------------------ people helpers

    def _by_email(self, email: str) -> StaffMember:
        return next(member for member in self.staff if member.email == email)

    def _phone(self) -> str:
        while True:
            phone = people.mobile(self.rng)
            if phone not in self._used_phones:
                self._used_phones.add(phone)
                return phone

    def _staff_name(self, female: bool) -> tuple[str, str, str]:
        """(first, last, email) of a new member of staff, with an e-mail no one else has."""
        while True:
            community = people.pick_community(self.rng)
            first = people.first_name(self.rng, community, female)
            last = people.surname(self.rng, community, female)
            email = f"{people.email_local_part(first, last)}@{DOMAIN}"
            if email not in self._used_emails:
                self._used_emails.add(email)
                return first, last, email

    def _add_member(self, member: StaffMember) -> StaffMember:
        self.staff.append(member)
        self.out.add("users", {
            "id": member.id,
            "email": member.email,
            "phone": member.phone,
            "first_name": member.first_name,
            "last_name": member.last_name,
            # One hash of the demo password for every demo user: see docs/demo-hospital.md.
            "password_hash": self.password_hash,
            "role": member.role.value,
            "is_active": True,
            "department_id": self.department_ids[member.department] if member.department else None,
        })
        if member.staff_type is not None:
            self.out.add("hospital_staff", {
                "id": stable_id("hospital_staff", member.email),
                "user_id": member.id,
                "staff_type": member.staff_type.value,
                "department_id": self.department_ids[member.department] if member.department else None,
                "shift": member.shift.value if member.shift else None,
            })
        return member

    def _member(self, role: Role, first: str, last: str, email: str, **details: Any) -> StaffMember:
        return self._add_member(StaffMember(
            id=stable_id("user", email), email=email, first_name=first, last_name=last, role=role,
            phone=self._phone(), **details,
        ))

    # ------------------------------------------------------------ departments and staff

    def _departments(self) -> None:
        for spec in DEPARTMENTS:
            self.out.add("departments", {"id": self.department_ids[spec.code], "name": spec.name, "code": spec.code})

    def _staff(self) -> None:
        demo = {login.email: login for login in DEMO_LOGINS}

        def demo_member(email: str, shift: Shift | None = None) -> StaffMember:
            login = demo[email]
            return self._member(
                login.role, login.first_name, login.last_name, email, department=login.department,
                ward=login.ward, staff_type=login.staff_type, shift=shift,
                round_the_clock=login.role is not Role.ADMIN,
            )

        demo_member(f"admin@{DOMAIN}")

        # Doctors: twenty posts, two of them held by the demo doctors.
        posts_by_email = {index: email for email, index in _DEMO_DOCTOR_POSTS.items()}
        for index, (department, specialization, qualification) in enumerate(DOCTOR_POSTS):
            if index in posts_by_email:
                member = demo_member(posts_by_email[index])
            else:
                first, last, email = self._staff_name(female=self.rng.random() < 0.4)
                member = self._member(Role.DOCTOR, first, last, email, department=department)
            self._doctor(member, specialization, qualification, head=not self.doctors_by_department.get(department))

        # Radiologists report imaging, and imaging_orders.radiologist_id references doctors: they get a doctor row.
        for index, (department, specialization, qualification) in enumerate(RADIOLOGIST_POSTS):
            if index == _DEMO_RADIOLOGIST_POST:
                member = demo_member(f"radiology@{DOMAIN}")
            else:
                first, last, email = self._staff_name(female=self.rng.random() < 0.4)
                member = self._member(Role.RADIOLOGIST, first, last, email, department=department)
            self._doctor(member, specialization, qualification, head=not self.doctors_by_department.get(department))

        # Nurses: six per ward, two on each shift, plus the two demo nurses.
        demo_member(f"nurse@{DOMAIN}", Shift.MORNING)
        demo_member(f"nurse2@{DOMAIN}", Shift.MORNING)
        for ward in WARDS:
            for shift in _WARD_NURSE_SHIFTS:
                first, last, email = self._staff_name(female=self.rng.random() < 0.85)
                self._member(Role.NURSE, first, last, email, department=ward.department, ward=ward.code,
                             staff_type=StaffType.NURSE, shift=shift)

        demo_member(f"lab@{DOMAIN}", Shift.MORNING)
        demo_member(f"pharmacy@{DOMAIN}", Shift.MORNING)
        demo_member(f"reception@{DOMAIN}", Shift.MORNING)
        demo_member(f"billing@{DOMAIN}", Shift.MORNING)
        for role, staff_type, count, shifts in _MORE_STAFF:
            for index in range(count):
                first, last, email = self._staff_name(female=self.rng.random() < 0.5)
                radiology = "RADI" if staff_type is StaffType.RADIOGRAPHER else None
                self._member(role, first, last, email, department=radiology, staff_type=staff_type,
                             shift=shifts[index % len(shifts)])

    def _doctor(self, member: StaffMember, specialization: str, qualification: str, *, head: bool) -> None:
        assert member.department is not None
        member.doctor_id = stable_id("doctor", member.email)
        self.doctors_by_department.setdefault(member.department, []).append(member)
        if head:
            self.out.department_heads[self.department_ids[member.department]] = member.doctor_id
        council, prefix, _ = self.rng.choices(MEDICAL_COUNCILS, weights=[w for _, _, w in MEDICAL_COUNCILS])[0]
        while True:
            registration = f"{prefix}-{self.rng.randint(10000, 99999)}"
            if registration not in self._used_registrations:
                self._used_registrations.add(registration)
                break
        self.out.add("doctors", {
            "id": member.doctor_id,
            "user_id": member.id,
            "department_id": self.department_ids[member.department],
            "registration_number": registration,
            "registration_council": council,
            "specialization": specialization,
            "qualification": qualification,
            "experience_years": self.rng.randint(4, 28),
            "available_mon_fri_start": time(9, 0),
            "available_mon_fri_end": time(17, 0),
            "available_weekends": self.rng.random() < 0.3,
        })

    # ------------------------------------------------------------ wards, rooms, beds

    def _wards(self) -> None:
        for ward in WARDS:
            self.out.add("wards", {
                "id": self.ward_ids[ward.code], "name": ward.name, "code": ward.code,
                "department_id": self.department_ids[ward.department], "floor": ward.floor,
            })
            ward_beds: list[BedInfo] = []
            room_serial = 0
            for block in ward.blocks:
                group: list[BedInfo] = []
                for index in range(1, block.rooms + 1):
                    if block.room_type in (RoomType.ICU, RoomType.HDU):
                        room_number = f"{block.room_type.value}-{index}"
                    else:
                        room_serial += 1
                        room_number = str(ward.floor * 100 + room_serial)
                    room_id = stable_id("room", room_number)
                    self.out.add("rooms", {
                        "id": room_id, "ward_id": self.ward_ids[ward.code], "room_number": room_number,
                        "floor": ward.floor, "bed_count": block.beds_per_room, "room_type": block.room_type.value,
                        "rate_per_day": ROOM_RATES[block.room_type],
                    })
                    for bed_index in range(block.beds_per_room):
                        number = f"{room_number}-{'ABCDEFGH'[bed_index]}"
                        group.append(BedInfo(stable_id("bed", number), room_id, number, block.room_type, ward))
                # Occupied now, leaving at least one bed of every type free to admit to.
                occupied = min(len(group) - 1, round(len(group) * OCCUPANCY[block.room_type]))
                for bed in self.rng.sample(group, occupied):
                    bed.status = BedState.OCCUPIED
                ward_beds.extend(group)
            # Cleaning, maintenance, reserved: taken from free beds, never the last free one of a room type.
            for state in ward.special_states:
                free = [bed for bed in ward_beds if bed.status is BedState.AVAILABLE]
                candidates = [
                    bed for bed in free if sum(1 for other in free if other.room_type is bed.room_type) > 1
                ]
                self.rng.choice(candidates).status = BedState(state)
            self.beds.extend(ward_beds)

        for member in self.staff:
            if member.ward is not None:
                self.out.add("ward_assignments", {
                    "id": stable_id("ward_assignment", f"{member.email}:{member.ward}"),
                    "user_id": member.id, "ward_id": self.ward_ids[member.ward],
                })

    # ------------------------------------------------------------ insurers, suppliers, pharmacy

    def _insurers_and_suppliers(self) -> None:
        for insurer, insurer_id in zip(INSURERS, self.insurer_ids, strict=True):
            self.out.add("insurance_companies", {
                "id": insurer_id, "name": insurer.name, "company_code": insurer.code,
                "contact_person": insurer.contact_person, "phone": insurer.phone, "email": insurer.email,
                "api_endpoint": None,
            })
        for supplier, supplier_id in zip(SUPPLIERS, self.supplier_ids, strict=True):
            self.out.add("suppliers", {
                "id": supplier_id, "name": supplier.name, "contact_person": supplier.contact_person,
                "phone": supplier.phone, "email": supplier.email, "gstin": gstin(supplier.state_code, supplier.pan),
                "address": supplier.address,
            })

    def _formulary(self) -> None:
        pharmacist = self._by_email(f"pharmacy@{DOMAIN}")
        # A few medicines are short (stock below the reorder level), and some of those are already on order.
        short = set(self.rng.sample(range(len(FORMULARY)), 6))
        for index, spec in enumerate(FORMULARY):
            medicine_id = stable_id("medicine", spec.code)
            supplier_id = self.rng.choice(self.supplier_ids)
            cost = _money(spec.mrp * Decimal(str(round(self.rng.uniform(0.55, 0.75), 2))))
            level = _reorder_level(spec)
            batches: list[tuple[str, date, int, datetime]] = []
            for batch_index in range(self.rng.choice((1, 2, 2, 3))):
                number = f"{spec.code[:3]}{self.rng.randint(10, 99)}{'ABCDEFGH'[self.rng.randint(0, 7)]}" \
                         f"{self.rng.randint(100, 999)}-{batch_index + 1}"
                roll = self.rng.random()
                if roll < 0.04:
                    expiry = self.today - timedelta(days=self.rng.randint(5, 60))  # expired, awaiting return
                elif roll < 0.14:
                    expiry = self.today + timedelta(days=self.rng.randint(10, 75))  # near expiry
                else:
                    expiry = self.today + timedelta(days=self.rng.randint(180, 900))
                if index in short:
                    quantity = self.rng.randint(1, max(2, level // 4))
                else:
                    quantity = self.rng.randint(level, level * 6)
                received = self.now - timedelta(days=self.rng.randint(5, 200), hours=self.rng.randint(0, 23))
                batches.append((number, expiry, quantity, received))
            usable = sorted((b for b in batches if b[1] >= self.today), key=lambda b: b[1]) or sorted(
                batches, key=lambda b: b[1]
            )
            self.out.add("medicines", {
                "id": medicine_id, "name": spec.name, "generic_name": spec.generic_name, "form": spec.form,
                "strength": spec.strength, "category": spec.category, "drug_class": spec.drug_class,
                "supplier_id": supplier_id, "current_stock": sum(b[2] for b in batches), "reorder_level": level,
                "reorder_quantity": level * 4, "cost_per_unit": cost, "selling_price": spec.mrp,
                "batch_number": usable[0][0], "expiry_date": usable[0][1],
            })
            for number, expiry, quantity, received in batches:
                batch_id = stable_id("medicine_batch", f"{spec.code}:{number}")
                self.out.add("medicine_batches", {
                    "id": batch_id, "medicine_id": medicine_id, "supplier_id": supplier_id, "batch_number": number,
                    "expiry_date": expiry, "quantity": quantity, "cost_per_unit": cost, "received_at": received,
                })
                # The ledger explains current_stock: one receipt per batch.
                self.out.add("stock_movements", {
                    "id": stable_id("stock_movement", f"{spec.code}:{number}"), "medicine_id": medicine_id,
                    "batch_id": batch_id, "action": "ADD", "quantity": quantity,
                    "reason": f"Opening stock: batch {number} received", "actor_id": pharmacist.id,
                    "created_at": received,
                })
            if index in short and index % 2 == 0:
                self.out.add("purchase_orders", {
                    "id": stable_id("purchase_order", spec.code), "medicine_id": medicine_id,
                    "supplier_id": supplier_id, "quantity": level * 4, "status": "ORDERED",
                    "ordered_by": pharmacist.id, "created_at": self.now - timedelta(days=self.rng.randint(1, 3)),
                })

    # ------------------------------------------------------------ laboratory

    def _lab_catalogue(self) -> None:
        for test in LAB_CATALOGUE:
            catalog_id = stable_id("lab_test", test.code)
            self.out.add("lab_test_catalog", {
                "id": catalog_id, "code": test.code, "name": test.name, "category": test.category,
                "section": test.section, "sample_type": test.sample_type, "is_panel": test.is_panel,
                "turnaround_minutes": test.turnaround_minutes, "price": test.price, "is_active": True,
            })
            order = {code: index for index, code in enumerate(dict.fromkeys(a.code for a in test.analytes))}
            for analyte in test.analytes:
                key = f"{test.code}:{analyte.code}:{analyte.sex}"
                if analyte.age_min is not None or analyte.age_max is not None:
                    key += f":{analyte.age_min}-{analyte.age_max}"
                self.out.add("lab_analytes", {
                    "id": stable_id("lab_analyte", key),
                    "catalog_id": catalog_id, "code": analyte.code, "name": analyte.name, "unit": analyte.unit,
                    "sex": analyte.sex, "age_min_years": analyte.age_min, "age_max_years": analyte.age_max,
                    "ref_low": _decimal(analyte.ref_low), "ref_high": _decimal(analyte.ref_high),
                    "critical_low": _decimal(analyte.critical_low),
                    "critical_high": _decimal(analyte.critical_high),
                    "display_order": order[analyte.code],
                })

    def _analyzers(self) -> None:
        """A device account per analyzer (inactive, no usable password: it never signs in) that its results
        are entered as, so each result names what produced it and a person always verifies it."""
        for spec in ANALYZERS:
            email = f"{spec.code.lower()}@devices.{DOMAIN}"
            user_id = stable_id("user", email)
            self.out.add("users", {
                "id": user_id, "email": email, "phone": None, "first_name": spec.name, "last_name": None,
                "password_hash": "!device-account", "role": Role.LAB_STAFF.value, "is_active": False,
                "department_id": None,
            })
            self.out.add("lab_analyzers", {
                "id": stable_id("lab_analyzer", spec.code), "code": spec.code, "name": spec.name,
                "section": spec.section, "user_id": user_id, "is_active": True,
            })

    # ------------------------------------------------------------ patients

    def _patients(self) -> None:
        receptionist = self._by_email(f"reception@{DOMAIN}")
        # Registered over the past ten months, MRN 1 first.
        offsets = sorted((self.rng.uniform(1.0, 300.0) for _ in range(PATIENTS)), reverse=True)
        for number, days_ago in enumerate(offsets, start=1):
            self._patient(number, self.now - timedelta(days=days_ago), receptionist)

    def _patient(self, number: int, registered_at: datetime, receptionist: StaffMember) -> None:
        rng = self.rng
        patient_id = stable_id("patient", number)
        community = people.pick_community(rng)
        gender = Gender.OTHER if rng.random() < 0.004 else rng.choice((Gender.MALE, Gender.FEMALE))
        female = gender is Gender.FEMALE or (gender is Gender.OTHER and rng.random() < 0.5)
        age = _draw_age(rng)
        if age >= 60 and rng.random() < 0.12:
            dob, estimated = estimated_date_of_birth(age, self.today), True
        else:
            dob, estimated = self.today - timedelta(days=age * 365 + rng.randint(0, 364)), False
        first = people.first_name(rng, community, female)
        last = people.surname(rng, community, female)
        place = people.pick_place(rng, community)
        pincode = place.pincode(rng)
        street = people.address(rng, place)
        phone = self._phone()
        email = None
        if age >= 18 and rng.random() < 0.3:
            email = f"{people.email_local_part(first, last)}{rng.randint(1, 99)}@example.com"
        blood_group = rng.choices(list(BloodGroup), weights=(22, 1, 32, 2, 29, 2, 8, 1))[0].value
        # Emergency contact: a parent for a child, a spouse or grown-up child otherwise.
        contact_female = rng.random() < 0.5 if age < 18 else not female
        contact_last = last if community.key != "punjabi" or not contact_female else "Kaur"
        contact_name = f"{people.first_name(rng, community, contact_female)} {contact_last}"
        contact_phone = self._phone()
        insurer_id, policy = None, None
        if rng.random() < 0.28:
            index = rng.randrange(len(INSURERS))
            insurer_id = self.insurer_ids[index]
            policy = f"{INSURERS[index].code}-{rng.randint(10**9, 10**10 - 1)}"
        health_id = people.abha_number(rng) if rng.random() < 0.35 else None
        conditions = _chronic_conditions(rng, age)
        surgeries = rng.choice(people.SURGERIES) if age >= 25 and rng.random() < 0.15 else None
        allergies = self._allergies(patient_id, registered_at) if rng.random() < 0.18 else []
        department = _home_department(rng, age, gender)
        doctors = self.doctors_by_department[department]
        doctor = rng.choices(doctors, weights=[2 if d.email in DEMO_EMAILS else 1 for d in doctors])[0]
        has_encounters = rng.random() < 0.92
        self.patients.append(PatientInfo(
            patient_id, number, age, gender, registered_at, department, doctor, has_encounters,
        ))
        self.out.add("patients", {
            "id": patient_id, "mrn": next_mrn(MRN_YEAR, number), "first_name": first, "last_name": last,
            "date_of_birth": dob, "dob_is_estimated": estimated, "gender": gender.value, "phone": phone,
            "email": email, "address": street, "city": place.city, "state": place.state, "pincode": pincode,
            "occupation": people.occupation(rng, age), "blood_group": blood_group,
            "emergency_contact_name": contact_name, "emergency_contact_phone": contact_phone,
            "primary_insurance_id": insurer_id, "primary_insurance_number": policy,
            "allergies": "; ".join(f"{a.allergen} ({a.reaction.lower()})" for a in allergies) or None,
            "chronic_conditions": "; ".join(c for c, _ in conditions) or None,
            "previous_surgeries": surgeries,
            "current_medications": "; ".join(m for _, m in conditions) or None,
            "health_id": health_id, "is_unidentified": False, "merged_into": None,
            "created_at": registered_at, "updated_at": registered_at, "created_by": receptionist.id,
        })

    def _allergies(self, patient_id: uuid.UUID, registered_at: datetime) -> list[people.AllergySpec]:
        weights = [a.weight for a in people.ALLERGIES]
        chosen: list[people.AllergySpec] = []
        for _ in range(1 if self.rng.random() < 0.8 else 2):
            allergy = self.rng.choices(people.ALLERGIES, weights=weights)[0]
            if all(allergy.allergen != other.allergen for other in chosen):
                chosen.append(allergy)
        recorder = self._by_email(f"reception@{DOMAIN}")
        for allergy in chosen:
            self.out.add("patient_allergies", {
                "id": stable_id("patient_allergy", f"{patient_id}:{allergy.allergen}"), "patient_id": patient_id,
                "allergen": allergy.allergen, "allergen_type": allergy.allergen_type.value,
                "reaction": allergy.reaction, "severity": allergy.severity.value, "recorded_by": recorder.id,
                "created_at": registered_at,
            })
        return chosen

    # ------------------------------------------------------------ admissions

    def _ward_nurse(self, ward: WardSpec) -> StaffMember:
        return next(m for m in self.staff if m.ward == ward.code and m.role is Role.NURSE)

    def _admissions(self) -> None:
        rng = self.rng
        # Patients now in a bed: one per occupied bed, from the departments that admit to that ward.
        for bed in self.beds:
            if bed.status is not BedState.OCCUPIED:
                continue
            patient = self._pick_inpatient(bed.ward)
            if patient is None:
                bed.status = BedState.AVAILABLE
                continue
            reason = rng.choice(ADMISSION_REASONS[patient.department])
            stay = timedelta(hours=rng.uniform(3.0, 24.0 * min(reason.usual_stay_days * 1.5, 10.0)))
            admitted_at = max(self.now - stay, patient.registered_at + timedelta(hours=1))
            self._admission(patient, bed, reason, admitted_at, None)
        # Earlier stays, discharged: history for length-of-stay and readmission figures.
        discharged = 0
        candidates = [p for p in self.patients if p.has_encounters and not p.admitted]
        while discharged < 30 and candidates:
            patient = candidates.pop(rng.randrange(len(candidates)))
            reason = rng.choice(ADMISSION_REASONS[patient.department])
            ward = next(w for w in WARDS if patient.department in w.admitting_departments)
            days = max(1, reason.usual_stay_days + rng.randint(-1, 2))
            admitted_at = self.now - timedelta(days=rng.uniform(days + 3.0, 250.0))
            if admitted_at < patient.registered_at + timedelta(hours=1):
                continue
            bed = rng.choice([b for b in self.beds if b.ward is ward])
            discharged_at = admitted_at + timedelta(days=days, hours=rng.randint(0, 6))
            self._admission(patient, bed, reason, admitted_at, discharged_at)
            discharged += 1
        for bed in self.beds:
            self.out.add("beds", {
                "id": bed.id, "room_id": bed.room_id, "bed_number": bed.number, "status": bed.status.value,
            })

    def _pick_inpatient(self, ward: WardSpec) -> PatientInfo | None:
        departments = list(ward.admitting_departments)
        self.rng.shuffle(departments)
        for department in departments:
            pool = [
                p for p in self.patients
                if p.department == department and p.has_encounters and not p.admitted and _fits_ward(p, ward)
            ]
            if pool:
                chosen = self.rng.choice(pool)
                chosen.admitted = True
                return chosen
        return None

    def _admission(self, patient: PatientInfo, bed: BedInfo, reason: AdmissionReason, admitted_at: datetime,
                   discharged_at: datetime | None) -> None:
        rng = self.rng
        active = discharged_at is None
        # A patient has at most one stay of each kind here, so the key needs no date (that would change daily).
        key = f"{patient.number}:{'active' if active else 'past'}"
        admission_id = stable_id("admission", key)
        doctor_id = patient.doctor.doctor_id
        admission_type = rng.choices(list(AdmissionType), weights=(50, 35, 15))[0]
        estimated = _money(ROOM_RATES[bed.room_type] * reason.usual_stay_days + reason.extra_cost)
        self.out.add("ipd_admissions", {
            "id": admission_id, "patient_id": patient.id, "admission_date": admitted_at,
            "discharge_date": discharged_at, "room_id": bed.room_id, "bed_id": bed.id,
            "admitted_by": doctor_id, "primary_doctor_id": doctor_id, "reason_for_admission": reason.reason,
            "diagnosis": reason.diagnosis, "icd_codes": reason.icd_code, "admission_type": admission_type.value,
            "status": (AdmissionStatus.ACTIVE if active else AdmissionStatus.DISCHARGED).value,
            "discharge_summary": None if active else (
                f"Admitted with {reason.reason.lower()}. Diagnosed as {reason.diagnosis.lower()} "
                f"({reason.icd_code}) and treated accordingly. Condition at discharge: stable."
            ),
            "discharge_advice": None if active else DISCHARGE_ADVICE,
            "estimated_cost": estimated, "created_at": admitted_at,
            "updated_at": admitted_at if active else discharged_at,
        })
        self.out.add("bed_assignments", {
            "id": stable_id("bed_assignment", key), "admission_id": admission_id, "bed_id": bed.id,
            "started_at": admitted_at, "ended_at": discharged_at, "assigned_by": self._ward_nurse(bed.ward).id,
        })
        self.out.add("patient_visits", {
            "id": stable_id("visit", f"admission:{key}"), "patient_id": patient.id,
            "visit_type": VisitType.IPD.value, "visit_date": admitted_at, "chief_complaint": reason.reason,
            "status": (VisitStatus.ADMITTED if active else VisitStatus.COMPLETED).value,
            "assigned_doctor_id": doctor_id, "created_at": admitted_at,
            "updated_at": admitted_at if active else discharged_at,
        })

    # ------------------------------------------------------------ outpatient history

    def _past_visits(self) -> None:
        rng = self.rng
        for patient in self.patients:
            if not patient.has_encounters:
                continue
            span = (self.now - timedelta(days=1)) - patient.registered_at
            count = rng.choice((1, 1, 2, 2, 3, 4))
            moments = sorted(rng.uniform(0.0, 1.0) for _ in range(count - 1))
            # The first visit is the day of registration; later ones spread over the time since.
            starts = [patient.registered_at + timedelta(minutes=rng.randint(10, 60))]
            starts += [patient.registered_at + span * m + timedelta(hours=2) for m in moments]
            for index, visit_at in enumerate(starts):
                self._visit(patient, index, visit_at)

    def _visit(self, patient: PatientInfo, index: int, visit_at: datetime) -> None:
        rng = self.rng
        if index == 0:
            visit_type = VisitType.EMERGENCY if rng.random() < 0.07 else VisitType.OPD
        else:
            visit_type = VisitType.FOLLOW_UP if rng.random() < 0.5 else VisitType.OPD
        presentation = rng.choice(OPD_PRESENTATIONS[patient.department])
        visit_id = stable_id("visit", f"{patient.number}:{index}")
        doctor_id = patient.doctor.doctor_id
        started = visit_at + timedelta(minutes=rng.randint(15, 90))
        minutes = rng.randint(6, 20)
        follow_up = rng.random() < 0.4
        child = patient.age < 14
        self.out.add("patient_visits", {
            "id": visit_id, "patient_id": patient.id, "visit_type": visit_type.value, "visit_date": visit_at,
            "chief_complaint": presentation.complaint, "status": VisitStatus.COMPLETED.value,
            "assigned_doctor_id": doctor_id, "created_at": visit_at, "updated_at": started + timedelta(minutes=minutes),
        })
        self.out.add("opd_consultations", {
            "id": stable_id("consultation", f"{patient.number}:{index}"), "visit_id": visit_id,
            "patient_id": patient.id, "doctor_id": doctor_id, "chief_complaint": presentation.complaint,
            "history": None, "examination_findings": "General condition fair; systemic examination unremarkable",
            "diagnosis": presentation.diagnosis, "treatment_plan": presentation.plan, "notes": None,
            "temperature": Decimal(str(round(rng.uniform(36.5, 38.6), 1))),
            "heart_rate": rng.randint(70, 120) if child else rng.randint(62, 104),
            "blood_pressure_systolic": None if child else rng.randint(104, 158),
            "blood_pressure_diastolic": None if child else rng.randint(64, 98),
            "respiratory_rate": rng.randint(20, 32) if child else rng.randint(14, 22),
            "weight_kg": Decimal(str(round(_weight(rng, patient.age), 1))),
            "height_cm": _height(rng, patient.age, patient.gender),
            "consultation_start_time": started, "consultation_end_time": started + timedelta(minutes=minutes),
            "duration_minutes": minutes, "follow_up_required": follow_up,
            "follow_up_date": hospital_day(visit_at) + timedelta(days=14) if follow_up else None,
            "follow_up_notes": "Review with reports" if follow_up else None,
            "created_at": started, "updated_at": started + timedelta(minutes=minutes),
        })

    # ------------------------------------------------------------ duty roster

    def _duty_roster(self) -> None:
        """Shifts for every day from ROSTER_DAYS_BEFORE days ago to ROSTER_DAYS_AFTER days ahead.

        Ids come from (user, day, shift), so seeding on a later day adds that day's shifts and keeps the rest.
        Uses no random draws: the rest of the hospital does not depend on the day the seed runs.
        """
        days = [self.today + timedelta(days=n) for n in range(-ROSTER_DAYS_BEFORE, ROSTER_DAYS_AFTER + 1)]
        for day in days:
            for number, member in enumerate(self.staff):
                for shift, title in self._shifts_of(member, number, day):
                    self._roster_row(member, day, shift, title)
            # Each department's doctors share the evening and night on-call, in turn.
            for department, doctors in self.doctors_by_department.items():
                on_call = [d for d in doctors if not d.round_the_clock]
                if len(on_call) < 2:
                    continue
                title = "On-call Radiologist" if department == "RADI" else "On-call Consultant"
                self._roster_row(on_call[day.toordinal() % len(on_call)], day, Shift.EVENING, title)
                self._roster_row(on_call[(day.toordinal() + 1) % len(on_call)], day, Shift.NIGHT, title)

    def _shifts_of(self, member: StaffMember, number: int, day: date) -> Iterable[tuple[Shift, str]]:
        is_doctor = member.doctor_id is not None
        if member.round_the_clock:
            title = "Charge Nurse" if member.role is Role.NURSE else _duty_title(member, is_doctor)
            for shift in Shift:
                yield shift, title if shift is Shift.MORNING or not is_doctor else f"On-call {title}"
        elif member.role is Role.ADMIN:
            if day.weekday() < 5:
                yield Shift.MORNING, _DUTY_TITLES[Role.ADMIN]
        elif is_doctor:
            if day.weekday() < 6:
                yield Shift.MORNING, _duty_title(member, is_doctor)
        elif (day.toordinal() + number) % 7 != 0:  # one day off a week
            assert member.shift is not None
            yield member.shift, _duty_title(member, is_doctor)

    def _roster_row(self, member: StaffMember, day: date, shift: Shift, title: str) -> None:
        starts_at, ends_at = shift_window(day, shift)
        department = member.department
        self.out.add("duty_roster", {
            "id": stable_id("duty", f"{member.email}:{day.isoformat()}:{shift.value}"),
            "user_id": member.id,
            "ward_id": self.ward_ids[member.ward] if member.ward else None,
            "department_id": self.department_ids[department] if department else None,
            "role_on_duty": title, "starts_at": starts_at, "ends_at": ends_at,
        })


# ---------------------------------------------------------------- small draws


def _duty_title(member: StaffMember, is_doctor: bool) -> str:
    if is_doctor:
        return "Radiologist" if member.role is Role.RADIOLOGIST else "Consultant"
    if member.staff_type is StaffType.RADIOGRAPHER:
        return "Radiographer"
    return _DUTY_TITLES[member.role]


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _reorder_level(spec: MedicineSpec) -> int:
    if spec.form in ("Tablet", "Capsule"):
        return 300
    if spec.form in ("Injection", "Infusion"):
        return 60
    return 30


def _draw_age(rng: random.Random) -> int:
    low, high = rng.choices(((0, 13), (14, 17), (18, 40), (41, 60), (61, 90)), weights=(12, 3, 35, 28, 22))[0]
    return rng.randint(low, high)


def _home_department(rng: random.Random, age: int, gender: Gender) -> str:
    if age < 14:
        return "PAED"
    if gender is Gender.FEMALE and 18 <= age <= 45 and rng.random() < 0.35:
        return "OBGY"
    cardiology = 20 if age >= 35 else 4
    return rng.choices(("GMED", "GSUR", "ORTH", "CARD"), weights=(45, 15, 15, cardiology))[0]


def _fits_ward(patient: PatientInfo, ward: WardSpec) -> bool:
    if patient.department in ("PAED", "OBGY"):
        return ward.code == "MCW"
    if ward.code == "CCU":
        return patient.age >= 30
    return patient.age >= 14


def _chronic_conditions(rng: random.Random, age: int) -> list[tuple[str, str]]:
    chance = 0.05 if age < 30 else 0.25 if age < 50 else 0.55
    if rng.random() >= chance:
        return []
    return rng.sample(people.CHRONIC_CONDITIONS, 1 if rng.random() < 0.6 else 2)


def _weight(rng: random.Random, age: int) -> float:
    if age < 1:
        return rng.uniform(3.0, 9.0)
    if age < 14:
        return 8.0 + age * 2.6 + rng.uniform(-2.0, 3.0)
    return rng.uniform(45.0, 88.0)


def _height(rng: random.Random, age: int, gender: Gender) -> int:
    if age < 1:
        return rng.randint(50, 75)
    if age < 14:
        return int(75 + age * 6 + rng.randint(-5, 5))
    return rng.randint(160, 182) if gender is Gender.MALE else rng.randint(148, 168)
