"""OPD rules other than the queue's own: ICD-10 search, priorities at check-in and triage, appointments and
charges, estimated waits, and applying the live boards' events."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from domain import icd10
from domain.appointments import (
    Booking,
    DoctorHours,
    check_booking,
    clashes,
    consultation_charge,
    first_free_slot,
    week_of,
)
from domain.clock import HOSPITAL_TZ
from domain.errors import ValidationFailed
from domain.ipd import Consciousness
from domain.news2 import Observation, score
from domain.opd import QueuePriority, TokenStatus, VisitType
from domain.opd_events import (
    DisplayBoard,
    DisplayEntry,
    DisplayTokenCalled,
    DisplayTokenRemoved,
    OpdBoard,
    OpdQueueEntry,
    OpdTokenRemoved,
    OpdTokenUpdated,
    QueueAction,
    WaitEstimate,
    apply_display_token_called,
    apply_display_token_removed,
    apply_opd_token_removed,
    apply_opd_token_updated,
    estimated_waits,
)
from domain.opd_templates import TEMPLATES, specialty_of, templates_for
from domain.queue import WaitingToken
from domain.triage import check_in_priority, news2_priority, triage_priority

NOW = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)  # 10:30 in Kolkata, a Thursday

# ---------------------------------------------------------------- ICD-10


@pytest.mark.parametrize(
    ("query", "first"),
    [("J20.9", "J20.9"), ("j209", "J20.9"), ("I10", "I10"), ("fever", "R50.9"), ("htn", "I10"), ("uti", "N39.0"),
     ("anemia", "D50.9"), ("acute bronchitis", "J20.9"), ("dengue", "A97.0"), ("t2dm", "E11.9")],
)
def test_icd10_search_finds_what_a_doctor_types(query, first):
    assert icd10.search(query)[0].code == first


def test_icd10_code_prefix_lists_the_category_and_its_subdivisions():
    codes = [c.code for c in icd10.search("E11", limit=50)]
    assert codes[0] == "E11" and "E11.9" in codes and all(c.startswith("E11") for c in codes)


def test_icd10_lookup_and_validation():
    found = icd10.lookup("e11.9")
    assert found is not None and found.title.startswith("Type 2 diabetes")
    assert icd10.lookup("Z99.99") is None and icd10.lookup("hello") is None
    assert [c.code for c in icd10.validate_codes(["i10", "I10", "E11.9"])] == ["I10", "E11.9"]
    with pytest.raises(ValidationFailed) as refused:
        icd10.validate_codes(["I10", "X99.9"])
    assert "diagnosisCodes" in refused.value.fields


def test_every_common_code_and_template_code_is_in_the_shipped_list():
    assert all(icd10.is_valid(c) for c in icd10.COMMON_CODES)
    assert all(icd10.is_valid(c) for t in TEMPLATES for c in t.diagnosis_codes)
    assert len(icd10.all_codes()) > 12000


# ---------------------------------------------------------------- priorities


@pytest.mark.parametrize(
    ("age", "requested", "visit_type", "expected"),
    [
        (30, None, VisitType.OPD, QueuePriority.ROUTINE),
        (60, None, VisitType.OPD, QueuePriority.ELDERLY_DISABLED),
        (59, None, VisitType.OPD, QueuePriority.ROUTINE),
        (30, QueuePriority.ELDERLY_DISABLED, VisitType.OPD, QueuePriority.ELDERLY_DISABLED),  # a disability
        (75, QueuePriority.URGENT, VisitType.OPD, QueuePriority.URGENT),  # never lowered by age
        (20, None, VisitType.EMERGENCY, QueuePriority.EMERGENCY),
    ],
)
def test_check_in_priority(age, requested, visit_type, expected):
    assert check_in_priority(age=age, requested=requested, visit_type=visit_type).priority is expected


def _score(rr: int, spo2: int, sbp: int, hr: int, temp: str, level: Consciousness = Consciousness.A):
    return score(Observation(respiratory_rate=rr, spo2=spo2, on_oxygen=False, systolic=sbp, heart_rate=hr,
                             consciousness=level, temperature=Decimal(temp)))


def test_news2_maps_to_a_priority():
    assert news2_priority(_score(16, 98, 120, 80, "37.0")) is QueuePriority.ROUTINE
    assert news2_priority(_score(16, 98, 120, 80, "37.0", Consciousness.C)) is QueuePriority.URGENT  # a single 3
    assert news2_priority(_score(22, 94, 105, 95, "38.5")) is QueuePriority.URGENT  # 5: MEDIUM
    assert news2_priority(_score(26, 90, 88, 135, "39.5")) is QueuePriority.EMERGENCY  # HIGH


def test_triage_raises_and_never_lowers():
    high = _score(26, 90, 88, 135, "39.5")
    assert triage_priority(QueuePriority.ROUTINE, score=high, requested=None).priority is QueuePriority.EMERGENCY
    normal = _score(16, 98, 120, 80, "37.0")
    kept = triage_priority(QueuePriority.URGENT, score=normal, requested=None)
    assert kept.priority is QueuePriority.URGENT and kept.reason is None
    asked = triage_priority(QueuePriority.ROUTINE, score=None, requested=QueuePriority.URGENT)
    assert asked.priority is QueuePriority.URGENT and asked.reason == "triage nurse"


# ---------------------------------------------------------------- appointments and charges

HOURS = DoctorHours(time(9, 0), time(17, 0), weekends=False)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=HOSPITAL_TZ)


def test_booking_within_hours_only():
    friday = date(2026, 11, 27)
    check_booking(at(friday, 10), 15, HOURS, NOW)
    for start, duration in ((at(friday, 8, 45), 15), (at(friday, 16, 50), 15), (at(date(2026, 11, 28), 10), 15)):
        with pytest.raises(ValidationFailed) as refused:
            check_booking(start, duration, HOURS, NOW)
        assert "appointmentDate" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        check_booking(NOW - timedelta(hours=2), 15, HOURS, NOW)
    assert refused.value.fields["appointmentDate"] == "is in the past"


def test_clashes_and_the_first_free_slot():
    friday = date(2026, 11, 27)
    booked = [Booking(at(friday, 9), 15), Booking(at(friday, 9, 15), 30)]
    assert clashes(Booking(at(friday, 9, 30), 15), booked) == [booked[1]]
    assert clashes(Booking(at(friday, 9, 45), 15), booked) == []  # touching is not clashing
    assert first_free_slot(friday, 15, HOURS, booked, not_before=NOW) == at(friday, 9, 45)
    assert first_free_slot(date(2026, 11, 29), 15, HOURS, [], not_before=NOW) is None  # a Sunday off


def test_week_of_runs_monday_to_sunday():
    assert week_of(date(2026, 11, 26)) == (date(2026, 11, 23), date(2026, 11, 29))


def test_consultation_charge_and_free_follow_up():
    assert consultation_charge(None, is_follow_up=False, days_since_last_charged=None)[0] == Decimal("500.00")
    assert consultation_charge(Decimal("800"), is_follow_up=True, days_since_last_charged=30)[0] == Decimal("800.00")
    amount, name = consultation_charge(Decimal("800"), is_follow_up=True, days_since_last_charged=5)
    assert amount == Decimal("0.00") and "free" in name


def test_templates_by_specialization():
    assert specialty_of("Interventional Cardiology") == "Cardiology"
    assert specialty_of("Neonatology") == "Paediatrics"
    assert templates_for("Spine Surgery")[0].specialty == "Orthopaedics"


# ---------------------------------------------------------------- estimated waits


def token(n: int, *, doctor: uuid.UUID | None = None, minutes_ago: int = 60, status=TokenStatus.WAITING,
          priority=QueuePriority.ROUTINE) -> WaitingToken:
    return WaitingToken(token_id=uuid.uuid4(), token_number=n, priority=priority,
                        arrived_at=NOW - timedelta(minutes=minutes_ago - n), doctor_id=doctor, status=status)


def test_waits_follow_each_doctors_call_order_and_pace():
    a, b = uuid.uuid4(), uuid.uuid4()
    tokens = [token(1, doctor=a), token(2, doctor=a), token(3, doctor=b), token(4, status=TokenStatus.CALLED),
              token(5, doctor=a, priority=QueuePriority.EMERGENCY)]
    waits = estimated_waits(tokens, now=NOW, durations={a: [10, 10, 10], b: [6], None: [10, 6]}, doctors_on_duty=2)
    assert waits == [WaitEstimate(token_number=1, minutes=10), WaitEstimate(token_number=2, minutes=20),
                     WaitEstimate(token_number=3, minutes=0), WaitEstimate(token_number=5, minutes=0)]


def test_unassigned_tokens_share_the_doctors_on_duty_and_wait_for_nobody_when_none_is():
    tokens = [token(1), token(2), token(3)]
    assert [w.minutes for w in estimated_waits(tokens, now=NOW, durations={None: [8]}, doctors_on_duty=2)] == [0, 4, 8]
    assert [w.minutes for w in estimated_waits(tokens, now=NOW, durations={}, doctors_on_duty=0)] == [None] * 3


# ---------------------------------------------------------------- applying board events


def entry(n: int, status: TokenStatus, wait: int | None = None) -> OpdQueueEntry:
    return OpdQueueEntry(
        token_id=uuid.UUID(int=n), token_number=n, visit_id=uuid.uuid4(), visit_type=VisitType.OPD,
        patient_id=uuid.uuid4(), mrn=f"MRN-2026-{n:06d}", patient_name=f"Patient {n}", age=40, gender="FEMALE",
        priority=QueuePriority.ROUTINE, status=status, doctor_id=None, doctor_name=None, room=None, call_count=0,
        arrived_at=NOW, appointment_at=None, called_at=None, estimated_wait_minutes=wait,
    )


def test_opd_events_move_a_token_between_lists_and_refresh_every_wait():
    dept = uuid.uuid4()
    board = OpdBoard(department_id=dept, date=date(2026, 11, 26),
                     waiting_patients=[entry(1, TokenStatus.WAITING, 0), entry(2, TokenStatus.WAITING, 10)])
    called = msgspec_replace(entry(1, TokenStatus.CALLED), room="4", call_count=1)
    board = apply_opd_token_updated(board, OpdTokenUpdated(action=QueueAction.CALLED, entry=called,
                                                           waits=[WaitEstimate(token_number=2, minutes=0)]))
    assert [(e.token_number, e.status, e.estimated_wait_minutes) for e in board.waiting_patients] == [
        (1, TokenStatus.CALLED, None), (2, TokenStatus.WAITING, 0)]
    board = apply_opd_token_updated(board, OpdTokenUpdated(
        action=QueueAction.NO_SHOW, entry=msgspec_replace(called, status=TokenStatus.NO_SHOW), waits=[
            WaitEstimate(token_number=2, minutes=0)]))
    assert [e.token_number for e in board.missed] == [1]
    board = apply_opd_token_removed(board, OpdTokenRemoved(action=QueueAction.CANCELLED, token_id=uuid.UUID(int=2),
                                                           token_number=2, waits=[]))
    assert board.waiting_patients == [] and len(board.missed) == 1


def test_display_events_keep_token_order_and_drop_finished_tokens():
    board = DisplayBoard(department_id=uuid.uuid4(), department_name="OPD", date=date(2026, 11, 26),
                         waiting=[DisplayEntry(token_number=n, status=TokenStatus.WAITING, room=None) for n in (2, 3)])
    board = apply_display_token_called(board, DisplayTokenCalled(
        action=QueueAction.CALLED, entry=DisplayEntry(token_number=3, status=TokenStatus.CALLED, room="4"),
        call_count=1, announcement="Token 3, Room 4", waits=[WaitEstimate(token_number=2, minutes=5)]))
    assert [(e.token_number, e.room) for e in board.now_calling] == [(3, "4")]
    assert [(e.token_number, e.estimated_wait_minutes) for e in board.waiting] == [(2, 5)]
    board = apply_display_token_removed(board, DisplayTokenRemoved(action=QueueAction.NO_SHOW, token_number=3,
                                                                   waits=[WaitEstimate(token_number=2, minutes=0)]))
    assert board.now_calling == [] and board.waiting[0].estimated_wait_minutes == 0


def msgspec_replace(value, **changes):
    import msgspec

    return msgspec.structs.replace(value, **changes)
