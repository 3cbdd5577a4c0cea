"""Bad input gets a clear 4xx in the one error shape, with the field named as it is on the wire, and writes
nothing; the OpenAPI document lists those answers.

Field names are the wire names: camelCase body paths (`results[1].unit`), query parameters as sent (`?open=`,
`startDate`), `body` for the body as a whole.
"""

from __future__ import annotations

import uuid
from typing import Any

from db.connection import fetch
from tests.api.conftest import ADMIN, RECEPTION, random_mobile
from tests.api.lab_support import LAB

NOWHERE = uuid.uuid4()


def _fields(response: Any) -> dict[str, str]:
    body = response.json()
    assert body["status"] == response.status_code and body["error"] and body["detail"], body
    fields: dict[str, str] = body.get("fields", {})
    return fields


async def test_a_query_parameter_is_named_as_it_is_sent(client, headers_for):
    admin, lab = await headers_for(ADMIN), await headers_for(LAB)
    wrong_type = await client.get("/api/alerts", params={"open": "perhaps"}, headers=admin)
    assert wrong_type.status_code == 422 and set(_fields(wrong_type)) == {"open"}  # the handler calls it open_only
    too_long = await client.get("/api/lab/quality-control", params={"testCode": "X" * 60}, headers=lab)
    assert too_long.status_code == 422 and set(_fields(too_long)) == {"testCode"}
    not_a_date = await client.get("/api/audit-log", params={"startDate": "yesterday"}, headers=admin)
    assert not_a_date.status_code == 422 and set(_fields(not_a_date)) == {"startDate"}
    missing = await client.get("/api/opd/icd10", headers=admin)
    assert missing.status_code == 422 and _fields(missing) == {"search": "is required"}


async def test_body_errors_name_the_wire_path(client, headers_for):
    lab = await headers_for(LAB)
    url = f"/api/lab/orders/{NOWHERE}/result"

    async def post(content: bytes) -> Any:
        return await client.post(url, content=content, headers={**lab, "Content-Type": "application/json"})

    no_body = await post(b"")
    assert no_body.status_code == 422 and _fields(no_body) == {"body": "a JSON body is required"}
    broken = await post(b'{"results": [')
    assert broken.status_code == 400 and set(_fields(broken)) == {"body"}
    not_an_object = await post(b"[]")
    assert not_an_object.status_code == 422 and set(_fields(not_an_object)) == {"body"}
    unknown = await post(b'{"resultValue": "5", "colour": "red"}')
    assert unknown.status_code == 422 and set(_fields(unknown)) == {"colour"}
    nested_unknown = await post(b'{"results": [{"value": "1"}, {"valu": "2"}]}')
    assert set(_fields(nested_unknown)) == {"results[1].valu"}
    nested_missing = await post(b'{"results": [{"value": "1"}, {"unit": "g/dL"}]}')
    assert _fields(nested_missing) == {"results[1].value": "is required"}
    nested_type = await post(b'{"results": [{"value": "1"}, {"value": "2", "unit": 7}]}')
    assert nested_type.status_code == 422 and set(_fields(nested_type)) == {"results[1].unit"}


async def test_nul_in_text_is_a_field_error_and_writes_nothing(client, headers_for):
    """PostgreSQL text cannot hold U+0000: it used to reach the database and fail there as a 500."""
    reception = await headers_for(RECEPTION)
    phone = random_mobile()
    registered = await client.post("/api/patients", json={
        "firstName": "Asha\u0000", "lastName": "Nair", "dateOfBirth": "1990-02-03", "gender": "FEMALE", "phone": phone,
    }, headers=reception)
    assert registered.status_code == 422 and set(_fields(registered)) == {"firstName"}
    assert await fetch("SELECT 1 FROM patients WHERE phone LIKE '%' || $1", phone[-10:]) == []
    # Whatever Content-Type says: the body is read as JSON all the same.
    as_text = await client.post("/api/patients", content=b'{"firstName": "A\\u0000"}',
                                headers={**reception, "Content-Type": "text/plain"})
    assert as_text.status_code == 422 and set(_fields(as_text)) == {"firstName"}
    nested = await client.post(f"/api/lab/orders/{NOWHERE}/result",
                               json={"results": [{"value": "1"}, {"value": "2", "comment": "a\u0000b"}]},
                               headers=await headers_for(LAB))
    assert nested.status_code == 422 and set(_fields(nested)) == {"results[1].comment"}
    searched = await client.get("/api/patients", params={"search": "as\u0000ha"}, headers=reception)
    assert searched.status_code == 422 and set(_fields(searched)) == {"search"}
    in_the_address = await client.get("/ward%00board")
    assert in_the_address.status_code == 400 and set(_fields(in_the_address)) == {"path"}


async def test_the_openapi_document_lists_the_error_answers_in_their_shape(client):
    document = (await client.get("/api/schema/openapi.json")).json()
    paths = document["paths"]
    error = {"$ref": "#/components/schemas/ErrorOut"}
    place_order = paths["/api/lab/orders"]["post"]["responses"]
    for code in ("400", "401", "403", "404", "409", "422"):
        assert place_order[code]["content"]["application/json"]["schema"] == error, code
    assert set(document["components"]["schemas"]["ErrorOut"]["required"]) == {"status", "error", "detail"}
    login = paths["/api/auth/login"]["post"]
    assert "200" in login["responses"] and "201" not in login["responses"]  # it answers 200
    assert {"401", "423", "429"} <= set(login["responses"]) and login["security"] == [{}]
    assert "content" not in paths["/api/alerts/{alert_id}/seen"]["post"]["responses"]["204"]
    hl7 = paths["/api/lab/hl7"]["post"]
    assert "application/hl7-v2" in hl7["requestBody"]["content"]
    assert set(hl7["responses"]["200"]["content"]) == {"application/hl7-v2"}
    assert paths["/api/users/{user_id}/deactivate"]["post"]["requestBody"]["required"] is False
    assert set(paths["/api/opd/tokens/{token_id}/slip"]["get"]["responses"]["200"]["content"]) == {"text/html"}
    report = paths["/api/lab/orders/{order_id}/report"]["get"]["responses"]["200"]["content"]
    assert set(report) == {"application/json", "text/html", "application/pdf"}
    opens = document["components"]["schemas"]["AvailabilityOut"]["properties"]["opens"]["oneOf"][0]
    assert opens.get("format") != "duration" and opens["pattern"]  # "09:00:00" is a clock time
