"""Topic names and who may subscribe to each, as tables written from the real-time issue's Topics section."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from domain.errors import ValidationFailed
from domain.roles import Role
from domain.topics import (
    CENSUS,
    IMAGING,
    PATIENTS,
    SubscriberFacts,
    Topic,
    TopicKind,
    device_topic_refusal,
    display_topic,
    lab_section_slug,
    lab_topic,
    may_subscribe,
    opd_topic,
    parse_topic,
    user_topic,
    ward_topic,
)

W = UUID("11111111-1111-4111-8111-111111111111")  # the nurse's ward
W2 = UUID("22222222-2222-4222-8222-222222222222")  # another ward
D = UUID("33333333-3333-4333-8333-333333333333")  # the user's department
D2 = UUID("44444444-4444-4444-8444-444444444444")  # another department
ME = UUID("55555555-5555-4555-8555-555555555555")
OTHER = UUID("66666666-6666-4666-8666-666666666666")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("census", CENSUS),
        ("imaging", IMAGING),
        ("patients", PATIENTS),
        (f"ward:{W}", Topic(TopicKind.WARD, str(W))),
        (f"ward:{str(W).upper()}", Topic(TopicKind.WARD, str(W))),  # ids are made canonical
        (f"ward:{W.hex}", Topic(TopicKind.WARD, str(W))),
        (f"opd:{D}", Topic(TopicKind.OPD, str(D))),
        (f"display:{D}", Topic(TopicKind.DISPLAY, str(D))),
        (f"user:{ME}", Topic(TopicKind.USER, str(ME))),
        ("lab:clinical-chemistry", Topic(TopicKind.LAB, "clinical-chemistry")),
        ("lab:haematology", Topic(TopicKind.LAB, "haematology")),
    ],
)
def test_topic_names_parse_to_their_canonical_topic(name, expected):
    assert parse_topic(name) == expected
    assert parse_topic(expected.name) == expected


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "ward",  # needs an id
        "ward:",
        "ward:12",  # not a UUID
        "ward:../../etc",
        "census:1",  # takes no id
        "imaging:x",
        "beds:1",  # no such kind
        "Census",
        "lab:Clinical Chemistry",  # a section is a slug
        "lab:-x",
        "lab:" + "a" * 70,
        "x" * 201,
        f"user:{ME}:extra",
    ],
)
def test_junk_is_not_a_topic(junk):
    with pytest.raises(ValidationFailed):
        parse_topic(junk)


def test_builders_name_the_topics_db_writes_to():
    assert ward_topic(W).name == f"ward:{W}"
    assert opd_topic(D).name == f"opd:{D}"
    assert display_topic(D).name == f"display:{D}"
    assert user_topic(ME).name == f"user:{ME}"
    assert lab_topic("Clinical Chemistry").name == "lab:clinical-chemistry"
    assert lab_section_slug("Urine Analysis") == "urine-analysis"
    assert CENSUS.name == "census"
    with pytest.raises(ValidationFailed):
        lab_section_slug("---")


def staff(role: Role, *, wards=(), departments=(), user_id: UUID = ME) -> SubscriberFacts:
    return SubscriberFacts(role=role, user_id=user_id, ward_ids_on_roster=frozenset(wards),
                           department_ids=frozenset(departments))


def device(*topics: str) -> SubscriberFacts:
    return SubscriberFacts(role=None, device_topics=frozenset(topics))


R = Role
NURSE_ON_W = staff(R.NURSE, wards=[W], departments=[D])

# (subscriber, topic, allowed, the rule)
RULES: list[tuple[SubscriberFacts, Topic, bool, str]] = [
    # census: ADMIN, doctors, nurses, reception's admission desk, census-board devices
    (staff(R.ADMIN), CENSUS, True, "census: ADMIN"),
    (staff(R.DOCTOR), CENSUS, True, "census: doctors"),
    (staff(R.NURSE), CENSUS, True, "census: nurses"),
    (staff(R.RECEPTIONIST), CENSUS, True, "census: reception"),
    (staff(R.BILLING_STAFF), CENSUS, False, "census: not billing"),
    (staff(R.LAB_STAFF), CENSUS, False, "census: not lab"),
    (staff(R.PHARMACY_STAFF), CENSUS, False, "census: not pharmacy"),
    (staff(R.RADIOLOGIST), CENSUS, False, "census: not radiology"),
    (device("census"), CENSUS, True, "census: a census-board device"),
    (device(f"ward:{W}"), CENSUS, False, "census: not a device without it on its token"),
    # ward: nurses on that ward's roster, doctors, ADMIN, that ward's board devices
    (NURSE_ON_W, ward_topic(W), True, "ward: a nurse rostered there"),
    (NURSE_ON_W, ward_topic(W2), False, "ward: a nurse of another ward"),
    (staff(R.NURSE), ward_topic(W), False, "ward: a nurse on no roster"),
    (staff(R.DOCTOR), ward_topic(W2), True, "ward: doctors"),
    (staff(R.ADMIN), ward_topic(W2), True, "ward: ADMIN"),
    (staff(R.RECEPTIONIST, wards=[W]), ward_topic(W), False, "ward: not reception"),
    (staff(R.LAB_STAFF), ward_topic(W), False, "ward: not lab"),
    (device(f"ward:{W}"), ward_topic(W), True, "ward: that ward's board"),
    (device(f"ward:{W}"), ward_topic(W2), False, "ward: not another ward's board"),
    # opd: reception, doctors, nurses of that department (ADMIN too); the front desk (a receptionist of no
    # department) every department
    (staff(R.RECEPTIONIST, departments=[D]), opd_topic(D), True, "opd: reception of the department"),
    (staff(R.RECEPTIONIST, departments=[D]), opd_topic(D2), False, "opd: reception of another department"),
    (staff(R.RECEPTIONIST), opd_topic(D), True, "opd: the front desk (no department), any department"),
    (staff(R.RECEPTIONIST), opd_topic(D2), True, "opd: the front desk (no department), every department"),
    (staff(R.DOCTOR), opd_topic(D), False, "opd: a doctor of no department, none"),
    (staff(R.NURSE), opd_topic(D), False, "opd: a nurse of no department, none"),
    (staff(R.BILLING_STAFF), opd_topic(D), False, "opd: not billing, department or not"),
    (staff(R.DOCTOR, departments=[D]), opd_topic(D), True, "opd: doctors of the department"),
    (staff(R.DOCTOR, departments=[D]), opd_topic(D2), False, "opd: doctors of another department"),
    (NURSE_ON_W, opd_topic(D), True, "opd: nurses of the department"),
    (staff(R.ADMIN), opd_topic(D2), True, "opd: ADMIN"),
    (staff(R.BILLING_STAFF, departments=[D]), opd_topic(D), False, "opd: not billing"),
    (device(f"display:{D}"), opd_topic(D), False, "opd: never a display device (names)"),
    (device(f"opd:{D}"), opd_topic(D), False, "opd: never a device, whatever its token lists (names)"),
    # display: a device bound to that department, or any staff member
    (device(f"display:{D}"), display_topic(D), True, "display: its department's screen"),
    (device(f"display:{D}"), display_topic(D2), False, "display: not another department's"),
    (staff(R.BILLING_STAFF), display_topic(D2), True, "display: any staff"),
    (staff(R.PHARMACY_STAFF), display_topic(D), True, "display: any staff"),
    # lab: LAB_STAFF, ADMIN; doctors read
    (staff(R.LAB_STAFF), lab_topic("Haematology"), True, "lab: lab staff"),
    (staff(R.ADMIN), lab_topic("Haematology"), True, "lab: ADMIN"),
    (staff(R.DOCTOR), lab_topic("Haematology"), True, "lab: doctors read"),
    (staff(R.NURSE), lab_topic("Haematology"), False, "lab: not nurses"),
    (staff(R.RADIOLOGIST), lab_topic("Haematology"), False, "lab: not radiology"),
    # imaging: RADIOLOGIST, ADMIN, DOCTOR
    (staff(R.RADIOLOGIST), IMAGING, True, "imaging: radiologists"),
    (staff(R.DOCTOR), IMAGING, True, "imaging: doctors"),
    (staff(R.ADMIN), IMAGING, True, "imaging: ADMIN"),
    (staff(R.LAB_STAFF), IMAGING, False, "imaging: not lab"),
    (staff(R.NURSE), IMAGING, False, "imaging: not nurses"),
    # user: only that user
    (staff(R.DOCTOR, user_id=ME), user_topic(ME), True, "user: oneself"),
    (staff(R.DOCTOR, user_id=ME), user_topic(OTHER), False, "user: not another person"),
    (staff(R.ADMIN, user_id=ME), user_topic(OTHER), False, "user: not even ADMIN"),
    (device(f"user:{ME}"), user_topic(ME), False, "user: never a device, whatever its token lists"),
    # patients (registrations): reception and ADMIN
    (staff(R.RECEPTIONIST), PATIENTS, True, "patients: reception"),
    (staff(R.ADMIN), PATIENTS, True, "patients: ADMIN"),
    (staff(R.DOCTOR), PATIENTS, False, "patients: not doctors"),
    (device("patients"), PATIENTS, False, "patients: never a device"),
]


@pytest.mark.parametrize(("subscriber", "topic", "allowed", "rule"), RULES, ids=[r[3] for r in RULES])
def test_who_may_subscribe(subscriber, topic, allowed, rule):
    assert may_subscribe(subscriber, topic) is allowed


def test_every_topic_kind_has_rules_in_the_table():
    assert {topic.kind for _, topic, _, _ in RULES} == set(TopicKind)


def test_a_device_may_never_watch_a_topic_its_token_does_not_list():
    for kind_topic in (CENSUS, IMAGING, ward_topic(uuid4()), display_topic(uuid4()), lab_topic("serology")):
        assert not may_subscribe(device(), kind_topic)
        assert may_subscribe(device(kind_topic.name), kind_topic)


def test_a_device_token_may_not_list_a_topic_no_device_watches():
    assert "display:" in (device_topic_refusal(f"opd:{D}") or "")
    for name in (f"user:{ME}", "patients"):
        assert device_topic_refusal(name) is not None
    for name in ("census", f"ward:{W}", f"display:{D}", "imaging", "lab:serology", "display:opd-1", "junk"):
        assert device_topic_refusal(name) is None
