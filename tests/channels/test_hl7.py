"""Analyzers over HL7 v2: ORU^R01 over a real MLLP socket and over HTTP, answered with ACKs.

Messages are in the shape real analyzers send: HL7 2.5.1 from a haematology analyzer (a blood count with 16
OBX), HL7 2.3.1 from a chemistry analyzer with SN structured numerics, non-numeric values, a wrong unit,
a duplicate message, and an OBX-11 C correction after release.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import hl7
import pytest

from channels.hl7 import MllpServer, send_mllp
from db.connection import fetch, fetchrow
from tests.api.conftest import make_patient as make_patient  # the API tests' fixture, shared
from tests.api.lab_support import CBC_NORMAL_FEMALE, DOCTOR, LAB, collect, order, patient_of, user_id_of


@pytest.fixture
async def mllp() -> AsyncIterator[MllpServer]:
    """A listener on a free port of this machine (as the app runs one when HL7_PORT is set)."""
    server = MllpServer("127.0.0.1", 0)
    await server.start()
    yield server
    await server.stop()


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d%H%M%S")


def oru(*, sender: str, accession: str, mrn: str, observations: list[tuple[str, str, str, str, str | None, str]],
        version: str = "2.5.1", control: str | None = None, test: str = "CBC") -> str:
    """An ORU^R01: observations are (value type, code, name, value, unit, OBX-11 status)."""
    control = control or uuid.uuid4().hex[:16].upper()
    segments = [
        f"MSH|^~\\&|{sender}|LAB|HOSPITAL-LIVE|HOSPITAL|{_stamp()}||ORU^R01^ORU_R01|{control}|P|{version}",
        f"PID|1||{mrn}^^^HOSP^MR||DOE^JANE||19900401|F",
        f"OBR|1|{accession}|{accession}|{test}^{test}^L|||{_stamp()}|||||||{_stamp()}",
    ]
    for n, (value_type, code, name, value, unit, status) in enumerate(observations, start=1):
        # A ^ inside a unit is HL7's component separator: analyzers escape it as \S\.
        unit_text = (unit or "").replace("^", "\\S\\")
        segments.append(f"OBX|{n}|{value_type}|{code}^{name}^L||{value}|{unit_text}||N|||{status}|||{_stamp()}")
    return "\r".join(segments) + "\r"


def msa(ack: str) -> tuple[str, str, str]:
    message = hl7.parse(ack.replace("\n", "\r").strip())
    segment = message.segment("MSA")
    text = str(segment(3)) if len(segment) > 3 else ""
    return str(segment(1)), str(segment(2)), text


async def _collected(client, headers_for, make_patient, code: str, **fields: Any) -> dict[str, Any]:
    patient = await patient_of(client, headers_for, make_patient, **fields)
    placed = await order(client, await headers_for(DOCTOR), patient["id"], code)
    await collect(client, await headers_for(LAB), placed["orderId"])
    return {"patient": patient, **placed}


def _cbc(values: dict[str, tuple[str, str]], status: str = "F") -> list[tuple[str, str, str, str, str | None, str]]:
    return [("NM", code, code, value, unit, status) for code, (value, unit) in values.items()]


async def _components(order_id: str) -> dict[str, Any]:
    rows = await fetch("SELECT code, value_text, flag, source, entered_by, is_corrected, corrected_from "
                       "FROM lab_result_components WHERE lab_test_id = $1", uuid.UUID(order_id))
    return {r["code"]: dict(r) for r in rows}


async def test_a_blood_count_over_mllp_is_stored_as_the_analyzer_and_acknowledged(
    client, headers_for, make_patient, mllp
):
    found = await _collected(client, headers_for, make_patient, "CBC", gender="FEMALE", dateOfBirth="1990-04-01")
    values = dict(CBC_NORMAL_FEMALE)
    values["PLT"] = ("15", "10^3/µL")  # critical low
    values["WBC"] = ("12.4", "x10E3/uL")  # the analyzer's spelling of the same unit
    message = oru(sender="SYSMEX-XN", accession=found["accessionNumber"], mrn=found["patient"]["mrn"],
                  observations=_cbc(values), control="SYSMEX000123")
    assert len(_cbc(values)) == 16
    ack = await send_mllp("127.0.0.1", mllp.bound_port, message)
    assert msa(ack)[:2] == ("AA", "SYSMEX000123"), ack

    components = await _components(found["orderId"])
    assert len(components) == 16
    device = await fetchrow("SELECT user_id FROM lab_analyzers WHERE code = 'SYSMEX-XN'")
    assert device is not None
    assert {c["source"] for c in components.values()} == {"SYSMEX-XN"}
    assert {c["entered_by"] for c in components.values()} == {device["user_id"]}
    assert components["PLT"]["flag"] == "LL" and components["WBC"]["flag"] == "H"
    status = await fetchrow("SELECT status FROM lab_tests WHERE id = $1", uuid.UUID(found["orderId"]))
    assert status is not None and status["status"] == "COMPLETED"
    alert = await fetchrow("SELECT target_user_id, is_preliminary FROM alerts WHERE lab_test_id = $1",
                           uuid.UUID(found["orderId"]))
    assert alert is not None and alert["target_user_id"] == await user_id_of(DOCTOR) and alert["is_preliminary"]

    # The same message again (the analyzer did not see our ACK): the same answer, nothing written twice.
    again = await send_mllp("127.0.0.1", mllp.bound_port, message)
    assert again == ack
    assert len(await fetch("SELECT 1 FROM alerts WHERE lab_test_id = $1", uuid.UUID(found["orderId"]))) == 1
    logged = await fetch("SELECT ack_code, results_written FROM hl7_messages WHERE control_id = 'SYSMEX000123'")
    assert [(r["ack_code"], r["results_written"]) for r in logged] == [("AA", 16)]

    # A person verifies what the analyzer entered (it is a second person by construction).
    verified = await client.post(f"/api/lab/orders/{found['orderId']}/verify", json={},
                                 headers=await headers_for(LAB))
    assert verified.status_code == 200 and verified.json()["order"]["status"] == "REPORTED"


async def test_malformed_unknown_and_wrong_messages_are_refused_and_change_nothing(
    client, headers_for, make_patient, mllp
):
    port = mllp.bound_port
    garbage = await send_mllp("127.0.0.1", port, "this is not HL7")
    assert msa(garbage)[0] == "AE"
    found = await _collected(client, headers_for, make_patient, "ELEC")
    obx_first = "\r".join([
        f"MSH|^~\\&|COBAS-C311|LAB|HIS|HOSP|{_stamp()}||ORU^R01|BROKEN1|P|2.3.1",
        "OBX|1|NM|K^Potassium||4.1|mmol/L|||N|||F",
    ])
    code, control, text = msa(await send_mllp("127.0.0.1", port, obx_first))
    assert (code, control) == ("AE", "BROKEN1") and "OBR" in text

    unknown = oru(sender="COBAS-C311", accession="L000101-9999", mrn=found["patient"]["mrn"], test="ELEC",
                  observations=[("NM", "K", "Potassium", "4.1", "mmol/L", "F")], version="2.3.1")
    code, _, text = msa(await send_mllp("127.0.0.1", port, unknown))
    assert code == "AE" and "L000101-9999" in text

    wrong_unit = oru(sender="COBAS-C311", accession=found["accessionNumber"], mrn=found["patient"]["mrn"],
                     test="ELEC", version="2.3.1", observations=[
                         ("NM", "NA", "Sodium", "140", "mmol/L", "F"), ("NM", "K", "Potassium", "4.1", "mg/dL", "F"),
                         ("NM", "CL", "Chloride", "101", "mmol/L", "F")])
    code, _, text = msa(await send_mllp("127.0.0.1", port, wrong_unit))
    assert code == "AE" and "OBX-6 of K" in text and "mmol/L" in text
    assert await _components(found["orderId"]) == {}

    stranger = oru(sender="SOMEONE-ELSE", accession=found["accessionNumber"], mrn=found["patient"]["mrn"],
                   test="ELEC", observations=[("NM", "K", "Potassium", "4.1", "mmol/L", "F")])
    assert msa(await send_mllp("127.0.0.1", port, stranger))[0] == "AR"
    adt = f"MSH|^~\\&|SYSMEX-XN|LAB|HIS|HOSP|{_stamp()}||ADT^A01|ADT1|P|2.5.1\rPID|1||X\r"
    assert msa(await send_mllp("127.0.0.1", port, adt))[0] == "AR"
    wrong_patient = oru(sender="COBAS-C311", accession=found["accessionNumber"], mrn="MRN-1999-000001",
                        test="ELEC", observations=[("NM", "K", "Potassium", "4.1", "mmol/L", "F")])
    assert msa(await send_mllp("127.0.0.1", port, wrong_patient))[0] == "AE"
    assert await _components(found["orderId"]) == {}
    rejected = await fetch("SELECT ack_code FROM hl7_messages WHERE control_id = 'BROKEN1'")
    assert [r["ack_code"] for r in rejected] == ["AE"]


async def test_hl7_2_3_1_structured_numerics_and_an_obx_11_correction(client, headers_for, make_patient, mllp):
    found = await _collected(client, headers_for, make_patient, "ELEC")
    first = oru(sender="COBAS-C311", accession=found["accessionNumber"], mrn=found["patient"]["mrn"], test="ELEC",
                version="2.3.1", observations=[
                    ("SN", "NA", "Sodium", "=^139", "mmol/L", "F"), ("SN", "K", "Potassium", "<^2.0", "mmol/L", "F"),
                    ("NM", "CL", "Chloride", "101", "mmol/L", "F")])
    assert msa(await send_mllp("127.0.0.1", mllp.bound_port, first))[0] == "AE"  # "=139" is not a value we read
    first = first.replace("=^139", "^139")
    assert msa(await send_mllp("127.0.0.1", mllp.bound_port, first))[0] == "AA"
    components = await _components(found["orderId"])
    assert components["K"]["value_text"] == "<2.0" and components["K"]["flag"] == "LL"
    assert components["NA"]["value_text"] == "139" and components["NA"]["flag"] == "N"
    verified = await client.post(f"/api/lab/orders/{found['orderId']}/verify", json={},
                                 headers=await headers_for(LAB))
    assert verified.status_code == 200

    # Final results resent after release are refused; a correction (C) amends them, keeping the old value.
    # (The same message again is a duplicate, answered AA from the log; a new one with F values is refused.)
    assert msa(await send_mllp("127.0.0.1", mllp.bound_port, first))[0] == "AA"
    resent = oru(sender="COBAS-C311", accession=found["accessionNumber"], mrn=found["patient"]["mrn"], test="ELEC",
                 version="2.3.1", observations=[("NM", "K", "Potassium", "3.9", "mmol/L", "F")])
    code, _, text = msa(await send_mllp("127.0.0.1", mllp.bound_port, resent))
    assert code == "AE" and "OBX-11 C" in text
    correction = oru(sender="COBAS-C311", accession=found["accessionNumber"], mrn=found["patient"]["mrn"],
                     test="ELEC", version="2.3.1", observations=[("NM", "K", "Potassium", "3.9", "mmol/L", "C")])
    answer = msa(await send_mllp("127.0.0.1", mllp.bound_port, correction))
    assert answer[0] == "AA", answer
    k = (await _components(found["orderId"]))["K"]
    assert k["value_text"] == "3.9" and k["is_corrected"] and k["corrected_from"] == "<2.0 mmol/L"
    report = (await client.get(f"/api/lab/orders/{found['orderId']}/report", headers=await headers_for(DOCTOR))).json()
    corrected = next(r for r in report["results"] if r["code"] == "K")
    assert corrected["correctedFrom"] == "<2.0 mmol/L" and "OBX-11 C" in corrected["correctionReason"]


async def test_an_oru_over_http_is_answered_with_an_ack(client, headers_for, make_patient):
    found = await _collected(client, headers_for, make_patient, "DENGUE")
    message = oru(sender="COBAS-C311", accession=found["accessionNumber"], mrn=found["patient"]["mrn"],
                  test="DENGUE", observations=[("ST", "NS1", "Dengue NS1 antigen", "POSITIVE", None, "F")])
    response = await client.post("/api/lab/hl7", content=message.encode(),
                                 headers={**(await headers_for(LAB)), "Content-Type": "application/hl7-v2"})
    assert response.status_code == 200 and response.headers["x-hl7-ack-code"] == "AA"
    assert response.headers["content-type"].startswith("application/hl7-v2")
    assert msa(response.text)[0] == "AA"
    assert (await _components(found["orderId"]))["NS1"]["flag"] == "ABNORMAL"
    malformed = await client.post("/api/lab/hl7", content=b"MSH|broken", headers=await headers_for(LAB))
    assert malformed.status_code == 200 and malformed.headers["x-hl7-ack-code"] == "AE"
