"""The live screens in real browsers against the real server: the census board, the waiting-room display,
the doctor's tablet, the nurse-station board, and reception's check-in, each change arriving on every other
open screen within two seconds, through the TypeScript live client and the real /ws."""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from db import alerts as alerts_service
from db.connection import execute, fetch, fetchrow
from tests.api.conftest import ADMIN, RECEPTION, insert_row, random_dob, random_mobile
from tests.api.lab_support import DOCTOR, LAB, admit, collect, doctor_row_of, enter, order
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

FIRST_NAMES = {"FEMALE": ["Anita", "Lakshmi", "Fatima", "Deepa", "Kavya", "Meenakshi", "Sunita", "Priya", "Harpreet"],
               "MALE": ["Ramesh", "Suresh", "Arjun", "Mohammed", "Vijay", "Joseph", "Abdul", "Gurpreet", "Naveen"]}
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

    async def register(self, n: int = 0) -> dict[str, Any]:
        gender = secrets.choice(["FEMALE", "MALE"])
        body = {"firstName": secrets.choice(FIRST_NAMES[gender]), "lastName": secrets.choice(LAST_NAMES),
                "dateOfBirth": random_dob(), "gender": gender, "phone": random_mobile(), "confirmNotDuplicate": True}
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
            if args.get("doctorId"):
                body["doctorId"] = args["doctorId"]
            else:
                body["departmentId"] = args["departmentId"]
            response = await self.client.post("/api/opd/check-in", json=body, headers=desk)
            assert response.status_code == 201, response.text
            issued.append({"tokenNumber": response.json()["token"]["tokenNumber"], "firstName": patient["firstName"],
                           "lastName": patient["lastName"], "mrn": patient["mrn"], "phone": patient["phone"]})
        return issued

    async def call_next(self, args: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post("/api/opd/queue/call-next", json={"room": args.get("room", "4")},
                                          headers=await self.headers_for("doctor@demo.local"))
        assert response.status_code == 200, response.text
        token = response.json()["token"]
        assert token is not None, "nobody was waiting"
        return {"tokenNumber": token["tokenNumber"]}

    async def registered(self, _: dict[str, Any]) -> dict[str, Any]:
        patient = await self.register()
        return {key: patient[key] for key in ("firstName", "lastName", "mrn", "phone")}

    def hooks(self) -> dict[str, Any]:
        return {"opd-setup": self.setup, "check-in": self.check_in, "call-next": self.call_next,
                "register": self.registered}


async def test_the_waiting_room_display_shows_and_announces_calls_without_names_and_catches_up_after_a_network_loss(
    run_scenario, client, headers_for
):
    output = await run_scenario("display", hooks=Opd(client, headers_for).hooks())
    assert "ok display" in output


async def test_reception_checks_patients_in_prints_the_slip_and_the_display_shows_the_tokens_without_names(
    run_scenario, client, headers_for
):
    output = await run_scenario("check-in", hooks=Opd(client, headers_for).hooks())
    assert "ok check-in" in output


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


async def _alert_events(args: dict[str, Any]) -> list[dict[str, Any]]:
    """An alert's timeline (alert_events), oldest first."""
    rows = await fetch("SELECT event, actor_id, detail::text AS detail FROM alert_events WHERE alert_id = $1 "
                       "ORDER BY at, id", uuid.UUID(args["alertId"]))
    return [{"event": r["event"], "actorId": str(r["actor_id"]) if r["actor_id"] else None,
             "detail": json.loads(r["detail"])} for r in rows]


# --- The doctor's tablet -----------------------------------------------------------------------------


class Tablet(Opd):
    """Hooks for the doctor's tablet: a doctor of General Medicine of their own (so no other test's alerts are
    on their screen), a critical potassium for one of their patients, the alert's timeline, its escalation."""

    password = "tablet-password-1"

    async def doctor_setup(self, _: dict[str, Any]) -> dict[str, Any]:
        department = await self.department()
        email = f"kavitha.{uuid.uuid4().hex[:8]}@test.local"
        response = await self.client.post(
            "/api/users", json={"email": email, "role": "DOCTOR", "password": self.password, "firstName": "Kavitha",
                                "lastName": "Raghunathan"}, headers=await self.headers_for(ADMIN))
        assert response.status_code == 201, response.text
        user_id = uuid.UUID(response.json()["user"]["id"])
        await execute(
            "UPDATE doctors SET department_id = $2, opd_room = '4', available_mon_fri_start = '00:00', "
            "available_mon_fri_end = '23:59', available_weekends = true, specialization = 'Internal Medicine' "
            "WHERE user_id = $1", user_id, uuid.UUID(department["departmentId"]))
        doctor = await fetchrow("SELECT id FROM doctors WHERE user_id = $1", user_id)
        assert doctor is not None
        self.doctor_id = doctor["id"]
        return {**department, "email": email, "password": self.password, "userId": str(user_id),
                "doctorId": str(doctor["id"])}

    async def critical_result(self, args: dict[str, Any]) -> dict[str, Any]:
        patient = await self.register()
        await insert_row("patient_visits", patient_id=uuid.UUID(patient["id"]), visit_type="OPD",
                         visit_date=datetime.now(UTC), status="IN_CONSULTATION", assigned_doctor_id=self.doctor_id,
                         created_at=datetime.now(UTC), updated_at=datetime.now(UTC))
        login = await sign_in(self.client, args["doctorEmail"], self.password)
        placed = await order(self.client, {"Authorization": f"Bearer {login['token']}"}, patient["id"], "ELEC")
        lab = await self.headers_for(LAB)
        await collect(self.client, lab, placed["orderId"])
        response = await enter(self.client, lab, placed["orderId"],
                               {"NA": ("139", "mmol/L"), "K": ("6.8", "mmol/L"), "CL": ("102", "mmol/L")})
        assert response.status_code == 201, response.text
        [alert_id] = response.json()["criticalAlertIds"]
        return {"alertId": alert_id, "firstName": patient["firstName"], "lastName": patient["lastName"]}

    async def alert_events(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        return await _alert_events(args)

    async def escalate(self, args: dict[str, Any]) -> int:
        await execute("UPDATE alerts SET escalate_at = now() - interval '1 minute' WHERE id = $1",
                      uuid.UUID(args["alertId"]))
        return await alerts_service.escalate_due()

    def hooks(self) -> dict[str, Any]:
        return {**super().hooks(), "doctor-setup": self.doctor_setup, "critical-result": self.critical_result,
                "alert-events": self.alert_events, "escalate": self.escalate}


async def test_the_doctors_tablet_in_portrait_calls_next_and_holds_a_critical_alert_until_acknowledged(
    run_scenario, client, headers_for
):
    output = await run_scenario("doctor", hooks=Tablet(client, headers_for).hooks())
    assert "ok doctor" in output


# --- The nurse-station board -------------------------------------------------------------------------


class Ward(Opd):
    """Hooks for the ward board: a patient of doctor@ admitted to a free bed of the General Medicine Ward,
    a critical result for them, a bed sent to cleaning through the API, doctor@ acknowledging."""

    async def setup(self, _: dict[str, Any]) -> dict[str, Any]:
        wards = await _wards()
        bed = await fetchrow(
            "SELECT b.id, b.bed_number FROM beds b JOIN rooms r ON r.id = b.room_id JOIN wards w ON w.id = r.ward_id "
            "WHERE w.code = 'GMW' AND b.status = 'AVAILABLE' ORDER BY b.bed_number LIMIT 1")
        assert bed is not None, "no free bed on GMW"
        patient = await self.register()
        doctor = await doctor_row_of(DOCTOR)
        await insert_row("patient_visits", patient_id=uuid.UUID(patient["id"]), visit_type="OPD",
                         visit_date=datetime.now(UTC), status="IN_CONSULTATION", assigned_doctor_id=doctor["id"],
                         created_at=datetime.now(UTC), updated_at=datetime.now(UTC))
        admission_id = await admit(patient["id"], bed["id"])
        return {"wardId": wards["GMW"], "bedNumber": bed["bed_number"], "patientId": patient["id"],
                "admissionId": str(admission_id),
                "firstName": patient["firstName"], "lastName": patient["lastName"], "mrn": patient["mrn"]}

    async def critical(self, args: dict[str, Any]) -> dict[str, Any]:
        placed = await order(self.client, await self.headers_for(DOCTOR), args["patientId"], "ELEC")
        lab = await self.headers_for(LAB)
        await collect(self.client, lab, placed["orderId"])
        response = await enter(self.client, lab, placed["orderId"],
                               {"NA": ("139", "mmol/L"), "K": ("2.1", "mmol/L"), "CL": ("102", "mmol/L")})
        assert response.status_code == 201, response.text
        [alert_id] = response.json()["criticalAlertIds"]
        return {"alertId": alert_id}

    async def bed_to_cleaning(self, args: dict[str, Any]) -> dict[str, Any]:
        bed = await fetchrow(
            "SELECT b.id, b.bed_number FROM beds b JOIN rooms r ON r.id = b.room_id "
            "WHERE r.ward_id = $1 AND b.status = 'AVAILABLE' ORDER BY b.bed_number DESC LIMIT 1",
            uuid.UUID(args["wardId"]))
        assert bed is not None
        response = await self.client.post(f"/api/ipd/beds/{bed['id']}/status", json={"status": "CLEANING"},
                                          headers=await self.headers_for("nurse@demo.local"))
        assert response.status_code == 200, response.text
        return {"bedNumber": bed["bed_number"]}

    async def acknowledge(self, args: dict[str, Any]) -> None:
        response = await self.client.post(f"/api/alerts/{args['alertId']}/ack", json={"action": "Repeat K+ sent"},
                                          headers=await self.headers_for(DOCTOR))
        assert response.status_code == 200, response.text

    async def device(self, args: dict[str, Any]) -> dict[str, Any]:
        return await _device(self.client, args["name"], args["topics"])

    async def discharge(self, args: dict[str, Any]) -> None:
        response = await self.client.post(f"/api/ipd/admissions/{args['admissionId']}/discharge",
                                          json={"dischargeSummary": "Improved; NEWS2 alert still open"},
                                          headers=await self.headers_for(DOCTOR))
        assert response.status_code == 200, response.text

    def hooks(self) -> dict[str, Any]:
        return {"ward-setup": self.setup, "ward-critical": self.critical, "bed-to-cleaning": self.bed_to_cleaning,
                "acknowledge": self.acknowledge, "device": self.device, "discharge": self.discharge,
                "alert-events": self.alert_events}

    async def alert_events(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        return await _alert_events(args)


async def test_the_nurse_station_board_shows_beds_patients_and_alerts_live_and_a_wall_screen_shows_no_names(
    run_scenario, client, headers_for
):
    output = await run_scenario("ward", hooks=Ward(client, headers_for).hooks())
    assert "ok ward" in output
