"""Patient management over HTTP: registration, MRNs, duplicates, validation, search, updates, role-shaped
answers, the record's parts, merging and the audit trail."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from db.connection import fetch, fetchrow
from domain.clock import hospital_day
from domain.policy import (
    CLINICAL_PATIENT_FIELDS,
    PATIENT_VIEW_FIELDS,
    TEST_RELATED_PATIENT_FIELDS,
    PatientView,
    patient_fields_for,
)
from domain.registration import SearchKind, classify_search
from domain.roles import Role
from server.patients import shape_patient
from tests.api.conftest import (
    ADMIN,
    RECEPTION,
    insert_row,
    random_dob,
    random_letters,
    random_mobile,
)

MRN = re.compile(r"^MRN-(\d{4})-(\d{6,})$")


async def patient_count() -> int:
    row = await fetchrow("SELECT count(*) AS n FROM patients")
    assert row is not None
    return int(row["n"])


async def audit_actions(client, headers_for, record_id: str, table: str = "patients") -> list[str]:
    response = await client.get(
        "/api/audit-log", params={"recordId": record_id, "tableNames": table, "limit": 1000},
        headers=await headers_for(ADMIN),
    )
    assert response.status_code == 200, response.text
    return [entry["action"] for entry in response.json()["logs"]]


# ---------------------------------------------------------------- registration


async def test_registration_numbers_the_mrn_in_the_hospital_year_and_normalises_the_phone(
    client, headers_for, make_patient
):
    phone_digits = random_mobile()
    patient = await make_patient(
        await headers_for(RECEPTION), phone=f"+91 {phone_digits[:5]} {phone_digits[5:]}", pincode="110 001",
        firstName="  Asha ", lastName="Verma",
    )
    match = MRN.match(patient["mrn"])
    assert match, patient["mrn"]
    assert int(match.group(1)) == hospital_day(datetime.now(UTC)).year
    assert patient["phone"] == "+91" + phone_digits
    assert patient["pincode"] == "110001"
    assert patient["firstName"] == "Asha"
    assert patient["version"] == 1
    assert patient["isUnidentified"] is False
    assert patient["dobIsEstimated"] is False
    assert patient["age"] >= 0


async def test_answer_to_registration_carries_the_version_as_etag(client, headers_for):
    response = await client.post(
        "/api/patients",
        json={"firstName": random_letters(), "dateOfBirth": random_dob(), "gender": "MALE", "phone": random_mobile()},
        headers=await headers_for(RECEPTION),
    )
    assert response.status_code == 201
    assert response.headers["etag"] == '"1"'


async def test_fifty_concurrent_registrations_get_fifty_distinct_consecutive_mrns(client, headers_for):
    headers = await headers_for(RECEPTION)

    async def register() -> Any:
        return await client.post(
            "/api/patients",
            json={"firstName": random_letters(), "lastName": random_letters(), "dateOfBirth": random_dob(),
                  "gender": "OTHER", "phone": random_mobile()},
            headers=headers,
        )

    responses = await asyncio.gather(*(register() for _ in range(50)))
    assert [r.status_code for r in responses] == [201] * 50, [r.text for r in responses if r.status_code != 201]
    mrns = [r.json()["patient"]["mrn"] for r in responses]
    assert len(set(mrns)) == 50
    numbers = sorted(int(MRN.match(m).group(2)) for m in mrns)  # type: ignore[union-attr]
    assert numbers == list(range(numbers[0], numbers[0] + 50))


async def test_registration_is_announced_to_the_reception_desks_without_a_name(client, headers_for, make_patient):
    patient = await make_patient(await headers_for(RECEPTION))
    row = await fetchrow(
        "SELECT topic, event_type, payload::text AS payload FROM outbox_events "
        "WHERE topic = 'patients' AND payload->>'patientId' = $1",
        patient["id"],
    )
    assert row is not None
    assert row["event_type"] == "patient.registered"
    assert patient["mrn"] in row["payload"]
    assert patient["firstName"] not in row["payload"] and patient["lastName"] not in row["payload"]


async def test_a_retried_registration_with_the_same_idempotency_key_registers_once(client, headers_for):
    headers = {**await headers_for(RECEPTION), "Idempotency-Key": uuid.uuid4().hex}
    body = _valid_body()
    before = await patient_count()
    first = await client.post("/api/patients", json=body, headers=headers)
    retry = await client.post("/api/patients", json=body, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json()["patient"]["mrn"] == first.json()["patient"]["mrn"]
    assert await patient_count() == before + 1


async def test_likely_duplicate_is_refused_with_candidates_until_confirmed(client, headers_for, make_patient):
    headers = await headers_for(RECEPTION)
    phone, dob = random_mobile(), random_dob()
    surname = random_letters()
    first = await make_patient(headers, firstName="Sunita", lastName=surname, phone=phone, dateOfBirth=dob)
    before = await patient_count()

    again = {"firstName": "Smt. Sunita", "lastName": surname.upper(), "phone": "0" + phone, "dateOfBirth": dob,
             "gender": "FEMALE"}
    refused = await client.post("/api/patients", json=again, headers=headers)
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["status"] == 409
    assert body["candidates"] == [
        {"id": first["id"], "mrn": first["mrn"], "firstName": "Sunita", "lastName": surname, "dateOfBirth": dob,
         "phone": "+91" + phone}
    ]
    assert await patient_count() == before

    confirmed = await client.post("/api/patients", json={**again, "confirmNotDuplicate": True}, headers=headers)
    assert confirmed.status_code == 201, confirmed.text
    assert confirmed.json()["patient"]["mrn"] != first["mrn"]


async def test_same_phone_different_person_is_not_a_duplicate(client, headers_for, make_patient):
    headers = await headers_for(RECEPTION)
    phone, dob = random_mobile(), random_dob()
    await make_patient(headers, firstName="Ramesh", lastName="Gupta", phone=phone, dateOfBirth=dob)
    # Same family phone, same birthday, another name: registered without asking.
    await make_patient(headers, firstName="Kavita", lastName="Gupta", phone=phone, dateOfBirth=dob)


async def test_health_id_already_on_record_is_a_conflict(client, headers_for, make_patient):
    headers = await headers_for(RECEPTION)
    abha = "".join(str((i * 7) % 10) for i in range(10)) + str(uuid.uuid4().int)[:4]
    first = await make_patient(headers, healthId=abha)
    assert first["healthId"] == f"{abha[:2]}-{abha[2:6]}-{abha[6:10]}-{abha[10:]}"
    response = await client.post(
        "/api/patients",
        json={"firstName": random_letters(), "dateOfBirth": random_dob(), "gender": "MALE", "healthId": abha,
              "confirmNotDuplicate": True},
        headers=headers,
    )
    assert response.status_code == 409
    assert "healthId" in response.json()["fields"]
    assert response.json()["candidates"][0]["id"] == first["id"]


async def test_quick_registration_with_age_only_and_no_phone(client, headers_for):
    response = await client.post(
        "/api/patients", json={"firstName": "Mohan", "age": 40, "gender": "MALE"}, headers=await headers_for(RECEPTION)
    )
    assert response.status_code == 201, response.text
    patient = response.json()["patient"]
    assert patient["phone"] is None
    assert patient["dobIsEstimated"] is True
    assert patient["age"] == 40
    assert patient["dateOfBirth"].endswith("-07-01")


async def test_unknown_emergency_patient_is_registered_without_a_name(client, headers_for):
    response = await client.post(
        "/api/patients", json={"unidentified": True, "gender": "MALE", "age": 40},
        headers=await headers_for(RECEPTION),
    )
    assert response.status_code == 201, response.text
    patient = response.json()["patient"]
    assert patient["firstName"] == "Unknown"
    assert patient["lastName"] == "Male, about 40"
    assert patient["isUnidentified"] is True
    assert patient["dobIsEstimated"] is True
    assert MRN.match(patient["mrn"])


async def test_unknown_patient_with_a_name_or_without_an_age_is_refused(client, headers_for):
    headers = await headers_for(RECEPTION)
    named = await client.post("/api/patients", json={"unidentified": True, "gender": "MALE", "age": 30,
                                                     "firstName": "Ravi"}, headers=headers)
    assert named.status_code == 422
    assert "firstName" in named.json()["fields"]
    ageless = await client.post("/api/patients", json={"unidentified": True, "gender": "FEMALE"}, headers=headers)
    assert ageless.status_code == 422
    assert "age" in ageless.json()["fields"]


def _valid_body(**changes: Any) -> dict[str, Any]:
    body = {"firstName": random_letters(), "lastName": random_letters(), "dateOfBirth": random_dob(),
            "gender": "FEMALE", "phone": random_mobile()}
    body.update(changes)
    return body


FUTURE = (date.today() + timedelta(days=30)).isoformat()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_valid_body(phone="12345"), "phone"),
        (_valid_body(phone="+44 20 7946 0958"), "phone"),
        (_valid_body(phone="5876543210"), "phone"),
        (_valid_body(pincode="11000"), "pincode"),
        (_valid_body(pincode="011000"), "pincode"),
        (_valid_body(dateOfBirth=FUTURE), "dateOfBirth"),
        (_valid_body(dateOfBirth="1850-01-01"), "dateOfBirth"),
        (_valid_body(dateOfBirth="2001-02-30"), "dateOfBirth"),
        (_valid_body(dateOfBirth=12345), "dateOfBirth"),
        (_valid_body(bloodGroup="C+"), "bloodGroup"),
        (_valid_body(gender="M"), "gender"),
        (_valid_body(firstName="x" * 101), "firstName"),
        (_valid_body(lastName="y" * 101), "lastName"),
        (_valid_body(address="z" * 501), "address"),
        (_valid_body(firstName=""), "firstName"),
        (_valid_body(firstName="   "), "firstName"),
        (_valid_body(firstName=42), "firstName"),
        (_valid_body(age="forty", dateOfBirth=None), "age"),
        (_valid_body(age=131, dateOfBirth=None), "age"),
        (_valid_body(age=30), "age"),
        (_valid_body(dateOfBirth=None), "dateOfBirth"),
        (_valid_body(email="not-an-email"), "email"),
        (_valid_body(emergencyContactPhone="123"), "emergencyContactPhone"),
        (_valid_body(healthId="ABHA-123"), "healthId"),
        (_valid_body(primaryInsuranceId=str(uuid.uuid4())), "primaryInsuranceId"),
        (_valid_body(structuredAllergies=[{"allergen": "Penicillin", "allergenType": "DRUG",
                                           "severity": "DEADLY"}]), "structuredAllergies"),
        (_valid_body(confirmNotDuplicate="yes"), "confirmNotDuplicate"),
        (_valid_body(mrn="MRN-2026-000001"), "mrn"),
        (_valid_body(id=str(uuid.uuid4())), "id"),
        (_valid_body(version=7), "version"),
        (_valid_body(createdBy=str(uuid.uuid4())), "createdBy"),
        (_valid_body(mergedInto=str(uuid.uuid4())), "mergedInto"),
        (_valid_body(isUnidentified=True), "isUnidentified"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
async def test_invalid_registration_names_the_field_and_writes_nothing(client, headers_for, body, field):
    body = {k: v for k, v in body.items() if v is not None}
    before = await patient_count()
    response = await client.post("/api/patients", json=body, headers=await headers_for(ADMIN))
    assert 400 <= response.status_code < 500, response.text
    assert response.status_code in (400, 422), response.text
    answer = response.json()
    assert field in answer.get("fields", {}) or field in response.text, answer
    assert await patient_count() == before


async def test_several_bad_fields_are_reported_together(client, headers_for):
    response = await client.post(
        "/api/patients", json=_valid_body(phone="123", pincode="0001", dateOfBirth=FUTURE),
        headers=await headers_for(ADMIN),
    )
    assert response.status_code == 422
    assert {"phone", "pincode", "dateOfBirth"} <= set(response.json()["fields"])


@pytest.mark.parametrize("raw", [b"{not json", b"", b"[]", b'"text"', b'{"firstName": "A", '])
async def test_malformed_body_is_refused_and_writes_nothing(client, headers_for, raw):
    before = await patient_count()
    headers = {**await headers_for(ADMIN), "Content-Type": "application/json"}
    response = await client.post("/api/patients", content=raw, headers=headers)
    assert response.status_code in (400, 422), response.text
    assert response.json()["status"] == response.status_code
    assert await patient_count() == before


async def test_receptionist_may_not_record_clinical_fields_at_registration(client, headers_for):
    before = await patient_count()
    response = await client.post(
        "/api/patients", json=_valid_body(bloodGroup="O+", allergies="Penicillin"),
        headers=await headers_for(RECEPTION),
    )
    assert response.status_code == 403
    assert set(response.json()["fields"]) == {"bloodGroup", "allergies"}
    assert await patient_count() == before


async def test_admin_registration_with_clinical_fields_and_coded_allergies(client, headers_for, make_patient):
    patient = await make_patient(
        await headers_for(ADMIN), bloodGroup="AB-", allergies="Penicillin rash", chronicConditions="Asthma",
        structuredAllergies=[{"allergen": "Penicillins", "allergenType": "DRUG_CLASS", "severity": "SEVERE",
                              "reaction": "Rash"}],
    )
    assert patient["bloodGroup"] == "AB-"
    assert patient["allergies"] == "Penicillin rash"
    [allergy] = patient["structuredAllergies"]
    assert allergy["allergen"] == "Penicillins"
    assert allergy["allergenType"] == "DRUG_CLASS"
    assert allergy["severity"] == "SEVERE"


async def test_registration_needs_the_register_permission(client, headers_for):
    for email in ("doctor@demo.local", "nurse@demo.local", "lab@demo.local", "billing@demo.local"):
        response = await client.post("/api/patients", json=_valid_body(), headers=await headers_for(email))
        assert response.status_code == 403, email


async def test_patients_need_a_signed_in_user(client):
    assert (await client.get("/api/patients")).status_code == 401
    assert (await client.post("/api/patients", json=_valid_body())).status_code == 401


# ---------------------------------------------------------------- search


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        ("", SearchKind.ALL, ""),
        (None, SearchKind.ALL, ""),
        ("mrn-2026-000123", SearchKind.MRN, "MRN-2026-000123"),
        ("98765 43210", SearchKind.PHONE, "+919876543210"),
        ("+91-98765-43210", SearchKind.PHONE, "+919876543210"),
        ("12345678901234", SearchKind.HEALTH_ID, "12-3456-7890-1234"),
        ("12-3456-7890-1234", SearchKind.HEALTH_ID, "12-3456-7890-1234"),
        ("Asha.Verma@ABDM", SearchKind.HEALTH_ID, "asha.verma@abdm"),
        ("Smt.  Sunita   Sharma", SearchKind.NAME, "sunita sharma"),
        ("12345", SearchKind.NAME, "12345"),
    ],
)
def test_a_search_term_is_read_as_mrn_health_id_phone_or_name(raw, kind, value):
    search = classify_search(raw)
    assert (search.kind, search.value) == (kind, value)


async def test_search_by_name_phone_mrn_and_health_id(client, headers_for, make_patient):
    headers = await headers_for(RECEPTION)
    surname = random_letters(10)
    abha = str(uuid.uuid4().int)[:14]
    asha = await make_patient(headers, firstName="Asha", lastName=surname, healthId=abha)
    await make_patient(headers, firstName="Ashok", lastName=surname)
    await make_patient(headers, firstName="Meena", lastName=surname)

    async def search(term: str, **params: Any) -> dict[str, Any]:
        response = await client.get("/api/patients", params={"search": term, **params}, headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    by_surname = await search(surname.lower())
    assert by_surname["total"] == 3
    assert {p["firstName"] for p in by_surname["patients"]} == {"Asha", "Ashok", "Meena"}

    best = await search(f"asha {surname}")
    assert best["patients"][0]["id"] == asha["id"]

    typo = await search(f"Asha {surname[:-1]}")
    assert asha["id"] in [p["id"] for p in typo["patients"]]

    page = await search(surname, limit=2, offset=0)
    assert page["total"] == 3 and len(page["patients"]) == 2
    rest = await search(surname, limit=2, offset=2)
    assert rest["total"] == 3 and len(rest["patients"]) == 1
    beyond = await search(surname, limit=2, offset=10)
    assert beyond["total"] == 3 and beyond["patients"] == []

    phone = asha["phone"].removeprefix("+91")
    by_phone = await search(f"0{phone[:5]}-{phone[5:]}")
    assert [p["id"] for p in by_phone["patients"]] == [asha["id"]]
    assert by_phone["total"] == 1

    by_mrn = await search(asha["mrn"].lower())
    assert [p["id"] for p in by_mrn["patients"]] == [asha["id"]] and by_mrn["total"] == 1

    by_health_id = await search(f"{abha[:2]} {abha[2:6]} {abha[6:10]} {abha[10:]}")
    assert [p["id"] for p in by_health_id["patients"]] == [asha["id"]] and by_health_id["total"] == 1

    nothing = await search("MRN-1999-999999")
    assert nothing == {"patients": [], "total": 0}


async def test_search_treats_like_wildcards_literally(client, headers_for):
    response = await client.get("/api/patients", params={"search": "%_%"}, headers=await headers_for(RECEPTION))
    assert response.status_code == 200
    assert response.json()["total"] == 0


async def test_search_parameters_are_bounded(client, headers_for):
    headers = await headers_for(RECEPTION)
    for params, name in [({"limit": 0}, "limit"), ({"limit": 1000}, "limit"), ({"offset": -1}, "offset"),
                         ({"search": "a" * 101}, "search")]:
        response = await client.get("/api/patients", params=params, headers=headers)
        assert response.status_code in (400, 422), params
        assert name in response.json().get("fields", {}), response.text


async def test_listing_without_a_term_shows_newest_registrations_first(client, headers_for, make_patient):
    headers = await headers_for(RECEPTION)
    newest = await make_patient(headers)
    response = await client.get("/api/patients", params={"limit": 5}, headers=headers)
    assert response.status_code == 200
    assert response.json()["patients"][0]["id"] == newest["id"]
    assert response.json()["total"] >= 1


# ---------------------------------------------------------------- updates


async def test_update_changes_only_the_fields_sent_and_bumps_the_version(client, headers_for, make_patient):
    headers = await headers_for(RECEPTION)
    patient = await make_patient(headers, city="Pune", occupation="Teacher")
    response = await client.put(
        f"/api/patients/{patient['id']}", json={"city": "Mumbai", "occupation": None, "version": 1},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    updated = response.json()["patient"]
    assert updated["city"] == "Mumbai"
    assert updated["occupation"] is None
    assert updated["firstName"] == patient["firstName"]
    assert updated["version"] == 2
    assert response.headers["etag"] == '"2"'


async def test_update_with_if_match_header(client, headers_for, make_patient):
    headers = await headers_for(RECEPTION)
    patient = await make_patient(headers)
    response = await client.put(
        f"/api/patients/{patient['id']}", json={"pincode": "560001"}, headers={**headers, "If-Match": '"1"'}
    )
    assert response.status_code == 200, response.text
    assert response.json()["patient"]["pincode"] == "560001"


async def test_stale_update_is_refused_with_the_current_version(client, headers_for, make_patient):
    headers = await headers_for(RECEPTION)
    patient = await make_patient(headers)
    first = await client.put(f"/api/patients/{patient['id']}", json={"city": "Delhi", "version": 1}, headers=headers)
    assert first.status_code == 200
    stale = await client.put(f"/api/patients/{patient['id']}", json={"city": "Agra", "version": 1}, headers=headers)
    assert stale.status_code == 412, stale.text
    assert stale.json()["currentVersion"] == 2
    assert stale.headers["etag"] == '"2"'
    current = await client.get(f"/api/patients/{patient['id']}", headers=headers)
    assert current.json()["patient"]["city"] == "Delhi"


async def test_update_without_a_version_is_428(client, headers_for, make_patient):
    headers = await headers_for(RECEPTION)
    patient = await make_patient(headers)
    response = await client.put(f"/api/patients/{patient['id']}", json={"city": "Delhi"}, headers=headers)
    assert response.status_code == 428, response.text
    assert "If-Match" in response.json()["detail"] and "version" in response.json()["detail"]


async def test_update_is_validated_like_registration(client, headers_for, make_patient):
    headers = await headers_for(RECEPTION)
    patient = await make_patient(headers)
    url = f"/api/patients/{patient['id']}"
    for body, field in [
        ({"phone": "12345", "version": 1}, "phone"),
        ({"dateOfBirth": FUTURE, "version": 1}, "dateOfBirth"),
        ({"firstName": None, "version": 1}, "firstName"),
        ({"gender": "X", "version": 1}, "gender"),
        ({"mrn": "MRN-2026-000001", "version": 1}, "mrn"),
        ({"createdAt": "2026-01-01T00:00:00Z", "version": 1}, "createdAt"),
    ]:
        response = await client.put(url, json=body, headers=headers)
        assert response.status_code in (400, 422), (body, response.text)
        assert field in response.text
    after = await client.get(url, headers=headers)
    assert after.json()["patient"]["version"] == 1


async def test_receptionist_may_not_change_clinical_fields(client, headers_for, make_patient):
    headers = await headers_for(RECEPTION)
    patient = await make_patient(headers)
    response = await client.put(
        f"/api/patients/{patient['id']}", json={"bloodGroup": "O+", "version": 1}, headers=headers
    )
    assert response.status_code == 403
    assert "bloodGroup" in response.json()["detail"]


async def test_a_known_date_of_birth_replaces_an_estimate(client, headers_for):
    headers = await headers_for(RECEPTION)
    created = await client.post("/api/patients", json={"firstName": "Lata", "age": 60, "gender": "FEMALE"},
                                headers=headers)
    patient = created.json()["patient"]
    response = await client.put(
        f"/api/patients/{patient['id']}", json={"dateOfBirth": "1965-03-04", "version": 1}, headers=headers
    )
    assert response.status_code == 200
    assert response.json()["patient"]["dobIsEstimated"] is False


async def test_missing_patient_is_404(client, headers_for):
    headers = await headers_for(ADMIN)
    missing = uuid.uuid4()
    assert (await client.get(f"/api/patients/{missing}", headers=headers)).status_code == 404
    response = await client.put(f"/api/patients/{missing}", json={"city": "X", "version": 1}, headers=headers)
    assert response.status_code == 404


# ---------------------------------------------------------------- role-shaped answers


async def test_receptionist_answers_never_carry_clinical_fields(client, headers_for, make_patient):
    patient = await make_patient(
        await headers_for(ADMIN), bloodGroup="B+", allergies="Sulfa", chronicConditions="Diabetes",
        previousSurgeries="Appendectomy", currentMedications="Metformin",
        structuredAllergies=[{"allergen": "Sulfa", "allergenType": "DRUG", "severity": "MODERATE"}],
    )
    await insert_row("patient_visits", patient_id=uuid.UUID(patient["id"]), visit_type="OPD",
                     visit_date=datetime.now(UTC), chief_complaint="Chest pain", status="COMPLETED",
                     created_at=datetime.now(UTC), updated_at=datetime.now(UTC))
    reception = await headers_for(RECEPTION)
    allowed = PATIENT_VIEW_FIELDS[PatientView.DEMOGRAPHIC]

    record = (await client.get(f"/api/patients/{patient['id']}", headers=reception)).json()
    listed = (await client.get("/api/patients", params={"search": patient["mrn"]}, headers=reception)).json()
    updated = (await client.put(f"/api/patients/{patient['id']}", json={"city": "Goa", "version": 1},
                                headers=reception)).json()
    for shown in (record["patient"], listed["patients"][0], updated["patient"]):
        for name in shown:
            assert name in allowed, name
        for name in CLINICAL_PATIENT_FIELDS:
            assert name not in shown, name
        assert shown["mrn"] == patient["mrn"]
    assert "labTests" not in record
    [visit] = record["visits"]
    assert "chiefComplaint" not in visit and "diagnosis" not in visit
    assert visit["visitType"] == "OPD"


async def test_admin_sees_the_full_record(client, headers_for, make_patient):
    patient = await make_patient(await headers_for(ADMIN), bloodGroup="A+", allergies="Latex")
    response = await client.get(f"/api/patients/{patient['id']}", headers=await headers_for(ADMIN))
    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    body = response.json()
    assert set(body["patient"]) == set(PATIENT_VIEW_FIELDS[PatientView.FULL])
    assert body["patient"]["bloodGroup"] == "A+"
    assert body["labTests"] == []


@pytest.mark.parametrize("role", [Role.LAB_STAFF, Role.RADIOLOGIST, Role.PHARMACY_STAFF])
async def test_test_related_roles_get_only_identifying_fields(client, headers_for, make_patient, role):
    patient = await make_patient(await headers_for(ADMIN), bloodGroup="O-", allergies="Iodine", city="Kochi")
    row = await fetchrow("SELECT * FROM patients WHERE id = $1", uuid.UUID(patient["id"]))
    assert row is not None
    shaped = shape_patient(dict(row), PatientView.TEST_RELATED)
    from msgspec import json as msgjson

    shown = msgjson.decode(msgjson.encode(shaped))
    assert set(shown) == set(TEST_RELATED_PATIENT_FIELDS) == set(patient_fields_for(role))
    assert shown["mrn"] == patient["mrn"]


async def test_lab_staff_cannot_open_patient_records_directly(client, headers_for, make_patient):
    patient = await make_patient(await headers_for(RECEPTION))
    lab = await headers_for("lab@demo.local")
    assert (await client.get(f"/api/patients/{patient['id']}", headers=lab)).status_code == 403
    assert (await client.get("/api/patients", headers=lab)).status_code == 403
    assert (await client.get(f"/api/patients/{patient['id']}/medical-history", headers=lab)).status_code == 403


# ---------------------------------------------------------------- the record's parts


async def test_medical_history_is_clinical(client, headers_for, make_patient):
    patient = await make_patient(
        await headers_for(ADMIN), allergies="Penicillin", chronicConditions="Hypertension",
        previousSurgeries="Cholecystectomy 2015", currentMedications="Amlodipine 5 mg",
        structuredAllergies=[{"allergen": "Penicillins", "allergenType": "DRUG_CLASS", "severity": "SEVERE"}],
    )
    url = f"/api/patients/{patient['id']}/medical-history"
    response = await client.get(url, headers=await headers_for(ADMIN))
    assert response.status_code == 200
    body = response.json()
    assert body["allergies"] == "Penicillin"
    assert body["chronicConditions"] == "Hypertension"
    assert body["previousSurgeries"] == "Cholecystectomy 2015"
    assert body["medications"] == "Amlodipine 5 mg"
    assert [a["allergen"] for a in body["structuredAllergies"]] == ["Penicillins"]
    for email in (RECEPTION, "billing@demo.local", "lab@demo.local"):
        assert (await client.get(url, headers=await headers_for(email))).status_code == 403, email


async def test_visits_filter_by_type_and_hospital_days(client, headers_for, make_patient):
    patient = await make_patient(await headers_for(RECEPTION))
    pid = uuid.UUID(patient["id"])
    now = datetime.now(UTC)
    for visit_type, days_ago in [("OPD", 40), ("EMERGENCY", 10), ("OPD", 1)]:
        when = now - timedelta(days=days_ago)
        await insert_row("patient_visits", patient_id=pid, visit_type=visit_type, visit_date=when,
                         chief_complaint=f"complaint {days_ago}", status="COMPLETED", created_at=when, updated_at=when)
    url = f"/api/patients/{patient['id']}/visits"
    admin = await headers_for(ADMIN)

    everything = (await client.get(url, headers=admin)).json()["visits"]
    assert [v["chiefComplaint"] for v in everything] == ["complaint 1", "complaint 10", "complaint 40"]

    opd = (await client.get(url, params={"visitType": "OPD"}, headers=admin)).json()["visits"]
    assert [v["chiefComplaint"] for v in opd] == ["complaint 1", "complaint 40"]

    today = hospital_day(now)
    recent = await client.get(
        url, params={"startDate": (today - timedelta(days=15)).isoformat(), "endDate": today.isoformat()}, headers=admin
    )
    assert [v["chiefComplaint"] for v in recent.json()["visits"]] == ["complaint 1", "complaint 10"]

    assert (await client.get(url, params={"visitType": "HOME"}, headers=admin)).status_code in (400, 422)
    backwards = await client.get(url, params={"startDate": "2026-02-01", "endDate": "2026-01-01"}, headers=admin)
    assert backwards.status_code == 422
    assert (await client.get(url, headers=await headers_for(RECEPTION))).status_code == 403


async def test_bills_are_for_billing_staff(client, headers_for, make_patient):
    patient = await make_patient(await headers_for(RECEPTION))
    now = datetime.now(UTC)
    await insert_row(
        "bills", bill_number=f"B-{uuid.uuid4().hex[:12]}", patient_id=uuid.UUID(patient["id"]), bill_date=now,
        bill_type="OPD", subtotal=Decimal("500.00"), discount=Decimal("0.00"), tax=Decimal("90.00"),
        total_amount=Decimal("590.00"), amount_paid=Decimal("0.00"), balance=Decimal("590.00"), status="FINALIZED",
        version=1, created_at=now, updated_at=now,
    )
    url = f"/api/patients/{patient['id']}/bills"
    response = await client.get(url, headers=await headers_for("billing@demo.local"))
    assert response.status_code == 200, response.text
    [bill] = response.json()["bills"]
    assert bill["totalAmount"] == "590.00"
    assert bill["status"] == "FINALIZED"
    for email in ("doctor@demo.local", "nurse@demo.local", RECEPTION):
        assert (await client.get(url, headers=await headers_for(email))).status_code == 403, email


async def test_prescriptions_come_with_their_items(client, headers_for, make_patient):
    patient = await make_patient(await headers_for(RECEPTION))
    now = datetime.now(UTC)
    doctor = await fetchrow("SELECT id FROM doctors ORDER BY created_at LIMIT 1")
    assert doctor is not None, "the demo hospital has a doctor"
    medicine = await insert_row("medicines", name=f"Paracetamol {uuid.uuid4().hex[:6]}", strength="500 mg",
                                form="Tablet", current_stock=100, version=1, created_at=now, updated_at=now)
    prescription = await insert_row("prescriptions", patient_id=uuid.UUID(patient["id"]), doctor_id=doctor["id"],
                                    prescribed_date=now, created_at=now, updated_at=now)
    await insert_row("prescription_items", prescription_id=prescription["id"], medicine_id=medicine["id"],
                     dose_quantity=Decimal("1"), dose_unit="tablet", frequency="TDS", duration_days=5,
                     status="PRESCRIBED", created_at=now, updated_at=now)
    url = f"/api/patients/{patient['id']}/prescriptions"
    for email in (ADMIN, "pharmacy@demo.local"):
        response = await client.get(url, headers=await headers_for(email))
        assert response.status_code == 200, (email, response.text)
        [shown] = response.json()["prescriptions"]
        [item] = shown["items"]
        assert item["medicineName"] == medicine["name"]
        assert item["frequency"] == "TDS" and item["durationDays"] == 5
    assert (await client.get(url, headers=await headers_for(RECEPTION))).status_code == 403


# ---------------------------------------------------------------- audit


async def test_create_update_and_read_are_audited(client, headers_for, make_patient):
    headers = await headers_for(RECEPTION)
    patient = await make_patient(headers)
    await client.put(f"/api/patients/{patient['id']}", json={"city": "Surat", "version": 1}, headers=headers)
    await client.get(f"/api/patients/{patient['id']}", headers=headers)
    actions = await audit_actions(client, headers_for, patient["id"])
    assert {"CREATE", "UPDATE", "READ"} <= set(actions)

    rows = await fetch(
        "SELECT action, old_values::text AS old, new_values::text AS new FROM audit_log "
        "WHERE table_name = 'patients' AND record_id = $1 AND action = 'UPDATE'",
        patient["id"],
    )
    [update] = rows
    assert '"city": null' in update["old"] or '"city":null' in update["old"]
    assert "Surat" in update["new"]


async def test_search_is_audited(client, headers_for):
    marker = random_letters(12)
    response = await client.get("/api/patients", params={"search": marker}, headers=await headers_for(RECEPTION))
    assert response.status_code == 200
    row = await fetchrow(
        "SELECT action FROM audit_log WHERE table_name = 'patients' AND action = 'SEARCH' "
        "AND new_values->>'term' = $1",
        marker.lower(),
    )
    assert row is not None


# ---------------------------------------------------------------- merging


async def test_merge_moves_everything_to_the_survivor_and_is_audited(client, headers_for, make_patient):
    admin = await headers_for(ADMIN)
    survivor = await make_patient(admin, allergies="Sulfa")
    duplicate = await make_patient(
        admin, allergies="Penicillin", email="dup@example.org",
        structuredAllergies=[{"allergen": "Penicillin", "allergenType": "DRUG", "severity": "SEVERE"}],
    )
    now = datetime.now(UTC)
    visit = await insert_row("patient_visits", patient_id=uuid.UUID(duplicate["id"]), visit_type="OPD",
                             visit_date=now, status="COMPLETED", created_at=now, updated_at=now)

    response = await client.post(
        f"/api/patients/{survivor['id']}/merge",
        json={"duplicateId": duplicate["id"], "reason": "Same person registered twice at two desks"},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    merged = body["patient"]
    assert merged["id"] == survivor["id"]
    assert merged["allergies"] == "Sulfa; Penicillin"
    assert merged["email"] == "dup@example.org"
    assert [a["allergen"] for a in merged["structuredAllergies"]] == ["Penicillin"]
    assert body["merge"]["movedRows"]["patient_visits.patient_id"] == 1
    assert body["merge"]["movedRows"]["patient_allergies.patient_id"] == 1

    visits = (await client.get(f"/api/patients/{survivor['id']}/visits", headers=admin)).json()["visits"]
    assert str(visit["id"]) in [v["id"] for v in visits]

    gone = await client.get(f"/api/patients/{duplicate['id']}", headers=admin)
    assert gone.status_code == 409
    assert gone.json()["mergedInto"] == survivor["id"]
    assert gone.json()["survivorMrn"] == survivor["mrn"]

    by_old_mrn = await client.get("/api/patients", params={"search": duplicate["mrn"]}, headers=admin)
    assert [p["id"] for p in by_old_mrn.json()["patients"]] == [survivor["id"]]

    record = await fetchrow("SELECT survivor_id, merged_by, reason FROM patient_merges WHERE merged_id = $1",
                            uuid.UUID(duplicate["id"]))
    assert record is not None and str(record["survivor_id"]) == survivor["id"]
    assert "MERGE" in await audit_actions(client, headers_for, survivor["id"])
    assert "MERGED_INTO" in await audit_actions(client, headers_for, duplicate["id"])

    again = await client.post(
        f"/api/patients/{survivor['id']}/merge",
        json={"duplicateId": duplicate["id"], "reason": "Same person registered twice"}, headers=admin,
    )
    assert again.status_code == 409


async def test_merge_is_refused_for_non_admins_and_for_itself(client, headers_for, make_patient):
    admin = await headers_for(ADMIN)
    one = await make_patient(admin)
    two = await make_patient(admin)
    body = {"duplicateId": two["id"], "reason": "Same person registered twice"}
    for email in (RECEPTION, "doctor@demo.local"):
        response = await client.post(f"/api/patients/{one['id']}/merge", json=body, headers=await headers_for(email))
        assert response.status_code == 403, email
    itself = await client.post(
        f"/api/patients/{one['id']}/merge", json={**body, "duplicateId": one["id"]}, headers=admin
    )
    assert itself.status_code == 422
    assert "duplicateId" in itself.json()["fields"]
    still = await client.get(f"/api/patients/{two['id']}", headers=admin)
    assert still.status_code == 200
