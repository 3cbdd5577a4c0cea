"""Nurse-station services: observations with NEWS2 and their alerts, daily notes, inpatient prescriptions and
the medication administration record, the ward timers, the nurse's dashboard and the IPD report.

Every write checks the patient is the actor's (db.ipd.open_admission: a nurse's ward, a doctor's patient, or
break-the-glass) before its transaction, and writes its rows, audit and events in one transaction, with the
admission row locked: a transfer (which locks it too) cannot slip between reading where the patient lies
and writing the event to that ward.

NEWS2 alerts are raised, updated and resolved through db/alerts.py, the one alert service (its escalation
job escalates them: ward-based, after their band's wait). What is decided here is when: a NEWS2 alert follows
the patient's later observations (one open alert per admission, raised or lowered, enforced by a partial
unique index; domain.inpatient.news2_alert_decision), and an acknowledged one is resolved once the patient
is back to low risk.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from db import alerts, audit, boards, outbox, realtime
from db import ipd as ipd_service
from db import opd as opd_service
from db.connection import execute, fetch, fetchrow, transaction
from db.outbox import PendingEvent
from domain.actors import SYSTEM, Actor
from domain.alerts import AlertKind, AlertResolution, EscalationScope, RecipientReason
from domain.clock import day_bounds_utc, hospital_day
from domain.dosing import DUE_AHEAD, OVERDUE_AFTER, Frequency, dose_timing, is_as_needed, scheduled_doses
from domain.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, StaleVersion, ValidationFailed
from domain.events import DoseRecorded, DoseWentOverdue, VitalsMarkedInError, VitalsRecorded, VitalsWentOverdue
from domain.inpatient import (
    BASELINE_VITALS_DUE_AFTER,
    DEFAULT_NEWS2_ESCALATION_MINUTES,
    AlertChange,
    OpenNews2Alert,
    check_administration_time,
    check_dose_record,
    check_note_author,
    check_observation_time,
    length_of_stay_days,
    may_mark_vitals_in_error,
    news2_alert_decision,
    news2_alert_message,
)
from domain.ipd import AdministrationStatus, AdmissionStatus, Consciousness, NoteType
from domain.news2 import (
    News2,
    PartialObservation,
    RiskBand,
    SpO2Scale,
    score,
    score_if_complete,
    validate_vitals,
)
from domain.roles import Role
from domain.topics import ward_topic

log = logging.getLogger("hospital.ipd")

_news2_minutes: dict[RiskBand, int] = dict(DEFAULT_NEWS2_ESCALATION_MINUTES)


def set_news2_escalation_minutes(low_medium: int, medium: int, high: int) -> None:
    """Set by the app at start-up from NEWS2_ESCALATION_MINUTES_* (db/ reads no settings)."""
    for value in (low_medium, medium, high):
        if value < 1:
            raise ValueError("NEWS2 escalation waits are at least a minute")
    _news2_minutes.update({RiskBand.LOW_MEDIUM: low_medium, RiskBand.MEDIUM: medium, RiskBand.HIGH: high})


def news2_escalation_minutes() -> Mapping[RiskBand, int]:
    return dict(_news2_minutes)


def _now() -> datetime:
    return datetime.now(UTC)


# --- Where an admission lies, locked ------------------------------------------------------------------

_PLACE_SQL = """
SELECT a.id, a.patient_id, a.status, a.spo2_scale, a.admission_date, a.bed_id, a.vitals_due_at,
       b.bed_number, r.ward_id, w.code AS ward_code, w.department_id,
       coalesce(pu.id, au.id) AS doctor_user_id
FROM ipd_admissions a
LEFT JOIN beds b ON b.id = a.bed_id
LEFT JOIN rooms r ON r.id = coalesce(b.room_id, a.room_id)
LEFT JOIN wards w ON w.id = r.ward_id
LEFT JOIN doctors pd ON pd.id = a.primary_doctor_id LEFT JOIN users pu ON pu.id = pd.user_id AND pu.is_active
LEFT JOIN doctors ad ON ad.id = a.admitted_by LEFT JOIN users au ON au.id = ad.user_id
WHERE a.id = $1
"""


async def _place(admission_id: UUID, lock: str) -> dict[str, Any]:
    """The admission and where it lies, its row locked (`UPDATE` or `SHARE`)."""
    row = await fetchrow(f"{_PLACE_SQL} FOR {lock} OF a", admission_id)
    if row is None:
        raise NotFound("No such admission")
    return dict(row)


def _require_active(place: Mapping[str, Any], doing: str) -> None:
    if place["status"] != AdmissionStatus.ACTIVE.value:
        raise InvalidTransition(f"The admission is {place['status']}: {doing} only for a patient in a bed",
                                current_state=place["status"])


# --- Observations -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VitalsIn:
    temperature: Decimal | None = None
    heart_rate: int | None = None
    respiratory_rate: int | None = None
    systolic: int | None = None
    diastolic: int | None = None
    spo2: int | None = None
    on_oxygen: bool | None = None
    consciousness: Consciousness | None = None
    pain_score: int | None = None
    recorded_at: datetime | None = None

    def partial(self) -> PartialObservation:
        return PartialObservation(respiratory_rate=self.respiratory_rate, spo2=self.spo2, on_oxygen=self.on_oxygen,
                                  systolic=self.systolic, heart_rate=self.heart_rate,
                                  consciousness=self.consciousness, temperature=self.temperature,
                                  diastolic=self.diastolic)

    def check(self) -> None:
        """Impossible values refused with a field error each (nothing is written)."""
        validate_vitals(temperature=self.temperature, heart_rate=self.heart_rate,
                        respiratory_rate=self.respiratory_rate, systolic=self.systolic, diastolic=self.diastolic,
                        spo2=self.spo2, pain_score=self.pain_score)
        values = (self.temperature, self.heart_rate, self.respiratory_rate, self.systolic, self.diastolic,
                  self.spo2, self.on_oxygen, self.consciousness, self.pain_score)
        if all(v is None for v in values):
            raise ValidationFailed("Record at least one vital sign", fields={"temperature": "nothing was recorded"})


OBSERVATION_COLUMNS = (
    "o.id, o.admission_id, o.patient_id, o.recorded_at, o.temperature, o.heart_rate, o.respiratory_rate, "
    "o.blood_pressure_systolic, o.blood_pressure_diastolic, o.oxygen_saturation, o.on_oxygen, o.consciousness, "
    "o.pain_score, o.news2_score, o.news2_band, o.spo2_scale, o.next_due_at, o.recorded_by, o.created_at, "
    "o.entered_in_error_at, o.entered_in_error_by, o.entered_in_error_reason, "
    "nullif(trim(u.first_name || ' ' || coalesce(u.last_name, '')), '') AS recorded_by_name, u.role AS recorded_by_role"
)
_OBSERVATION_SQL = (f"SELECT {OBSERVATION_COLUMNS} FROM vital_sign_observations o "
                    "LEFT JOIN users u ON u.id = o.recorded_by")


def _observation_news2(row: Mapping[str, Any]) -> News2 | None:
    """The full NEWS2 of a stored observation (sub-scores, response, monitoring), recomputed from its values."""
    partial = PartialObservation(
        respiratory_rate=row["respiratory_rate"], spo2=row["oxygen_saturation"], on_oxygen=row["on_oxygen"],
        systolic=row["blood_pressure_systolic"], heart_rate=row["heart_rate"],
        consciousness=Consciousness(row["consciousness"]) if row["consciousness"] else None,
        temperature=row["temperature"], diastolic=row["blood_pressure_diastolic"],
    )
    observation = partial.complete()
    if observation is None:
        return None
    return score(observation, spo2_scale=2 if int(row["spo2_scale"]) == 2 else 1)


def observation_out(row: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(row)
    news = _observation_news2(row)
    out["news2_detail"] = news
    out["missing"] = () if news is not None else PartialObservation(
        respiratory_rate=row["respiratory_rate"], spo2=row["oxygen_saturation"], on_oxygen=row["on_oxygen"],
        systolic=row["blood_pressure_systolic"], heart_rate=row["heart_rate"],
        consciousness=row["consciousness"], temperature=row["temperature"],
    ).missing()
    return out


async def record_vitals(actor: Actor, admission_id: UUID, vitals: VitalsIn) -> dict[str, Any]:
    """Chart one set of observations: scored with NEWS2 when complete (on the patient's SpO2 scale), the next set
    due as NEWS2 asks, the ward's board updated, and the patient's deterioration alert raised or updated."""
    vitals.check()
    await ipd_service.open_admission(actor, admission_id, part="vital signs")
    async with transaction():
        place = await _place(admission_id, "UPDATE")
        _require_active(place, "observations are charted")
        now = _now()
        at = vitals.recorded_at or now
        check_observation_time(at, now, place["admission_date"])
        scale: SpO2Scale = 2 if int(place["spo2_scale"]) == 2 else 1
        news = score_if_complete(vitals.partial(), spo2_scale=scale)
        observation_id = uuid4()
        await execute(
            "INSERT INTO vital_sign_observations (id, admission_id, patient_id, recorded_at, temperature, heart_rate, "
            "respiratory_rate, blood_pressure_systolic, blood_pressure_diastolic, oxygen_saturation, on_oxygen, "
            "consciousness, pain_score, news2_score, news2_band, recorded_by, created_at, spo2_scale, next_due_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
            observation_id, admission_id, place["patient_id"], at, vitals.temperature, vitals.heart_rate,
            vitals.respiratory_rate, vitals.systolic, vitals.diastolic, vitals.spo2,
            vitals.on_oxygen,
            vitals.consciousness.value if vitals.consciousness else None, vitals.pain_score,
            news.total if news else None, news.band.value if news else None, actor.user_id, now, scale,
            news.next_observation_due(at) if news else None,
        )
        await audit.record(actor, action="CREATE", table="vital_sign_observations", record_id=observation_id, new={
            "admission_id": admission_id, "recorded_at": at, "news2_score": news.total if news else None,
            "news2_band": news.band.value if news else None,
        })
        events: list[PendingEvent] = []
        latest = await _latest_scored(admission_id)
        if news is not None and latest is not None and latest["id"] == observation_id:
            await execute("UPDATE ipd_admissions SET vitals_due_at = $2, vitals_overdue_at = NULL WHERE id = $1",
                          admission_id, latest["next_due_at"])
            events.extend(await _follow_news2(actor, place, latest, now))
        row = await fetchrow(f"{_OBSERVATION_SQL} WHERE o.id = $1", observation_id)
        assert row is not None
        if place["ward_id"] is not None and place["bed_id"] is not None:
            events.insert(0, PendingEvent(ward_topic(place["ward_id"]), VitalsRecorded(
                admission_id=admission_id, bed_id=place["bed_id"], observation=boards.ward_vitals(row),
                vitals=await boards.bed_vitals(admission_id),
            )))
        await outbox.append(*events)
    return observation_out(row)


async def _latest_scored(admission_id: UUID) -> dict[str, Any] | None:
    row = await fetchrow(
        f"{_OBSERVATION_SQL} WHERE o.admission_id = $1 AND o.entered_in_error_at IS NULL AND o.news2_score IS NOT NULL "
        "ORDER BY o.recorded_at DESC, o.created_at DESC, o.id DESC LIMIT 1",
        admission_id,
    )
    return dict(row) if row else None


async def vital_signs(actor: Actor, admission_id: UUID, *, days: int) -> list[dict[str, Any]]:
    """The observations of the last `days` days, oldest first (a time series); those entered in error are
    included, marked, and carry no weight in the trend. A read of clinical data: audited."""
    row = await ipd_service.open_admission(actor, admission_id, part="vital signs")
    since = _now() - timedelta(days=days)
    async with transaction():
        rows = await fetch(
            f"{_OBSERVATION_SQL} WHERE o.admission_id = $1 AND o.recorded_at >= $2 "
            "ORDER BY o.recorded_at, o.created_at, o.id",
            admission_id, since,
        )
        await audit.record(actor, action="READ", table="vital_sign_observations",
                           new={"admission_id": admission_id, "patient_id": row["patient_id"], "days": days,
                                "count": len(rows)})
    return [observation_out(r) for r in rows]


async def mark_vitals_in_error(actor: Actor, admission_id: UUID, observation_id: UUID, reason: str
                               ) -> dict[str, Any]:
    """Vitals entered in error: kept and shown struck through, out of the score, the trend, the board and the
    alert (which follows the latest observation still standing). By whoever entered them, or a doctor."""
    cleaned = " ".join(reason.split())
    if len(cleaned) < 3:
        raise ValidationFailed(fields={"reason": "Say what was wrong (wrong patient, wrong value...)"})
    await ipd_service.open_admission(actor, admission_id, part="vital signs")
    async with transaction():
        place = await _place(admission_id, "UPDATE")
        row = await fetchrow(f"{_OBSERVATION_SQL} WHERE o.id = $1 AND o.admission_id = $2 FOR UPDATE OF o",
                             observation_id, admission_id)
        if row is None:
            raise NotFound("No such observation in this admission")
        if row["entered_in_error_at"] is not None:
            raise Conflict("This observation is already marked as entered in error",
                           extra={"markedAt": row["entered_in_error_at"].isoformat()})
        assert actor.role is not None
        if not may_mark_vitals_in_error(actor.role, actor.user_id, row["recorded_by"]):
            raise PermissionDenied("Only whoever entered these vitals, or a doctor, may mark them entered in error")
        now = _now()
        await execute(
            "UPDATE vital_sign_observations SET entered_in_error_at = $2, entered_in_error_by = $3, "
            "entered_in_error_reason = $4 WHERE id = $1",
            observation_id, now, actor.user_id, cleaned,
        )
        await audit.record(actor, action="ENTERED_IN_ERROR", table="vital_sign_observations",
                           record_id=observation_id, new={"reason": cleaned, "admission_id": admission_id})
        events: list[PendingEvent] = []
        if place["status"] == AdmissionStatus.ACTIVE.value:
            latest = await _latest_scored(admission_id)
            due = latest["next_due_at"] if latest else place["admission_date"] + BASELINE_VITALS_DUE_AFTER
            if due != place["vitals_due_at"]:
                await execute("UPDATE ipd_admissions SET vitals_due_at = $2, vitals_overdue_at = NULL WHERE id = $1",
                              admission_id, due)
            events.extend(await _follow_news2(actor, place, latest, now, struck=observation_id))
            if place["ward_id"] is not None and place["bed_id"] is not None:
                events.insert(0, PendingEvent(ward_topic(place["ward_id"]), VitalsMarkedInError(
                    admission_id=admission_id, bed_id=place["bed_id"], observation_id=observation_id,
                    vitals=await boards.bed_vitals(admission_id),
                )))
        await outbox.append(*events)
        updated = await fetchrow(f"{_OBSERVATION_SQL} WHERE o.id = $1", observation_id)
        assert updated is not None
    return observation_out(updated)


# --- NEWS2 deterioration alerts -------------------------------------------------------------------

_NEWS2_ALERT_COLUMNS = "a.id, a.severity, a.escalate_at, a.detail::text AS detail"


def _detail(row: Mapping[str, Any]) -> dict[str, Any]:
    raw = row["detail"]
    return dict(json.loads(raw)) if isinstance(raw, str) else dict(raw or {})


async def _follow_news2(actor: Actor, place: Mapping[str, Any], latest: Mapping[str, Any] | None, now: datetime,
                        *, struck: UUID | None = None) -> list[PendingEvent]:
    """Raise, update or leave the admission's NEWS2 alert after its latest scored observation changed (a new one,
    or one struck out). Inside the caller's transaction, with the admission row locked. Returns the events:
    `alert.raised` to each recipient's user topic (a receipt comes back), `alert.posted` on the ward."""
    admission_id = place["id"]
    current = await fetchrow(
        f"SELECT {_NEWS2_ALERT_COLUMNS} FROM alerts a WHERE a.admission_id = $1 AND a.kind = 'NEWS2_DETERIORATION' "
        "AND a.acknowledged_at IS NULL AND a.resolved_at IS NULL FOR UPDATE",
        admission_id,
    )
    if latest is None:
        if current is None:
            return []  # nothing scored, nothing raised
        band, total, observation_id = RiskBand.LOW, 0, None
    else:
        band, total, observation_id = RiskBand(latest["news2_band"]), int(latest["news2_score"]), latest["id"]
    events: list[PendingEvent] = []
    if current is None and band is RiskBand.LOW and latest is not None:
        # Acknowledged, and the patient is back to low risk: that deterioration is over.
        events.extend(await alerts.resolve_alerts(
            actor, AlertResolution.NEWS2_BACK_TO_LOW, admission_id=admission_id, scope=EscalationScope.WARD,
            acknowledged=True, why=f"NEWS2 {total} (low risk) after the acknowledgement",
        ))
    open_alert = None
    acknowledged_band: RiskBand | None = None
    low_since = False
    if current is not None:
        detail = _detail(current)
        open_alert = OpenNews2Alert(band=RiskBand(detail.get("band", RiskBand.LOW.value)),
                                    score=int(detail.get("score", 0)), escalate_at=current["escalate_at"])
    else:
        acked = await fetchrow(
            "SELECT detail->>'band' AS band, acknowledged_at FROM alerts WHERE admission_id = $1 "
            "AND kind = 'NEWS2_DETERIORATION' AND acknowledged_at IS NOT NULL ORDER BY acknowledged_at DESC LIMIT 1",
            admission_id,
        )
        if acked is not None and acked["band"]:
            acknowledged_band = RiskBand(acked["band"])
            low = await fetchrow(
                "SELECT 1 FROM vital_sign_observations WHERE admission_id = $1 AND news2_band = 'LOW' "
                "AND entered_in_error_at IS NULL AND recorded_at > $2 LIMIT 1",
                admission_id, acked["acknowledged_at"],
            )
            low_since = low is not None
    decision = news2_alert_decision(band=band, score=total, now=now, open_alert=open_alert,
                                    acknowledged_band=acknowledged_band, low_since_acknowledged=low_since,
                                    minutes=_news2_minutes)
    if decision.change is AlertChange.NONE:
        return events
    message = news2_alert_message(total, band, ward_code=place["ward_code"], bed_number=place["bed_number"])
    if latest is None:
        message = (f"The observation behind this alert was entered in error; no NEWS2 stands now"
                   f" - ward {place['ward_code']}, bed {place['bed_number']}")
    news = _observation_news2(latest) if latest is not None else None
    detail = {
        "band": band.value, "score": total, "observationId": str(observation_id) if observation_id else None,
        "wardId": str(place["ward_id"]) if place["ward_id"] else None, "wardCode": place["ward_code"],
        "bedId": str(place["bed_id"]) if place["bed_id"] else None, "bedNumber": place["bed_number"],
        "subScores": news.sub_scores.as_dict() if news else None, "response": news.response if news else None,
        "spo2Scale": int(place["spo2_scale"]),
        "escalationMinutes": _news2_minutes.get(band),
    }
    minutes = _news2_minutes.get(band)
    if decision.change is AlertChange.RAISED:
        doctor = place["doctor_user_id"]
        if doctor is None:
            log.warning("no active attending doctor to alert", extra={"admission_id": str(admission_id)})
            return events
        _, raised = await alerts.raise_alert(actor, alerts.NewAlert(
            kind=AlertKind.NEWS2_DETERIORATION, severity=decision.severity, patient_id=place["patient_id"],
            message=message, recipients=[alerts.Recipient(doctor, RecipientReason.ATTENDING_DOCTOR)],
            admission_id=admission_id, department_id=place["department_id"], scope=EscalationScope.WARD,
            first_escalation_minutes=minutes, escalation_minutes=minutes, detail=detail,
            timeline={"band": band.value, "score": total, "observationId": str(observation_id)},
            audit={"admission_id": admission_id, "band": band.value, "score": total, "target_user_id": doctor},
        ))
        return events + raised
    assert current is not None
    before = _detail(current)
    updated = await alerts.update_open_alert(
        actor, current["id"], severity=decision.severity, message=message, detail=detail,
        escalate_at=decision.escalate_at, escalation_minutes=minutes,
        timeline={
            "change": decision.change.value, "fromBand": before.get("band"), "toBand": band.value,
            "fromScore": before.get("score"), "score": total,
            "observationId": str(observation_id) if observation_id else None,
            "struckObservationId": str(struck) if struck else None,
        },
        audit_old={"severity": current["severity"], "band": before.get("band")},
        audit_new={"severity": decision.severity.value, "band": band.value, "score": total},
    )
    return events + updated


# --- Daily notes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteIn:
    note_type: NoteType
    note_date: date | None = None
    temperature: Decimal | None = None
    heart_rate: int | None = None
    systolic: int | None = None
    diastolic: int | None = None
    respiratory_rate: int | None = None
    spo2: int | None = None
    on_oxygen: bool | None = None
    consciousness: Consciousness | None = None
    observations: str | None = None
    status: str | None = None
    plan: str | None = None


_NOTE_SQL = (
    "SELECT n.id, n.admission_id, n.patient_id, n.note_date, n.note_type, n.temperature, n.heart_rate, "
    "n.blood_pressure_systolic, n.blood_pressure_diastolic, n.respiratory_rate, n.oxygen_saturation, n.on_oxygen, "
    "n.consciousness, n.news2_score, n.news2_band, n.observations, n.status, n.plan, n.entered_by, n.created_at, "
    "nullif(trim(u.first_name || ' ' || coalesce(u.last_name, '')), '') AS entered_by_name, u.role AS entered_by_role "
    "FROM ipd_daily_notes n LEFT JOIN users u ON u.id = n.entered_by"
)


def _clean(text: str | None) -> str | None:
    return (text or "").strip() or None


async def add_daily_note(actor: Actor, admission_id: UUID, note: NoteIn) -> dict[str, Any]:
    """A doctor's note, a nurse's note or a care plan, with the spec's vitals fields; the vitals get a NEWS2
    only when they make a complete set (never a partial score)."""
    assert actor.role is not None
    check_note_author(actor.role, note.note_type)
    validate_vitals(temperature=note.temperature, heart_rate=note.heart_rate, respiratory_rate=note.respiratory_rate,
                    systolic=note.systolic, diastolic=note.diastolic, spo2=note.spo2)
    texts = (_clean(note.observations), _clean(note.status), _clean(note.plan))
    vitals = (note.temperature, note.heart_rate, note.systolic, note.respiratory_rate, note.spo2)
    if all(t is None for t in texts) and all(v is None for v in vitals):
        raise ValidationFailed(fields={"observations": "Write the note (observations, status or plan)"})
    await ipd_service.open_admission(actor, admission_id, part="daily notes")
    async with transaction():
        place = await _place(admission_id, "SHARE")
        _require_active(place, "daily notes are written")
        now = _now()
        today = hospital_day(now)
        day = note.note_date or today
        if not hospital_day(place["admission_date"]) <= day <= today:
            raise ValidationFailed(fields={"noteDate": "must be a day of this stay, not in the future"})
        scale: SpO2Scale = 2 if int(place["spo2_scale"]) == 2 else 1
        news = score_if_complete(PartialObservation(
            respiratory_rate=note.respiratory_rate, spo2=note.spo2, on_oxygen=note.on_oxygen, systolic=note.systolic,
            heart_rate=note.heart_rate, consciousness=note.consciousness, temperature=note.temperature,
            diastolic=note.diastolic), spo2_scale=scale)
        note_id = uuid4()
        await execute(
            "INSERT INTO ipd_daily_notes (id, admission_id, patient_id, note_date, note_type, temperature, heart_rate, "
            "blood_pressure_systolic, blood_pressure_diastolic, respiratory_rate, oxygen_saturation, observations, "
            "status, plan, entered_by, created_at, updated_at, on_oxygen, consciousness, news2_score, news2_band) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $17, $18, $19, $20)",
            note_id, admission_id, place["patient_id"], day, note.note_type.value, note.temperature, note.heart_rate,
            note.systolic, note.diastolic, note.respiratory_rate, note.spo2, *texts, actor.user_id, now,
            note.on_oxygen, note.consciousness.value if note.consciousness else None,
            news.total if news else None, news.band.value if news else None,
        )
        await audit.record(actor, action="CREATE", table="ipd_daily_notes", record_id=note_id,
                           new={"admission_id": admission_id, "note_type": note.note_type.value, "note_date": day})
        row = await fetchrow(f"{_NOTE_SQL} WHERE n.id = $1", note_id)
        assert row is not None
    return _note_out(row)


def _note_out(row: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["missing"] = () if row["news2_score"] is not None else PartialObservation(
        respiratory_rate=row["respiratory_rate"], spo2=row["oxygen_saturation"], on_oxygen=row["on_oxygen"],
        systolic=row["blood_pressure_systolic"], heart_rate=row["heart_rate"], consciousness=row["consciousness"],
        temperature=row["temperature"],
    ).missing()
    return out


async def daily_notes(actor: Actor, admission_id: UUID, *, days: int | None) -> list[dict[str, Any]]:
    row = await ipd_service.open_admission(actor, admission_id, part="daily notes")
    since = hospital_day(_now()) - timedelta(days=days) if days else None
    async with transaction():
        rows = await fetch(f"{_NOTE_SQL} WHERE n.admission_id = $1 AND ($2::date IS NULL OR n.note_date >= $2) "
                           "ORDER BY n.note_date, n.created_at, n.id", admission_id, since)
        await audit.record(actor, action="READ", table="ipd_daily_notes",
                           new={"admission_id": admission_id, "patient_id": row["patient_id"], "count": len(rows)})
    return [_note_out(r) for r in rows]


# --- Inpatient prescriptions and the medication administration record ---------------------------------


async def prescribe(actor: Actor, admission_id: UUID, lines: Sequence[opd_service.PrescriptionLine]
                    ) -> dict[str, Any]:
    """A doctor prescribes for an inpatient (the formulary, allergy and duplicate checks of OPD); each line's
    frequency and duration become scheduled doses on the ward's medication chart (SOS/PRN: none)."""
    if actor.role is not Role.DOCTOR:
        raise PermissionDenied("Only a doctor prescribes")
    checked = await opd_service.check_lines(lines)
    await ipd_service.open_admission(actor, admission_id, part="prescribe")
    doctor = await fetchrow("SELECT id FROM doctors WHERE user_id = $1", actor.user_id)
    if doctor is None:
        raise PermissionDenied("Your account has no doctor record")
    async with transaction():
        place = await _place(admission_id, "SHARE")
        _require_active(place, "prescriptions are written")
        now = _now()
        prescription_id = await opd_service.write_prescription(
            actor, checked, patient_id=place["patient_id"], doctor_id=doctor["id"], admission_id=admission_id, now=now)
        items = (await opd_service.prescription_items_of([prescription_id]))[prescription_id]
        schedule: list[dict[str, Any]] = []
        ids: list[UUID] = []
        item_ids: list[UUID] = []
        times: list[datetime] = []
        for item in items:
            frequency = Frequency(item["frequency"])
            doses = scheduled_doses(frequency, now, int(item["duration_days"]))
            for at in doses:
                ids.append(uuid4())
                item_ids.append(item["id"])
                times.append(at)
            schedule.append({"prescription_item_id": item["id"], "doses": len(doses),
                             "first_dose_at": doses[0] if doses else None, "as_needed": is_as_needed(frequency)})
        if ids:
            await execute(
                "INSERT INTO medication_administrations (id, admission_id, prescription_item_id, scheduled_at, status, "
                "created_at, updated_at, version) SELECT d.id, $1, d.item, d.at, 'SCHEDULED', $2, $2, 1 "
                "FROM unnest($3::uuid[], $4::uuid[], $5::timestamptz[]) AS d(id, item, at)",
                admission_id, now, ids, item_ids, times,
            )
        await audit.record(actor, action="SCHEDULE_DOSES", table="medication_administrations",
                           record_id=prescription_id,
                           new={"admission_id": admission_id, "doses": len(ids)})
        head = await fetchrow("SELECT id, ipd_admission_id, patient_id, doctor_id, prescribed_date FROM prescriptions "
                              "WHERE id = $1", prescription_id)
        assert head is not None
    return {"prescription": dict(head), "items": items, "schedule": schedule}


_CHART_SQL = (
    f"SELECT {boards.DOSE_COLUMNS}, i.instructions, i.duration_days, "
    "nullif(trim(u.first_name || ' ' || coalesce(u.last_name, '')), '') AS administered_by_name "
    f"{boards.DOSE_JOINS} LEFT JOIN users u ON u.id = m.administered_by"
)


def dose_out(row: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    out = dict(row)
    out["timing"] = (dose_timing(row["scheduled_at"], now).value
                     if row["status"] == AdministrationStatus.SCHEDULED.value else None)
    return out


async def medication_chart(actor: Actor, admission_id: UUID, *, start: datetime | None, end: datetime | None
                           ) -> list[dict[str, Any]]:
    """The medication administration record: every dose (scheduled, given, held, refused) in [start, end),
    by default the stay's day today, with whether each unrecorded one is upcoming, due or overdue."""
    row = await ipd_service.open_admission(actor, admission_id, part="medication chart")
    now = _now()
    if start is None or end is None:
        day_start, day_end = day_bounds_utc(hospital_day(now))
        start, end = start or day_start, end or day_end
    async with transaction():
        rows = await fetch(f"{_CHART_SQL} WHERE m.admission_id = $1 AND m.scheduled_at >= $2 AND m.scheduled_at < $3 "
                           "ORDER BY m.scheduled_at, med.name, m.id", admission_id, start, end)
        await audit.record(actor, action="READ", table="medication_administrations",
                           new={"admission_id": admission_id, "patient_id": row["patient_id"], "count": len(rows)})
    return [dose_out(r, now) for r in rows]


async def record_dose(actor: Actor, dose_id: UUID, *, status: AdministrationStatus, administered_at: datetime | None,
                      reason: str | None, expected_version: int | None) -> dict[str, Any]:
    """A nurse records a scheduled dose as given, held or refused (held and refused say why), once."""
    head = await fetchrow("SELECT admission_id FROM medication_administrations WHERE id = $1", dose_id)
    if head is None:
        raise NotFound("No such dose")
    await ipd_service.open_admission(actor, head["admission_id"], part="medication administration")
    async with transaction():
        place = await _place(head["admission_id"], "SHARE")
        _require_active(place, "doses are recorded")
        dose = await fetchrow(f"{_CHART_SQL} WHERE m.id = $1 FOR UPDATE OF m", dose_id)
        assert dose is not None
        if expected_version is not None and expected_version != dose["version"]:
            raise StaleVersion("The dose was recorded or changed meanwhile; reload",
                               current_version=int(dose["version"]))
        cleaned = check_dose_record(AdministrationStatus(dose["status"]), status, reason)
        now = _now()
        at = administered_at or now
        check_administration_time(at, now, dose["scheduled_at"])
        await execute(
            "UPDATE medication_administrations SET status = $2, administered_at = $3, administered_by = $4, "
            "notes = $5, "
            "version = version + 1, updated_at = now() WHERE id = $1",
            dose_id, status.value, at, actor.user_id, cleaned,
        )
        await audit.record(actor, action="ADMINISTER", table="medication_administrations", record_id=dose_id,
                           old={"status": dose["status"], "version": dose["version"]},
                           new={"status": status.value, "administered_at": at, "reason": cleaned,
                                "was_overdue": dose["overdue_at"] is not None})
        if place["ward_id"] is not None and place["bed_id"] is not None:
            await outbox.append(PendingEvent(ward_topic(place["ward_id"]), DoseRecorded(
                admission_id=place["id"], bed_id=place["bed_id"], dose_id=dose_id, status=status,
                administered_at=at)))
        row = await fetchrow(f"{_CHART_SQL} WHERE m.id = $1", dose_id)
        assert row is not None
    return dose_out(row, now)


async def record_prn_dose(actor: Actor, admission_id: UUID, *, prescription_item_id: UUID,
                          status: AdministrationStatus, administered_at: datetime | None, reason: str | None
                          ) -> dict[str, Any]:
    """An as-needed (SOS/PRN) medicine given (or offered and refused) when the patient needed it."""
    await ipd_service.open_admission(actor, admission_id, part="medication administration")
    async with transaction():
        place = await _place(admission_id, "SHARE")
        _require_active(place, "doses are recorded")
        item = await fetchrow(
            "SELECT i.id, i.frequency FROM prescription_items i JOIN prescriptions p ON p.id = i.prescription_id "
            "WHERE i.id = $1 AND p.ipd_admission_id = $2",
            prescription_item_id, admission_id,
        )
        if item is None:
            raise ValidationFailed(fields={"prescriptionItemId": "is not a medicine prescribed in this admission"})
        if Frequency(item["frequency"]) is not Frequency.SOS:
            raise ValidationFailed(fields={"prescriptionItemId": "is a scheduled medicine: record its dose on "
                                                                  "the chart"})
        cleaned = check_dose_record(AdministrationStatus.SCHEDULED, status, reason)
        now = _now()
        at = administered_at or now
        check_administration_time(at, now, at)
        dose_id = uuid4()
        await execute(
            "INSERT INTO medication_administrations (id, admission_id, prescription_item_id, scheduled_at, "
            "administered_at, administered_by, status, notes, created_at, updated_at, version) "
            "VALUES ($1, $2, $3, $4, $4, $5, $6, $7, now(), now(), 1)",
            dose_id, admission_id, prescription_item_id, at, actor.user_id, status.value, cleaned,
        )
        await audit.record(actor, action="ADMINISTER", table="medication_administrations", record_id=dose_id,
                           new={"status": status.value, "administered_at": at, "as_needed": True, "reason": cleaned})
        if place["ward_id"] is not None and place["bed_id"] is not None:
            await outbox.append(PendingEvent(ward_topic(place["ward_id"]), DoseRecorded(
                admission_id=admission_id, bed_id=place["bed_id"], dose_id=dose_id, status=status, administered_at=at)))
        row = await fetchrow(f"{_CHART_SQL} WHERE m.id = $1", dose_id)
        assert row is not None
    return dose_out(row, now)


# --- The ward timers: late observations and doses on the board ---------------------------------------

_DUE_DOSES_SQL = f"""
SELECT {boards.DOSE_COLUMNS}, a.bed_id, r.ward_id
FROM medication_administrations m
JOIN ipd_admissions a ON a.id = m.admission_id AND a.status = 'ACTIVE'
LEFT JOIN beds b ON b.id = a.bed_id
LEFT JOIN rooms r ON r.id = b.room_id
LEFT JOIN prescription_items i ON i.id = m.prescription_item_id
LEFT JOIN medicines med ON med.id = i.medicine_id
WHERE m.status = 'SCHEDULED' AND m.overdue_at IS NULL AND m.scheduled_at <= $1
ORDER BY m.scheduled_at, m.id
LIMIT $2
FOR UPDATE OF m SKIP LOCKED
FOR SHARE OF a SKIP LOCKED
"""

_DUE_VITALS_SQL = """
SELECT a.id, a.vitals_due_at, a.bed_id, r.ward_id
FROM ipd_admissions a
LEFT JOIN beds b ON b.id = a.bed_id
LEFT JOIN rooms r ON r.id = b.room_id
WHERE a.status = 'ACTIVE' AND a.vitals_due_at IS NOT NULL AND a.vitals_overdue_at IS NULL AND a.vitals_due_at <= $1
ORDER BY a.vitals_due_at, a.id
LIMIT $2
FOR UPDATE OF a SKIP LOCKED
"""


async def sweep_ward_timers(now: datetime | None = None, *, limit: int = 200) -> tuple[int, int]:
    """Put late doses (30 minutes after their time) and late observations (past NEWS2's next-due time) on the
    ward boards, once each: rows are claimed with SKIP LOCKED and marked in the same transaction, so several
    server processes sweep without doubling an event, and the timers (columns) survive a restart.
    Returns (doses, observations) put on the boards."""
    now = now or _now()
    async with transaction():
        doses = await fetch(_DUE_DOSES_SQL, now - OVERDUE_AFTER, limit)
        if doses:
            await execute("UPDATE medication_administrations SET overdue_at = $2 WHERE id = ANY($1::uuid[])",
                          [d["id"] for d in doses], now)
            await outbox.append(*(
                PendingEvent(ward_topic(d["ward_id"]), DoseWentOverdue(
                    admission_id=d["admission_id"], bed_id=d["bed_id"], dose=boards.ward_dose(d)))
                for d in doses if d["ward_id"] is not None and d["bed_id"] is not None
            ))
            await audit.record(SYSTEM, action="OVERDUE", table="medication_administrations",
                               new={"doses": [d["id"] for d in doses]})
    async with transaction():
        late = await fetch(_DUE_VITALS_SQL, now, limit)
        if late:
            await execute("UPDATE ipd_admissions SET vitals_overdue_at = $2 WHERE id = ANY($1::uuid[])",
                          [a["id"] for a in late], now)
            await outbox.append(*(
                PendingEvent(ward_topic(a["ward_id"]), VitalsWentOverdue(
                    admission_id=a["id"], bed_id=a["bed_id"], due_at=a["vitals_due_at"]))
                for a in late if a["ward_id"] is not None and a["bed_id"] is not None
            ))
    return len(doses), len(late)


async def run_ward_timers(interval: float) -> None:
    """The periodic job every server process runs (started by the app)."""
    while True:
        try:
            await sweep_ward_timers()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the ward timer sweep failed; it runs again in %s s", interval)
        await asyncio.sleep(interval)


# --- The nurse's dashboard --------------------------------------------------------------------------

_MY_PATIENTS_SQL = """
SELECT a.id, a.patient_id, a.admission_date, a.admission_type, a.reason_for_admission, a.diagnosis, a.spo2_scale,
       p.mrn, p.first_name, p.last_name, p.gender, p.date_of_birth,
       b.id AS bed_id, b.bed_number, r.id AS room_id, r.room_number, w.id AS ward_id, w.code AS ward_code,
       w.name AS ward_name
FROM ipd_admissions a
JOIN patients p ON p.id = a.patient_id
JOIN beds b ON b.id = a.bed_id
JOIN rooms r ON r.id = b.room_id
JOIN wards w ON w.id = r.ward_id
WHERE a.status = 'ACTIVE' AND ($1::uuid[] IS NULL OR w.id = ANY($1::uuid[]))
ORDER BY w.code, r.room_number, b.bed_number, a.id
"""

_DUE_SOON_SQL = f"""
SELECT {boards.DOSE_COLUMNS} {boards.DOSE_JOINS}
WHERE m.admission_id = ANY($1::uuid[]) AND m.status = 'SCHEDULED' AND m.scheduled_at <= $2
ORDER BY m.scheduled_at, m.id
"""


async def nurse_patients(actor: Actor, *, ward_id: UUID | None) -> list[dict[str, Any]]:
    """The nurse's patients (ACTIVE admissions on the wards she is assigned to or rostered on now): latest
    vitals, NEWS2, open alerts and the doses due now (due within 30 minutes, or overdue). ADMIN sees every
    ward (or the one named). A list naming patients: an audited read."""
    wards: list[UUID] | None = None
    if actor.role is Role.NURSE:
        facts = await realtime.subscriber_facts(actor)
        wards = sorted(facts.ward_ids_on_roster)
        if ward_id is not None:
            if ward_id not in facts.ward_ids_on_roster:
                raise PermissionDenied("You are not on that ward's roster")
            wards = [ward_id]
    elif ward_id is not None:
        wards = [ward_id]
    now = _now()
    async with transaction():
        rows = [dict(r) for r in await fetch(_MY_PATIENTS_SQL, wards)]
        ids = [r["id"] for r in rows]
        occupied = await boards.occupants(ids, now)
        due: dict[UUID, list[dict[str, Any]]] = {i: [] for i in ids}
        for d in await fetch(_DUE_SOON_SQL, ids, now + DUE_AHEAD):
            due[d["admission_id"]].append(dose_out(d, now))
        if rows:
            await audit.record(actor, action="READ", table="ipd_admissions",
                               new={"dashboard": "nurse/my-patients", "patients": [r["patient_id"] for r in rows]})
    return [{**r, "occupant": occupied.get(r["id"]), "due_doses": due[r["id"]]} for r in rows]


# --- The IPD report ---------------------------------------------------------------------------------

_OCCUPANCY_SQL = """
SELECT d.day, w.id AS ward_id, count(ba.id) AS occupied
FROM unnest($1::date[], $2::timestamptz[]) AS d(day, at)
CROSS JOIN wards w
LEFT JOIN rooms r ON r.ward_id = w.id
LEFT JOIN beds b ON b.room_id = r.id
LEFT JOIN bed_assignments ba ON ba.bed_id = b.id AND ba.started_at <= d.at
     AND (ba.ended_at IS NULL OR ba.ended_at > d.at)
     AND EXISTS (SELECT 1 FROM ipd_admissions x WHERE x.id = ba.admission_id AND x.status <> 'CANCELLED')
GROUP BY d.day, w.id
"""

_WARDS_SQL = """
SELECT w.id, w.code, w.name, count(b.id) AS beds FROM wards w LEFT JOIN rooms r ON r.ward_id = w.id
LEFT JOIN beds b ON b.room_id = r.id GROUP BY w.id ORDER BY w.code
"""

# The ward of an admission: that of its first bed (admissions), of its last bed (discharges).
_ADMISSIONS_IN_SQL = """
SELECT a.id, a.patient_id, a.admission_date,
       (SELECT r.ward_id FROM bed_assignments ba JOIN beds b ON b.id = ba.bed_id JOIN rooms r ON r.id = b.room_id
        WHERE ba.admission_id = a.id ORDER BY ba.started_at LIMIT 1) AS ward_id,
       EXISTS (SELECT 1 FROM ipd_admissions e WHERE e.patient_id = a.patient_id AND e.id <> a.id
               AND e.status IN ('DISCHARGED', 'TRANSFERRED', 'DECEASED')
               AND e.discharge_date <= a.admission_date
               AND e.discharge_date > a.admission_date - interval '30 days') AS readmission
FROM ipd_admissions a
WHERE a.status <> 'CANCELLED' AND a.admission_date >= $1 AND a.admission_date < $2
"""

_DISCHARGES_IN_SQL = """
SELECT a.id, a.admission_date, a.discharge_date, a.status, a.discharge_type,
       (SELECT r.ward_id FROM bed_assignments ba JOIN beds b ON b.id = ba.bed_id JOIN rooms r ON r.id = b.room_id
        WHERE ba.admission_id = a.id ORDER BY ba.started_at DESC LIMIT 1) AS ward_id
FROM ipd_admissions a
WHERE a.status IN ('DISCHARGED', 'TRANSFERRED', 'DECEASED') AND a.discharge_date >= $1 AND a.discharge_date < $2
"""

MAX_REPORT_DAYS = 366


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


async def ipd_summary(actor: Actor, start: date, end: date) -> dict[str, Any]:
    """Admissions, discharges (by type), average length of stay, 30-day readmissions, and occupancy per day
    and per ward (a midnight census: who held a bed at the end of each day; today, now)."""
    if end < start:
        raise ValidationFailed(fields={"endDate": "must be on or after startDate"})
    if (end - start).days + 1 > MAX_REPORT_DAYS:
        raise ValidationFailed(fields={"endDate": f"the report covers at most {MAX_REPORT_DAYS} days"})
    now = _now()
    lower, upper = day_bounds_utc(start)[0], day_bounds_utc(end)[1]
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    days = [d for d in days if day_bounds_utc(d)[0] <= now]
    instants = [min(day_bounds_utc(d)[1] - timedelta(microseconds=1), now) for d in days]
    async with transaction():
        wards = [dict(r) for r in await fetch(_WARDS_SQL)]
        admissions = await fetch(_ADMISSIONS_IN_SQL, lower, upper)
        discharges = await fetch(_DISCHARGES_IN_SQL, lower, upper)
        occupancy = await fetch(_OCCUPANCY_SQL, days, instants) if days else []
        await audit.record(actor, action="REPORT", table="ipd_admissions",
                           new={"report": "ipd-summary", "start": start, "end": end})
    occupied: dict[tuple[date, UUID], int] = {(r["day"], r["ward_id"]): int(r["occupied"]) for r in occupancy}
    total_beds = sum(int(w["beds"]) for w in wards)
    by_day: list[dict[str, Any]] = []
    for d in days:
        n = sum(occupied.get((d, w["id"]), 0) for w in wards)
        by_day.append({"date": d, "occupied_beds": n, "total_beds": total_beds,
                       "rate": round(n / total_beds, 4) if total_beds else None})
    by_type: dict[str, int] = {}
    for r in discharges:
        key = r["discharge_type"] or "NORMAL"
        by_type[key] = by_type.get(key, 0) + 1
    per_ward = []
    for w in wards:
        beds = int(w["beds"])
        counts = [occupied.get((d, w["id"]), 0) for d in days]
        stays = [length_of_stay_days(r["admission_date"], r["discharge_date"]) for r in discharges
                 if r["ward_id"] == w["id"]]
        average_occupied = sum(counts) / len(counts) if counts else 0.0
        per_ward.append({
            "ward_id": w["id"], "code": w["code"], "name": w["name"], "total_beds": beds,
            "admissions": sum(1 for r in admissions if r["ward_id"] == w["id"]),
            "discharges": len(stays), "average_length_of_stay_days": _mean(stays),
            "average_occupied_beds": round(average_occupied, 2),
            "occupancy_rate": round(average_occupied / beds, 4) if beds and counts else None,
            "by_day": [{"date": d, "occupied_beds": c, "rate": round(c / beds, 4) if beds else None}
                       for d, c in zip(days, counts, strict=True)],
        })
    rates: list[float] = [d["rate"] for d in by_day if d["rate"] is not None]
    return {
        "start_date": start, "end_date": end, "admissions": len(admissions), "discharges": len(discharges),
        "discharges_by_type": by_type, "deaths": sum(1 for r in discharges if r["status"] == "DECEASED"),
        "average_length_of_stay_days": _mean([length_of_stay_days(r["admission_date"], r["discharge_date"])
                                              for r in discharges]),
        "readmissions_within_30_days": sum(1 for r in admissions if r["readmission"]),
        "occupancy": {"average_rate": round(sum(rates) / len(rates), 4) if rates else None, "by_day": by_day,
                      "by_ward": per_ward},
    }
