"""Event payloads the live topics carry: one msgspec Struct per event, named in the past tense.

`EVENT` is the name on the wire (`{"type":"event","event":"bed.updated",...}`). Payloads on board topics
carry ids, states and counts, never a patient's name: every subscriber of a topic receives the same bytes.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

import msgspec

from domain.alerts import AlertKind, AlertSeverity
from domain.ipd import AdministrationStatus, BedState, Consciousness, RoomType
from domain.news2 import RiskBand


class EventPayload(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    EVENT: ClassVar[str]


class BedUpdated(EventPayload, frozen=True, kw_only=True, omit_defaults=True):
    """ward:{wardId}: a bed's state changed (housekeeping; a patient leaving it: discharge, transfer out, an
    admission cancelled). A bed that is not OCCUPIED holds nobody: `admissionId` names who left, if anyone.
    A patient coming into a bed is `bed.occupied` instead."""

    EVENT: ClassVar[str] = "bed.updated"

    bed_id: UUID
    ward_id: UUID
    room_id: UUID
    bed_number: str
    status: BedState
    previous_status: BedState
    version: int
    updated_at: datetime
    # When the bed entered `status` (beds.status_changed_at): how long it has been CLEANING, say.
    status_changed_at: datetime
    reason: str | None = None
    admission_id: UUID | None = None


class CensusUpdated(EventPayload, frozen=True, kw_only=True):
    """census: one bed of `wardId` (a room of `roomType`) moved from `previousStatus` to `status`.

    A change, not a total: applied in seq order it is exact whatever else commits at the same time.
    """

    EVENT: ClassVar[str] = "census.updated"

    ward_id: UUID
    room_type: RoomType
    bed_id: UUID
    bed_number: str
    previous_status: BedState
    status: BedState
    # When the bed entered `status` (beds.status_changed_at).
    status_changed_at: datetime


class PatientRegistered(EventPayload, frozen=True, kw_only=True):
    """patients: a patient was registered. No name: reading a record is audited, an event is not."""

    EVENT: ClassVar[str] = "patient.registered"

    patient_id: UUID
    mrn: str
    registered_at: datetime


# --- The nurse-station board (ward:{wardId}): who is in each bed and how they are --------------------
# Shared by the events below and the ward's snapshot (domain/boards.py). No patient identity in any of them.


class WardNews2(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """The latest NEWS2 of a patient: score, clinical risk band, and the observation it came from."""

    score: int
    band: RiskBand
    observation_id: UUID
    recorded_at: datetime


class WardVitals(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """One set of observations as a board shows it (temperature in degrees Celsius)."""

    id: UUID
    recorded_at: datetime
    temperature: float | None = None
    heart_rate: int | None = None
    respiratory_rate: int | None = None
    blood_pressure_systolic: int | None = None
    blood_pressure_diastolic: int | None = None
    oxygen_saturation: int | None = None
    on_oxygen: bool | None = None
    consciousness: Consciousness | None = None
    pain_score: int | None = None
    spo2_scale: int = 1
    # None when the set is incomplete: a partial set is never given a NEWS2.
    news2_score: int | None = None
    news2_band: RiskBand | None = None


class WardAlert(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """An open (unacknowledged) alert about the patient in a bed."""

    alert_id: UUID
    kind: AlertKind
    severity: AlertSeverity
    message: str
    raised_at: datetime
    escalation_level: int = 0
    preliminary: bool = False


class WardDose(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """A scheduled dose not recorded 30 minutes after its time."""

    id: UUID
    scheduled_at: datetime
    medicine: str
    dose: str
    frequency: str


class BedVitals(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """The vitals part of a bed on the board, as it stands after a change."""

    latest_vitals: WardVitals | None = None
    news2: WardNews2 | None = None
    vitals_due_at: datetime | None = None
    vitals_overdue: bool = False


class WardOccupant(BedVitals, kw_only=True, frozen=True):
    """The admission in a bed, without the patient (the board adds them, shaped by the viewer's role)."""

    id: UUID
    admission_date: datetime
    admission_type: str
    primary_doctor_id: UUID | None = None
    primary_doctor_name: str | None = None
    days_since_admission: int = 0
    alerts: list[WardAlert] = msgspec.field(default_factory=list)
    overdue_doses: list[WardDose] = msgspec.field(default_factory=list)


class BedOccupied(EventPayload, frozen=True, kw_only=True):
    """ward:{wardId}: a patient came into a bed (admitted, transferred in, a discharge reverted).

    Carries the bed's new state and its occupant (vitals, alerts, overdue doses travel with a transfer),
    never the patient: a board that shows names reads them with GET /api/ipd/admissions/{admissionId}.
    """

    EVENT: ClassVar[str] = "bed.occupied"

    bed_id: UUID
    ward_id: UUID
    room_id: UUID
    bed_number: str
    status: BedState
    previous_status: BedState
    version: int
    updated_at: datetime
    status_changed_at: datetime  # when the bed became OCCUPIED
    reason: str
    admission: WardOccupant


class VitalsRecorded(EventPayload, frozen=True, kw_only=True):
    """ward:{wardId}: observations were charted for the patient in a bed; `vitals` is the bed's state after."""

    EVENT: ClassVar[str] = "vitals.recorded"

    admission_id: UUID
    bed_id: UUID
    observation: WardVitals
    vitals: BedVitals


class VitalsMarkedInError(EventPayload, frozen=True, kw_only=True):
    """ward:{wardId}: an observation was marked entered in error (kept, struck through, no longer counted)."""

    EVENT: ClassVar[str] = "vitals.marked_in_error"

    admission_id: UUID
    bed_id: UUID
    observation_id: UUID
    vitals: BedVitals


class VitalsWentOverdue(EventPayload, frozen=True, kw_only=True):
    """ward:{wardId}: the next set of observations NEWS2 asked for is late."""

    EVENT: ClassVar[str] = "vitals.went_overdue"

    admission_id: UUID
    bed_id: UUID
    due_at: datetime


class DoseWentOverdue(EventPayload, frozen=True, kw_only=True):
    """ward:{wardId}: a scheduled dose was not recorded 30 minutes after it was due."""

    EVENT: ClassVar[str] = "dose.went_overdue"

    admission_id: UUID
    bed_id: UUID
    dose: WardDose


class DoseRecorded(EventPayload, frozen=True, kw_only=True):
    """ward:{wardId}: a nurse recorded a dose as given, held or refused."""

    EVENT: ClassVar[str] = "dose.recorded"

    admission_id: UUID
    bed_id: UUID
    dose_id: UUID
    status: AdministrationStatus
    administered_at: datetime
