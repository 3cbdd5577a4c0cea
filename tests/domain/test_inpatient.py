"""The ward's pure rules: the whole bed state machine, discharge statuses, room charges by the midnight census,
the revert window, dose recording, daily-note authors, and how a NEWS2 alert follows later observations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.alerts import AlertSeverity
from domain.beds import BED_MOVES, BED_TRANSITIONS, HOUSEKEEPING_TRANSITIONS, BedMove, bed_move
from domain.clock import HOSPITAL_TZ
from domain.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from domain.inpatient import (
    DISCHARGE_STATUS,
    AlertChange,
    OpenNews2Alert,
    check_administration_time,
    check_dose_record,
    check_note_author,
    check_revert_window,
    days_since_admission,
    may_mark_vitals_in_error,
    midnights_between,
    news2_alert_decision,
    room_charge_days,
    split_blood_pressure,
)
from domain.ipd import AdministrationStatus, AdmissionStatus, BedState, DischargeType, NoteType
from domain.news2 import RiskBand
from domain.roles import Role

B = BedState
NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def kolkata(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=HOSPITAL_TZ)


# ---------------------------------------------------------------- beds


MOVES = {
    BedMove.ADMIT: ({B.AVAILABLE, B.RESERVED}, B.OCCUPIED),
    BedMove.TRANSFER_IN: ({B.AVAILABLE, B.RESERVED}, B.OCCUPIED),
    BedMove.TRANSFER_OUT: ({B.OCCUPIED}, B.CLEANING),
    BedMove.DISCHARGE: ({B.OCCUPIED}, B.CLEANING),
    BedMove.CANCEL_ADMISSION: ({B.OCCUPIED}, B.AVAILABLE),
    BedMove.REVERT_DISCHARGE: ({B.AVAILABLE, B.CLEANING}, B.OCCUPIED),
}


@pytest.mark.parametrize("cause", list(BedMove))
@pytest.mark.parametrize("current", list(B))
def test_each_cause_moves_a_bed_only_from_its_states(cause, current):
    sources, target = MOVES[cause]
    if current in sources:
        assert bed_move(cause, current) is target
    else:
        with pytest.raises(InvalidTransition) as refused:
            bed_move(cause, current)
        assert refused.value.current_state == current.value and current.value in refused.value.detail


def test_the_state_machine_is_the_union_of_housekeeping_and_the_inpatient_moves():
    for state in B:
        expected = set(HOUSEKEEPING_TRANSITIONS[state])
        for rule in BED_MOVES.values():
            if state in rule.sources:
                expected.update(rule.to)
        assert BED_TRANSITIONS[state] == expected
    # Only a patient's arrival makes a bed OCCUPIED; only their leaving frees one.
    assert {s for s in B if B.OCCUPIED in BED_TRANSITIONS[s]} == {B.AVAILABLE, B.RESERVED, B.CLEANING}
    assert BED_TRANSITIONS[B.OCCUPIED] == {B.CLEANING, B.AVAILABLE}


def test_a_cancelled_admission_may_leave_the_bed_for_cleaning_but_nothing_else():
    assert bed_move(BedMove.CANCEL_ADMISSION, B.OCCUPIED, B.CLEANING) is B.CLEANING
    with pytest.raises(InvalidTransition):
        bed_move(BedMove.CANCEL_ADMISSION, B.OCCUPIED, B.MAINTENANCE)


# ---------------------------------------------------------------- discharge, windows, charges


def test_discharge_types_map_to_the_spec_statuses():
    assert DISCHARGE_STATUS == {
        DischargeType.NORMAL: AdmissionStatus.DISCHARGED,
        DischargeType.AGAINST_MEDICAL_ADVICE: AdmissionStatus.DISCHARGED,
        DischargeType.TRANSFERRED_OUT: AdmissionStatus.TRANSFERRED,
        DischargeType.DEATH: AdmissionStatus.DECEASED,
    }


def test_the_revert_window():
    check_revert_window(NOW - timedelta(hours=23, minutes=59), NOW, 24)
    with pytest.raises(Conflict) as late:
        check_revert_window(NOW - timedelta(hours=24, minutes=1), NOW, 24)
    assert late.value.extra["revertHours"] == 24


@pytest.mark.parametrize(("start", "end", "nights"), [
    (kolkata(20, 10), kolkata(20, 18), 0),  # a day case
    (kolkata(20, 23, 59), kolkata(21, 0, 1), 1),  # across one midnight
    (kolkata(20, 10), kolkata(21, 0, 0), 1),  # leaving at midnight itself: that midnight was spent
    (kolkata(20, 10), kolkata(23, 9), 3),
])
def test_midnights_between(start, end, nights):
    assert midnights_between(start, end) == nights


def test_room_charges_count_each_night_once_across_transfers():
    # In bed A from the 20th 10:00, moved to B on the 22nd 15:00, discharged the 24th 11:00: 4 nights.
    stays = [(kolkata(20, 10), kolkata(22, 15)), (kolkata(22, 15), kolkata(24, 11))]
    assert room_charge_days(stays) == [2, 2]
    # Moved twice on one day: the bed held at midnight is charged.
    stays = [(kolkata(20, 10), kolkata(21, 9)), (kolkata(21, 9), kolkata(21, 17)), (kolkata(21, 17), kolkata(22, 8))]
    assert room_charge_days(stays) == [1, 0, 1]
    # Admitted and discharged the same day: one day, to the bed held longest.
    assert room_charge_days([(kolkata(20, 9), kolkata(20, 10)), (kolkata(20, 10), kolkata(20, 17))]) == [0, 1]
    assert room_charge_days([]) == []


def test_days_since_admission_follow_the_kolkata_calendar():
    assert days_since_admission(kolkata(20, 23, 30), kolkata(20, 23, 59)) == 0
    assert days_since_admission(kolkata(20, 23, 30), kolkata(21, 0, 5)) == 1


# ---------------------------------------------------------------- notes, vitals marks, doses


def test_who_writes_which_note():
    check_note_author(Role.DOCTOR, NoteType.DOCTOR_NOTE)
    check_note_author(Role.NURSE, NoteType.NURSE_NOTE)
    check_note_author(Role.NURSE, NoteType.CARE_PLAN)
    for role, kind in ((Role.NURSE, NoteType.DOCTOR_NOTE), (Role.DOCTOR, NoteType.NURSE_NOTE),
                       (Role.RECEPTIONIST, NoteType.CARE_PLAN)):
        with pytest.raises(PermissionDenied):
            check_note_author(role, kind)


def test_who_marks_vitals_entered_in_error():
    author, other = uuid4(), uuid4()
    assert may_mark_vitals_in_error(Role.NURSE, author, author)
    assert not may_mark_vitals_in_error(Role.NURSE, other, author)
    assert may_mark_vitals_in_error(Role.DOCTOR, other, author)


@pytest.mark.parametrize(("text", "expected"), [("120/80", (120, 80)), (" 95 / 60 ", (95, 60))])
def test_blood_pressure_as_written(text, expected):
    assert split_blood_pressure(text) == expected


@pytest.mark.parametrize("text", ["120", "120-80", "high", "1200/80"])
def test_blood_pressure_that_is_not_one(text):
    with pytest.raises(ValidationFailed) as refused:
        split_blood_pressure(text)
    assert "bp" in refused.value.fields


def test_a_dose_is_recorded_once_and_held_or_refused_with_a_reason():
    S = AdministrationStatus
    assert check_dose_record(S.SCHEDULED, S.GIVEN, None) is None
    assert check_dose_record(S.SCHEDULED, S.HELD, "  NBM for surgery ") == "NBM for surgery"
    with pytest.raises(ValidationFailed):
        check_dose_record(S.SCHEDULED, S.REFUSED, " ")
    with pytest.raises(ValidationFailed):
        check_dose_record(S.SCHEDULED, S.MISSED, "x")
    with pytest.raises(InvalidTransition) as twice:
        check_dose_record(S.GIVEN, S.GIVEN, None)
    assert twice.value.current_state == "GIVEN"


def test_a_dose_is_given_around_its_time():
    check_administration_time(NOW, NOW, NOW + timedelta(hours=1))
    with pytest.raises(ValidationFailed):
        check_administration_time(NOW, NOW, NOW + timedelta(hours=3))
    with pytest.raises(ValidationFailed):
        check_administration_time(NOW + timedelta(hours=1), NOW, NOW)


# ---------------------------------------------------------------- NEWS2 alerts

MINUTES = {RiskBand.LOW_MEDIUM: 30, RiskBand.MEDIUM: 15, RiskBand.HIGH: 5}


def decide(band, score, open_alert=None, acknowledged=None, low_since=False):
    return news2_alert_decision(band=band, score=score, now=NOW, open_alert=open_alert, acknowledged_band=acknowledged,
                                low_since_acknowledged=low_since, minutes=MINUTES)


@pytest.mark.parametrize(("band", "severity", "minutes"), [
    (RiskBand.LOW_MEDIUM, AlertSeverity.WARNING, 30), (RiskBand.MEDIUM, AlertSeverity.URGENT, 15),
    (RiskBand.HIGH, AlertSeverity.CRITICAL, 5),
])
def test_a_band_above_low_raises_an_alert_with_its_own_escalation_time(band, severity, minutes):
    decision = decide(band, 5)
    assert decision.change is AlertChange.RAISED and decision.severity is severity
    assert decision.escalate_at == NOW + timedelta(minutes=minutes)


def test_the_low_band_raises_nothing():
    assert decide(RiskBand.LOW, 4).change is AlertChange.NONE


def test_an_open_alert_follows_the_band():
    due = NOW + timedelta(minutes=20)
    open_ = OpenNews2Alert(band=RiskBand.MEDIUM, score=5, escalate_at=due)
    up = decide(RiskBand.HIGH, 8, open_)
    assert up.change is AlertChange.BAND_UP and up.escalate_at == NOW + timedelta(minutes=5)  # sooner
    slow_up = decide(RiskBand.HIGH, 8, OpenNews2Alert(band=RiskBand.MEDIUM, score=5,
                                                      escalate_at=NOW + timedelta(minutes=1)))
    assert slow_up.escalate_at == NOW + timedelta(minutes=1)  # never later than already due
    down = decide(RiskBand.LOW_MEDIUM, 3, open_)
    assert down.change is AlertChange.BAND_DOWN and down.escalate_at == due
    same = decide(RiskBand.MEDIUM, 6, open_)
    assert same.change is AlertChange.SCORE and same.escalate_at == due
    unchanged = decide(RiskBand.MEDIUM, 5, open_)
    assert unchanged.change is AlertChange.NONE
    low = decide(RiskBand.LOW, 1, open_)
    assert low.change is AlertChange.BACK_TO_LOW and low.escalate_at is None and low.severity is AlertSeverity.INFO


def test_after_an_acknowledgement_only_something_new_raises_an_alert():
    assert decide(RiskBand.MEDIUM, 5, acknowledged=RiskBand.MEDIUM).change is AlertChange.NONE
    assert decide(RiskBand.LOW_MEDIUM, 3, acknowledged=RiskBand.MEDIUM).change is AlertChange.NONE
    assert decide(RiskBand.HIGH, 7, acknowledged=RiskBand.MEDIUM).change is AlertChange.RAISED
    assert decide(RiskBand.MEDIUM, 5, acknowledged=RiskBand.MEDIUM, low_since=True).change is AlertChange.RAISED


# ---------------------------------------------------------------- the ward board's alert events


def test_ward_alert_events_apply_to_the_bed_of_their_admission():
    from domain.alert_events import AlertAcknowledged, AlertEscalated, AlertPosted, AlertVerified, OpenAlert
    from domain.alerts import AlertKind, RecipientReason
    from domain.boards import BoardBed, BoardRoom, WardBoard, apply_ward_event, board_admission, count_beds
    from domain.events import WardOccupant
    from domain.ipd import RoomType

    admission_id, bed_id = uuid4(), uuid4()
    occupant = WardOccupant(id=admission_id, admission_date=NOW, admission_type="EMERGENCY")
    room = BoardRoom(id=uuid4(), room_number="101", room_type=RoomType.GENERAL, beds=[
        BoardBed(id=bed_id, bed_number="A", status=B.OCCUPIED, version=2, status_changed_at=NOW,
                 admission=board_admission(occupant)),
        BoardBed(id=uuid4(), bed_number="B", status=B.AVAILABLE, version=1, status_changed_at=NOW),
    ])
    board = WardBoard(ward_id=uuid4(), code="W", name="Ward", department_id=uuid4(), floor=1,
                      counts=count_beds([B.OCCUPIED, B.AVAILABLE]), rooms=[room])

    def alert(admission=admission_id, severity=AlertSeverity.CRITICAL) -> OpenAlert:
        return OpenAlert(alert_id=alert_id, kind=AlertKind.CRITICAL_RESULT, severity=severity, patient_id=uuid4(),
                         lab_test_id=None, accession_number=None, message="K+ 7.1", preliminary=True,
                         escalation_level=0, reason=RecipientReason.ORDERING_DOCTOR, raised_at=NOW,
                         admission_id=admission)

    def apply(b, payload):
        import msgspec

        return apply_ward_event(b, payload.EVENT, msgspec.to_builtins(payload))

    alert_id = uuid4()
    assert apply(board, AlertPosted(alert=alert(admission=None))) == board  # not about an admission here
    posted = apply(board, AlertPosted(alert=alert()))
    shown = posted.rooms[0].beds[0].admission.alerts
    assert [(a.alert_id, a.preliminary, a.severity) for a in shown] == [(alert_id, True, AlertSeverity.CRITICAL)]
    again = apply(posted, AlertPosted(alert=alert(severity=AlertSeverity.URGENT)))  # updated, not added
    assert [a.severity for a in again.rooms[0].beds[0].admission.alerts] == [AlertSeverity.URGENT]
    verified = apply(again, AlertVerified(alert_id=alert_id, verified_at=NOW))
    assert verified.rooms[0].beds[0].admission.alerts[0].preliminary is False
    escalated = apply(verified, AlertEscalated(alert_id=alert_id, escalation_level=2,
                                               reason=RecipientReason.DEPARTMENT_HEAD, to_user_ids=[uuid4()],
                                               escalated_at=NOW, delivery="delivered"))
    assert escalated.rooms[0].beds[0].admission.alerts[0].escalation_level == 2
    done = apply(escalated, AlertAcknowledged(alert_id=alert_id, acknowledged_by=uuid4(), action="treated",
                                              acknowledged_at=NOW))
    assert done.rooms[0].beds[0].admission.alerts == [] and done.rooms[0].beds[1] == room.beds[1]
    assert apply_ward_event(done, "no.such.event", {}) == done
