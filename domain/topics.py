"""Live topics: their names (`kind:id`) and who may subscribe to each, declared once.

db/ uses the builders to name the topic an event is written to; channels/ asks `may_subscribe` before a
socket may watch one. Choosing who receives an event is a security decision, so it lives only here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from uuid import UUID

from domain.errors import ValidationFailed
from domain.roles import Role

MAX_TOPIC_LENGTH = 200
_SECTION = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


class TopicKind(StrEnum):
    CENSUS = "census"  # hospital-wide bed counts by ward and room type
    WARD = "ward"  # ward:{wardId}: beds, admissions, vitals, early-warning alerts of one ward
    OPD = "opd"  # opd:{departmentId}: the department's OPD queue, with patient names
    DISPLAY = "display"  # display:{departmentId}: the same queue for a waiting-room screen, never a name
    LAB = "lab"  # lab:{section}: the lab worklist of one section (a slug: clinical-chemistry)
    IMAGING = "imaging"  # the imaging worklist
    USER = "user"  # user:{userId}: one person's alerts (always a users id, also for a doctor)
    PATIENTS = "patients"  # registrations, for the reception desks


# Kinds named without an id; every other kind is `kind:id`.
_SINGLETONS = frozenset({TopicKind.CENSUS, TopicKind.IMAGING, TopicKind.PATIENTS})
_UUID_KINDS = frozenset({TopicKind.WARD, TopicKind.OPD, TopicKind.DISPLAY, TopicKind.USER})
# Personal or patient-identifying streams an unattended screen never watches, whatever its token lists:
# a waiting-room screen shows `display:{departmentId}` (no names), never `opd:{departmentId}` (names).
_NOT_FOR_DEVICES = frozenset({TopicKind.USER, TopicKind.PATIENTS, TopicKind.OPD})
_DEVICE_INSTEAD = {TopicKind.OPD: "display:{departmentId}, the same queue without names"}


@dataclass(frozen=True, slots=True)
class Topic:
    kind: TopicKind
    # The ward, department or user id (canonical lowercase form), the lab section slug, or None.
    key: str | None = None

    @property
    def name(self) -> str:
        return self.kind.value if self.key is None else f"{self.kind.value}:{self.key}"

    @property
    def key_uuid(self) -> UUID | None:
        return UUID(self.key) if self.key is not None and self.kind in _UUID_KINDS else None

    def __str__(self) -> str:
        return self.name


def _refuse(name: str, why: str) -> ValidationFailed:
    shown = name if len(name) <= 60 else name[:57] + "..."
    return ValidationFailed(f"{shown!r} is not a topic: {why}", fields={"topic": why})


def parse_topic(name: str) -> Topic:
    """The topic `name` stands for, with its id in canonical form; junk raises ValidationFailed."""
    if not name or len(name) > MAX_TOPIC_LENGTH:
        raise _refuse(name, f"give a topic name of 1 to {MAX_TOPIC_LENGTH} characters")
    kind_text, sep, key = name.partition(":")
    try:
        kind = TopicKind(kind_text)
    except ValueError:
        kinds = ", ".join(k.value for k in TopicKind)
        raise _refuse(name, f"the kind must be one of {kinds}") from None
    if kind in _SINGLETONS:
        if sep:
            raise _refuse(name, f"{kind.value} takes no id")
        return Topic(kind)
    if not key:
        raise _refuse(name, f"{kind.value} needs an id: {kind.value}:<id>")
    if kind in _UUID_KINDS:
        try:
            return Topic(kind, str(UUID(key)))
        except ValueError:
            raise _refuse(name, f"the id of {kind.value} must be a UUID") from None
    if not _SECTION.match(key):
        raise _refuse(name, "a lab section is lowercase letters, digits and dashes, like clinical-chemistry")
    return Topic(kind, key)


# --- Builders: how db/ names the topic of an event ------------------------------------------------

CENSUS = Topic(TopicKind.CENSUS)
IMAGING = Topic(TopicKind.IMAGING)
PATIENTS = Topic(TopicKind.PATIENTS)


def ward_topic(ward_id: UUID) -> Topic:
    return Topic(TopicKind.WARD, str(ward_id))


def opd_topic(department_id: UUID) -> Topic:
    return Topic(TopicKind.OPD, str(department_id))


def display_topic(department_id: UUID) -> Topic:
    return Topic(TopicKind.DISPLAY, str(department_id))


def user_topic(user_id: UUID) -> Topic:
    return Topic(TopicKind.USER, str(user_id))


def lab_section_slug(section: str) -> str:
    """'Clinical Chemistry' -> 'clinical-chemistry': the key of a lab section's topic."""
    slug = re.sub(r"[^a-z0-9]+", "-", section.lower()).strip("-")
    if not _SECTION.match(slug):
        raise ValidationFailed(fields={"section": "must contain letters or digits"})
    return slug


def lab_topic(section: str) -> Topic:
    return Topic(TopicKind.LAB, lab_section_slug(section))


# --- Who may subscribe ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SubscriberFacts:
    """What the rules need to know about a subscriber, looked up once per socket (and on renewal)."""

    role: Role | None  # None for an unattended device
    user_id: UUID | None = None
    device_topics: frozenset[str] = field(default_factory=frozenset)
    # Wards the nurse has a standing assignment to, or is on the duty roster of right now.
    ward_ids_on_roster: frozenset[UUID] = field(default_factory=frozenset)
    # The user's department(s): users.department_id, their doctors/hospital_staff row, today's duty.
    department_ids: frozenset[UUID] = field(default_factory=frozenset)

    @property
    def is_device(self) -> bool:
        return self.role is None


_CENSUS_ROLES = frozenset({Role.ADMIN, Role.DOCTOR, Role.NURSE, Role.RECEPTIONIST})
_OPD_DEPARTMENT_ROLES = frozenset({Role.RECEPTIONIST, Role.DOCTOR, Role.NURSE})
_LAB_ROLES = frozenset({Role.LAB_STAFF, Role.ADMIN, Role.DOCTOR})
_IMAGING_ROLES = frozenset({Role.RADIOLOGIST, Role.ADMIN, Role.DOCTOR})
_PATIENTS_ROLES = frozenset({Role.RECEPTIONIST, Role.ADMIN})


def device_topic_refusal(name: str) -> str | None:
    """Why a device token may not list `name` (checked when the token is issued), or None.

    Only the kinds a device may never watch are refused here; may_subscribe decides the rest per socket.
    """
    kind_text = name.partition(":")[0]
    try:
        kind = TopicKind(kind_text)
    except ValueError:
        return None
    if kind not in _NOT_FOR_DEVICES:
        return None
    instead = _DEVICE_INSTEAD.get(kind)
    why = f"an unattended device never watches {kind.value} topics"
    return f"{why}; use {instead}" if instead else why


def may_watch_opd(subscriber: SubscriberFacts, department_id: UUID | None) -> bool:
    """Whether `subscriber` may see a department's OPD queue with patient names: `opd:{departmentId}`, GET
    /api/opd/queue, and (for the desk) checking a patient in to that department. The one rule for all three.

    ADMIN: every department. Doctors and nurses: their department(s) only. A receptionist with no department
    (the hospital's front desk) works every department's queue; one with a department, only that one.
    """
    role = subscriber.role
    if role is None or department_id is None:
        return False
    if role is Role.ADMIN:
        return True
    if role is Role.RECEPTIONIST and not subscriber.department_ids:
        return True
    return role in _OPD_DEPARTMENT_ROLES and department_id in subscriber.department_ids


def may_subscribe(subscriber: SubscriberFacts, topic: Topic) -> bool:
    """Whether `subscriber` may watch `topic`. Every rule of the real-time spine's Topics section."""
    if subscriber.role is None:
        # A device watches only what its token lists, and never a personal or registration stream.
        return topic.kind not in _NOT_FOR_DEVICES and topic.name in subscriber.device_topics
    role = subscriber.role
    key = topic.key_uuid
    match topic.kind:
        case TopicKind.CENSUS:
            return role in _CENSUS_ROLES
        case TopicKind.WARD:
            if role in (Role.ADMIN, Role.DOCTOR):
                return True
            return role is Role.NURSE and key in subscriber.ward_ids_on_roster
        case TopicKind.OPD:
            return may_watch_opd(subscriber, key)
        case TopicKind.DISPLAY:
            # Token numbers, rooms and statuses only: any member of staff may look at a waiting room.
            return True
        case TopicKind.LAB:
            return role in _LAB_ROLES
        case TopicKind.IMAGING:
            return role in _IMAGING_ROLES
        case TopicKind.USER:
            return subscriber.user_id is not None and key == subscriber.user_id
        case TopicKind.PATIENTS:
            return role in _PATIENTS_ROLES
    return False  # pragma: no cover - the match above is exhaustive
