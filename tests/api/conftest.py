"""API test fixtures: registering patients, creating staff of any role, and writing set-up rows.

Set-up rows (visits, wards, admissions...) are written straight to PostgreSQL through the app's own pool
(the server under test runs on the same event loop), so a test does not depend on other areas' routes.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import httpx
import pytest

from db.connection import fetchrow

STAFF_PASSWORD = "staff-password-1"
ADMIN = "admin@demo.local"
RECEPTION = "reception@demo.local"

Headers = dict[str, str]


def random_mobile() -> str:
    return "9" + "".join(secrets.choice("0123456789") for _ in range(9))


def random_letters(n: int = 8) -> str:
    return "".join(secrets.choice("bcdfghjklmnpqrstvwxz") for _ in range(n)).capitalize()


def random_dob() -> str:
    return date(1950 + secrets.randbelow(60), 1 + secrets.randbelow(12), 1 + secrets.randbelow(28)).isoformat()


@pytest.fixture
async def make_patient(client: httpx.AsyncClient) -> Callable[..., Awaitable[dict[str, Any]]]:
    """`await make_patient(headers, **fields)` -> the registered patient as the API answered it.

    Unless given, a unique name, mobile number and date of birth are made up, so no two made-up
    patients look like duplicates.
    """

    async def make(headers: Headers, **fields: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "firstName": random_letters(),
            "lastName": random_letters(),
            "dateOfBirth": random_dob(),
            "gender": "FEMALE",
            "phone": random_mobile(),
        }
        body.update(fields)
        body = {k: v for k, v in body.items() if v is not None}
        response = await client.post("/api/patients", json=body, headers=headers)
        assert response.status_code == 201, response.text
        patient: dict[str, Any] = response.json()["patient"]
        return patient

    return make


@pytest.fixture
async def new_staff(
    client: httpx.AsyncClient, headers_for: Callable[..., Awaitable[Headers]]
) -> Callable[[str], Awaitable[tuple[dict[str, Any], Headers]]]:
    """`await new_staff("DOCTOR")` -> (the user, their Authorization headers): a fresh account per call.

    A DOCTOR gets a doctors row too (the users service creates it).
    """

    async def make(role: str) -> tuple[dict[str, Any], Headers]:
        email = f"{role.lower()}-{uuid.uuid4().hex[:10]}@test.local"
        response = await client.post(
            "/api/users",
            json={"email": email, "role": role, "password": STAFF_PASSWORD, "firstName": random_letters(),
                  "lastName": random_letters()},
            headers=await headers_for(ADMIN),
        )
        assert response.status_code == 201, response.text
        user: dict[str, Any] = response.json()["user"]
        login = await client.post("/api/auth/login", json={"email": email, "password": STAFF_PASSWORD})
        assert login.status_code == 200, login.text
        return user, {"Authorization": f"Bearer {login.json()['token']}"}

    return make


async def insert_row(table: str, **values: Any) -> dict[str, Any]:
    """Insert one set-up row (an id is made up unless given); returns it as stored."""
    values.setdefault("id", uuid.uuid4())
    names = list(values)
    row = await fetchrow(
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(f'${i}' for i in range(1, len(names) + 1))}) "
        f"RETURNING *",
        *values.values(),
    )
    assert row is not None
    return dict(row)


async def doctor_id_of(user_id: str | uuid.UUID) -> uuid.UUID:
    row = await fetchrow("SELECT id FROM doctors WHERE user_id = $1", uuid.UUID(str(user_id)))
    assert row is not None, "the user has no doctors row"
    return uuid.UUID(str(row["id"]))
