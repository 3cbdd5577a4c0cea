"""The bed's state machine, declared once: every move a bed may make, and what may make it.

Two kinds of actors move beds. Housekeeping (`POST /api/ipd/beds/{id}/status`) cleans, repairs and releases
beds; it never touches an OCCUPIED bed. The inpatient services (admission, transfer, discharge, cancelling an
admission entered by mistake, reverting a discharge) put patients in beds and take them out. Each cause has
its row in `BED_MOVES`; `BED_TRANSITIONS` is their union, the whole state machine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from domain.errors import InvalidTransition
from domain.ipd import BedState

B = BedState

# Moves a housekeeping request (a bed marked cleaned, under maintenance, available) may make.
HOUSEKEEPING_TRANSITIONS: Mapping[BedState, frozenset[BedState]] = MappingProxyType(
    {
        B.AVAILABLE: frozenset({B.CLEANING, B.MAINTENANCE, B.RESERVED}),
        B.CLEANING: frozenset({B.AVAILABLE, B.MAINTENANCE}),
        B.MAINTENANCE: frozenset({B.AVAILABLE, B.CLEANING}),
        B.OCCUPIED: frozenset(),
        B.RESERVED: frozenset({B.AVAILABLE}),
    }
)

# The states a housekeeping request may ask for (RESERVED belongs to the admission desk).
HOUSEKEEPING_TARGETS: frozenset[BedState] = frozenset({B.AVAILABLE, B.CLEANING, B.MAINTENANCE})


class BedMove(StrEnum):
    """Why a bed changes state: the inpatient service that moves it (housekeeping has its own table)."""

    ADMIT = "ADMITTED"  # a patient is admitted to the bed
    TRANSFER_IN = "TRANSFERRED_IN"  # a patient moves into it from another bed
    TRANSFER_OUT = "TRANSFERRED_OUT"  # the patient moved to another bed: it needs cleaning
    DISCHARGE = "DISCHARGED"  # the patient left (home, against advice, another hospital, death): cleaning
    CANCEL_ADMISSION = "ADMISSION_CANCELLED"  # the admission was entered by mistake: the bed is free again
    REVERT_DISCHARGE = "DISCHARGE_REVERTED"  # a discharge undone within the window: the patient is back


@dataclass(frozen=True, slots=True)
class BedMoveRule:
    """A cause's move: from which states, to which (the first of `to` unless the caller picks another)."""

    sources: frozenset[BedState]
    to: tuple[BedState, ...]


BED_MOVES: Mapping[BedMove, BedMoveRule] = MappingProxyType(
    {
        # A RESERVED bed is held for an incoming patient: admitting to it (by naming it) is what it is for.
        BedMove.ADMIT: BedMoveRule(frozenset({B.AVAILABLE, B.RESERVED}), (B.OCCUPIED,)),
        BedMove.TRANSFER_IN: BedMoveRule(frozenset({B.AVAILABLE, B.RESERVED}), (B.OCCUPIED,)),
        BedMove.TRANSFER_OUT: BedMoveRule(frozenset({B.OCCUPIED}), (B.CLEANING,)),
        BedMove.DISCHARGE: BedMoveRule(frozenset({B.OCCUPIED}), (B.CLEANING,)),
        # Nobody really stayed: AVAILABLE, unless whoever cancels says the bed was used (CLEANING).
        BedMove.CANCEL_ADMISSION: BedMoveRule(frozenset({B.OCCUPIED}), (B.AVAILABLE, B.CLEANING)),
        # The bed the patient left is taken back if nobody else has it (still being cleaned is fine).
        BedMove.REVERT_DISCHARGE: BedMoveRule(frozenset({B.AVAILABLE, B.CLEANING}), (B.OCCUPIED,)),
    }
)


def _union() -> Mapping[BedState, frozenset[BedState]]:
    table: dict[BedState, set[BedState]] = {state: set(HOUSEKEEPING_TRANSITIONS[state]) for state in B}
    for rule in BED_MOVES.values():
        for source in rule.sources:
            table[source].update(rule.to)
    return MappingProxyType({state: frozenset(targets) for state, targets in table.items()})


# Every move a bed may make, whoever makes it.
BED_TRANSITIONS: Mapping[BedState, frozenset[BedState]] = _union()

# Whether a bed in this state can take a patient (admission, transfer in).
TAKES_A_PATIENT: frozenset[BedState] = BED_MOVES[BedMove.ADMIT].sources


def housekeeping_move(current: BedState, target: BedState) -> BedState:
    """`target` if housekeeping may move a bed from `current` to it; otherwise InvalidTransition (409)."""
    if current is B.OCCUPIED:
        raise InvalidTransition(
            "The bed is OCCUPIED: it is freed by discharging or transferring the patient, not by housekeeping",
            current_state=current.value,
        )
    if target == current:
        raise InvalidTransition(f"The bed is already {current.value}", current_state=current.value)
    if target not in HOUSEKEEPING_TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.value for s in HOUSEKEEPING_TRANSITIONS[current])) or "nothing"
        raise InvalidTransition(
            f"A bed that is {current.value} cannot become {target.value} (it may become {allowed})",
            current_state=current.value,
        )
    return target


_WHY_NOT: Mapping[BedState, str] = MappingProxyType(
    {
        B.OCCUPIED: "another patient is in it",
        B.CLEANING: "it is being cleaned; housekeeping marks it AVAILABLE when it is ready",
        B.MAINTENANCE: "it is under maintenance",
        B.RESERVED: "it is reserved for another patient",
        B.AVAILABLE: "nobody is in it",
    }
)


def bed_move(cause: BedMove, current: BedState, target: BedState | None = None) -> BedState:
    """The state a bed in `current` takes for `cause` (`target` picks among the rule's choices).

    InvalidTransition (409, naming the state the bed is in) when the cause may not move it from there.
    """
    rule = BED_MOVES[cause]
    to = rule.to[0] if target is None else target
    if to not in rule.to:
        choices = ", ".join(s.value for s in rule.to)
        raise InvalidTransition(f"A bed is left {choices} for this, not {to.value}", current_state=current.value)
    if current not in rule.sources:
        raise InvalidTransition(
            f"The bed is {current.value}: {_WHY_NOT[current]}", current_state=current.value
        )
    return to
