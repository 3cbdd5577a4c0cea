"""Staff, departments and everything that authenticates them: sessions, devices, throttles.

Break-the-glass access grants live here too, because they are about who may see what.
"""

from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

from piccolo.columns import (
    JSONB,
    UUID,
    Boolean,
    ForeignKey,
    Integer,
    LazyTableReference,
    Numeric,
    OnDelete,
    Text,
    Time,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from domain.roles import Role, Shift, StaffType

if TYPE_CHECKING:
    from db.tables.ipd import Ward
    from db.tables.patients import Patient

_now = partial(datetime.now, UTC)


class Department(Table, tablename="departments"):
    id = UUID(primary_key=True)
    name = Varchar(length=100, unique=True, default=None)
    code = Varchar(length=20, unique=True, default=None)
    # Department and Doctor refer to each other; the lazy reference breaks the cycle.
    head_doctor_id: ForeignKey["Doctor"] = ForeignKey(
        references=LazyTableReference("Doctor", module_path="db.tables.users"),
        null=True,
        on_delete=OnDelete.restrict,
    )
    created_at = Timestamptz()
    updated_at = Timestamptz(auto_update=_now)


class User(Table, tablename="users"):
    id = UUID(primary_key=True)
    # Unique case-insensitively too: see the lower(email) index in the constraints migration.
    email = Varchar(length=100, unique=True, default=None)
    phone = Varchar(length=20, null=True, default=None)
    first_name = Varchar(length=100, default=None)
    last_name = Varchar(length=100, null=True, default=None)
    password_hash = Varchar(length=255, secret=True, default=None)
    role = Varchar(length=30, choices=Role, default=None)
    is_active = Boolean(default=True)
    department_id = ForeignKey(references=Department, null=True, on_delete=OnDelete.restrict, index=True)
    last_login = Timestamptz(null=True, default=None)
    locked_until = Timestamptz(null=True, default=None)
    # Tokens issued before this instant are refused: disabling a user or changing their
    # role moves it forward and so ends every open session.
    sessions_valid_after = Timestamptz()
    version = Integer(default=1)
    created_at = Timestamptz()
    updated_at = Timestamptz(auto_update=_now)


class Doctor(Table, tablename="doctors"):
    id = UUID(primary_key=True)
    user_id = ForeignKey(references=User, null=False, unique=True, on_delete=OnDelete.restrict)
    department_id = ForeignKey(references=Department, null=True, on_delete=OnDelete.restrict, index=True)
    registration_number = Varchar(length=100, null=True, default=None, unique=True)
    registration_council = Varchar(length=100, null=True, default=None)
    specialization = Varchar(length=100, null=True, default=None)
    qualification = Varchar(length=200, null=True, default=None)
    experience_years = Integer(null=True, default=None)
    available_mon_fri_start = Time(null=True, default=None)
    available_mon_fri_end = Time(null=True, default=None)
    available_weekends = Boolean(default=False)
    # Where the doctor sees OPD patients ("4", "OPD-12"): what the display announces when a token is called.
    opd_room = Varchar(length=50, null=True, default=None)
    # The OPD consultation charge in rupees; the hospital default (domain/appointments.py) when null.
    consultation_fee = Numeric(digits=(10, 2), null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz(auto_update=_now)


class HospitalStaff(Table, tablename="hospital_staff"):
    id = UUID(primary_key=True)
    user_id = ForeignKey(references=User, null=False, unique=True, on_delete=OnDelete.restrict)
    staff_type = Varchar(length=30, choices=StaffType, default=None)
    # The spec's free-text department, as a reference to the departments table.
    department_id = ForeignKey(references=Department, null=True, on_delete=OnDelete.restrict, index=True)
    shift = Varchar(length=20, choices=Shift, null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz(auto_update=_now)


class WardAssignment(Table, tablename="ward_assignments"):
    """A standing assignment of a member of staff (typically a nurse) to a ward."""

    id = UUID(primary_key=True)
    user_id = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict, index=True)
    ward_id: ForeignKey["Ward"] = ForeignKey(
        references=LazyTableReference("Ward", module_path="db.tables.ipd"),
        null=False,
        on_delete=OnDelete.restrict,
        index=True,
    )
    created_at = Timestamptz()


class DutyRoster(Table, tablename="duty_roster"):
    id = UUID(primary_key=True)
    user_id = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict, index=True)
    ward_id: ForeignKey["Ward"] = ForeignKey(
        references=LazyTableReference("Ward", module_path="db.tables.ipd"),
        null=True,
        on_delete=OnDelete.restrict,
        index=True,
    )
    department_id = ForeignKey(references=Department, null=True, on_delete=OnDelete.restrict, index=True)
    role_on_duty = Varchar(length=50, default=None)
    starts_at = Timestamptz(default=None)
    ends_at = Timestamptz(default=None)
    created_at = Timestamptz()


class UserSession(Table, tablename="user_sessions"):
    """One sign-in. Its refresh tokens are one rotation family (refresh_tokens.family_id = this id).

    last_seen_at moves with the person's own requests (not background polls): the idle time-out.
    """

    id = UUID(primary_key=True)
    user_id = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict, index=True)
    started_at = Timestamptz()
    last_seen_at = Timestamptz()
    expires_at = Timestamptz(default=None)
    revoked_at = Timestamptz(null=True, default=None)
    revoke_reason = Varchar(length=100, null=True, default=None)
    ip_address = Varchar(length=45, null=True, default=None)
    user_agent = Text(null=True, default=None)


class RefreshToken(Table, tablename="refresh_tokens"):
    """One refresh token of a rotation family; reuse of a rotated token revokes the family."""

    id = UUID(primary_key=True)
    user_id = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict, index=True)
    family_id = UUID(default=None, index=True)
    token_hash = Varchar(length=128, unique=True, default=None)
    issued_at = Timestamptz()
    expires_at = Timestamptz(default=None)
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    replaced_by = UUID(null=True, default=None)
    session_started_at = Timestamptz(default=None)
    user_agent = Text(null=True, default=None)
    ip_address = Varchar(length=45, null=True, default=None)


class DeviceToken(Table, tablename="device_tokens"):
    """A credential for an unattended screen (waiting-room display, ward board)."""

    id = UUID(primary_key=True)
    name = Varchar(length=100, default=None)
    token_hash = Varchar(length=128, unique=True, default=None)
    # The list of topic names this device may subscribe to.
    topics = JSONB(default="[]")
    created_by = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict)
    created_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class LoginThrottle(Table, tablename="login_throttles"):
    """Failed sign-in counting per key: 'email:<address>' or 'ip:<address>'."""

    id = UUID(primary_key=True)
    key = Varchar(length=320, unique=True, default=None)
    failures = Integer(default=0)
    window_started_at = Timestamptz()
    locked_until = Timestamptz(null=True, default=None)


class EmergencyAccess(Table, tablename="emergency_access"):
    """Break-the-glass: a time-limited grant to see one patient, always reviewed afterwards."""

    id = UUID(primary_key=True)
    user_id = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict, index=True)
    patient_id: ForeignKey["Patient"] = ForeignKey(
        references=LazyTableReference("Patient", module_path="db.tables.patients"),
        null=False,
        on_delete=OnDelete.restrict,
        index=True,
    )
    reason = Text(default=None)
    created_at = Timestamptz()
    expires_at = Timestamptz(default=None)
    reviewed_by = ForeignKey(references=User, null=True, on_delete=OnDelete.restrict)
    reviewed_at = Timestamptz(null=True, default=None)
