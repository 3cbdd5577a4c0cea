"""The live screens in real browsers against the real server: the census board, the waiting-room display,
the doctor's tablet, the nurse-station board, and reception's check-in, each change arriving on every other
open screen within two seconds, through the TypeScript live client and the real /ws."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from db.connection import fetch, fetchrow
from tests.api.conftest import RECEPTION, random_dob, random_mobile
from tests.conftest import sign_in


async def _wards() -> dict[str, str]:
    return {r["code"]: str(r["id"]) for r in await fetch("SELECT id, code FROM wards")}


async def _device(client: httpx.AsyncClient, name: str, topics: list[str]) -> dict[str, Any]:
    admin = await sign_in(client, "admin@demo.local")
    response = await client.post("/api/devices", json={"name": name, "topics": topics},
                                 headers={"Authorization": f"Bearer {admin['token']}"})
    assert response.status_code == 201, response.text
    return {"token": response.json()["token"], "id": response.json()["id"]}


async def test_census_boards_see_each_bed_change_at_once_and_a_wall_screen_runs_on_a_device_token(
    run_scenario, client
):
    async def wards(_: dict[str, Any]) -> dict[str, Any]:
        return {"wards": await _wards()}

    async def device(args: dict[str, Any]) -> dict[str, Any]:
        return await _device(client, args["name"], args["topics"])

    output = await run_scenario("census", hooks={"wards": wards, "device": device})
    assert "ok census" in output


# --- OPD: the waiting-room display -----------------------------------------------------------------

FIRST_NAMES = ["Anita", "Ramesh", "Lakshmi", "Suresh", "Fatima", "Arjun", "Deepa", "Mohammed", "Kavya", "Vijay",
               "Meenakshi", "Harpreet", "Sunita", "Joseph", "Priya", "Abdul"]
LAST_NAMES = ["Sharma", "Reddy", "Iyer", "Khan", "Nair", "Patil", "Gowda", "Banerjee", "Fernandes", "Singh",
              "Menon", "Kulkarni", "Chatterjee", "Qureshi"]


class Opd:
    """Hooks for the OPD scenarios: General Medicine (doctor@'s department), its display's device token,
    patients registered and checked in at reception, and doctor@ calling the next one."""

    def __init__(self, client: httpx.AsyncClient, headers_for: Any) -> None:
        self.client = client
        self.headers_for = headers_for

    async def department(self) -> dict[str, Any]:
        row = await fetchrow(
            "SELECT dep.id, dep.name FROM doctors d JOIN users u ON u.id = d.user_id "
            "JOIN departments dep ON dep.id = d.department_id WHERE u.email = 'doctor@demo.local'"
        )
        assert row is not None
        return {"departmentId": str(row["id"]), "departmentName": row["name"]}

    async def setup(self, _: dict[str, Any]) -> dict[str, Any]:
        department = await self.department()
        device = await _device(self.client, "OPD waiting room TV", [f"display:{department['departmentId']}"])
        return {**department, "token": device["token"]}

    async def register(self, n: int) -> dict[str, Any]:
        body = {"firstName": secrets.choice(FIRST_NAMES), "lastName": secrets.choice(LAST_NAMES),
                "dateOfBirth": random_dob(), "gender": secrets.choice(["FEMALE", "MALE"]), "phone": random_mobile(),
                "confirmNotDuplicate": True}
        response = await self.client.post("/api/patients", json=body, headers=await self.headers_for(RECEPTION))
        assert response.status_code == 201, response.text
        patient: dict[str, Any] = response.json()["patient"]
        return patient

    async def check_in(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        desk = await self.headers_for(RECEPTION)
        issued = []
        for n in range(int(args.get("count", 1))):
            patient = await self.register(n)
            body = {"patientId": patient["id"], "chiefComplaint": secrets.choice(
                ["Fever for 3 days", "Cough and cold", "Headache", "Knee pain", "Follow-up of diabetes"])}
            if args.get("doctor"):
                body["doctorId"] = str((await self.doctor())["id"])
            else:
                body["departmentId"] = args["departmentId"]
            response = await self.client.post("/api/opd/check-in", json=body, headers=desk)
            assert response.status_code == 201, response.text
            issued.append({"tokenNumber": response.json()["token"]["tokenNumber"], "firstName": patient["firstName"],
                           "lastName": patient["lastName"], "mrn": patient["mrn"], "phone": patient["phone"]})
        return issued

    async def doctor(self) -> Any:
        row = await fetchrow("SELECT d.id FROM doctors d JOIN users u ON u.id = d.user_id "
                             "WHERE u.email = 'doctor@demo.local'")
        assert row is not None
        return row

    async def call_next(self, args: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post("/api/opd/queue/call-next", json={"room": args.get("room", "4")},
                                          headers=await self.headers_for("doctor@demo.local"))
        assert response.status_code == 200, response.text
        token = response.json()["token"]
        assert token is not None, "nobody was waiting"
        return {"tokenNumber": token["tokenNumber"]}

    def hooks(self) -> dict[str, Any]:
        return {"opd-setup": self.setup, "check-in": self.check_in, "call-next": self.call_next}


async def test_the_waiting_room_display_shows_and_announces_calls_without_names_and_catches_up_after_a_network_loss(
    run_scenario, client, headers_for
):
    output = await run_scenario("display", hooks=Opd(client, headers_for).hooks())
    assert "ok display" in output


async def test_the_waiting_room_display_catches_up_after_its_server_restarts(
    run_scenario, client, headers_for, second_server
):
    async def stop(_: dict[str, Any]) -> None:
        await second_server.stop()

    async def start(_: dict[str, Any]) -> None:
        await second_server.start()

    hooks = {**Opd(client, headers_for).hooks(), "server-stop": stop, "server-start": start}
    output = await run_scenario("display-restart", hooks=hooks, base_url=second_server.url)
    assert "ok display-restart" in output
