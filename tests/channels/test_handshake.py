"""Who may open /ws and watch what: tokens, tickets, Origin, and the topic rules at subscribe time."""

from __future__ import annotations

import uuid

from db.connection import fetch, fetchrow
from tests.channels.conftest import ADMIN, DOCTOR, NURSE, RECEPTION, roster_wards_of, user_id_of


async def test_a_bearer_token_opens_the_socket_and_ping_is_answered(open_socket, headers_for):
    sock = await open_socket(await headers_for(DOCTOR))
    await sock.send({"type": "ping"})
    assert (await sock.expect(lambda m: m["type"] == "pong"))["type"] == "pong"


async def test_no_token_is_refused_at_the_handshake_with_4401(open_socket):
    sock = await open_socket()
    assert await sock.close_code() == 4401


async def test_a_bad_token_is_refused_at_the_handshake_with_4401(open_socket):
    sock = await open_socket({"Authorization": "Bearer not-a-jwt"})
    assert await sock.close_code() == 4401
    sock = await open_socket({"Authorization": "Bearer dev_not-a-device"})
    assert await sock.close_code() == 4401


async def test_a_token_in_the_query_string_is_not_accepted(open_socket, headers_for):
    token = (await headers_for(DOCTOR))["Authorization"].split()[1]
    sock = await open_socket(query=f"?token={token}")
    assert await sock.close_code() == 4401


async def test_a_foreign_origin_is_refused_with_4403(open_socket, headers_for):
    sock = await open_socket(await headers_for(DOCTOR), origin="https://evil.example")
    assert await sock.close_code() == 4403


async def test_the_same_origin_is_accepted(open_socket, headers_for, server_url):
    sock = await open_socket(await headers_for(DOCTOR), origin=server_url)
    await sock.send({"type": "ping"})
    await sock.expect(lambda m: m["type"] == "pong")


async def test_a_ticket_opens_the_socket_once(client, open_socket, headers_for):
    response = await client.post("/api/ws-ticket", headers=await headers_for(RECEPTION))
    assert response.status_code == 201, response.text
    ticket = response.json()["ticket"]
    sock = await open_socket(query=f"?ticket={ticket}")
    snapshot = await sock.subscribe("census")
    assert snapshot["type"] == "snapshot"
    # Single use: the same ticket again is refused.
    again = await open_socket(query=f"?ticket={ticket}")
    assert await again.close_code() == 4401


async def test_a_made_up_ticket_is_refused(open_socket):
    sock = await open_socket(query="?ticket=wst_made-up")
    assert await sock.close_code() == 4401


async def test_a_ticket_needs_a_signed_in_caller(client):
    assert (await client.post("/api/ws-ticket")).status_code == 401


async def test_a_nurse_may_watch_her_ward_but_not_another(open_socket, headers_for):
    mine = await roster_wards_of(NURSE)
    assert mine, "the demo nurse should be rostered on a ward"
    other = await fetchrow("SELECT id FROM wards WHERE id <> ALL($1::uuid[]) ORDER BY code LIMIT 1", list(mine))
    assert other is not None
    sock = await open_socket(await headers_for(NURSE))
    own = await sock.subscribe(f"ward:{next(iter(mine))}")
    assert own["type"] == "snapshot"
    refused = await sock.subscribe(f"ward:{other['id']}")
    assert refused["type"] == "error" and refused["code"] == "forbidden"
    assert refused["topic"] == f"ward:{other['id']}"
    # The socket is still open and serving.
    await sock.send({"type": "ping"})
    await sock.expect(lambda m: m["type"] == "pong")


async def test_nobody_watches_another_users_topic(open_socket, headers_for):
    me, someone = await user_id_of(DOCTOR), await user_id_of(ADMIN)
    sock = await open_socket(await headers_for(DOCTOR))
    assert (await sock.subscribe(f"user:{me}"))["type"] == "snapshot"
    refused = await sock.subscribe(f"user:{someone}")
    assert refused["type"] == "error" and refused["code"] == "forbidden" and refused["topic"] == f"user:{someone}"
    admin = await open_socket(await headers_for(ADMIN))
    assert (await admin.subscribe(f"user:{me}"))["code"] == "forbidden"


async def test_a_device_watches_only_the_topics_on_its_token(client, open_socket, headers_for):
    departments = [r["id"] for r in await fetch("SELECT id FROM departments ORDER BY code LIMIT 2")]
    response = await client.post(
        "/api/devices", json={"name": f"display {uuid.uuid4().hex[:6]}", "topics": [f"display:{departments[0]}"]},
        headers=await headers_for(ADMIN),
    )
    assert response.status_code == 201, response.text
    token = response.json()["token"]
    sock = await open_socket({"Authorization": f"Bearer {token}"})
    assert (await sock.subscribe(f"display:{departments[0]}"))["type"] == "snapshot"
    refused = await sock.subscribe(f"display:{departments[1]}")
    assert refused["code"] == "forbidden" and refused["topic"] == f"display:{departments[1]}"
    assert (await sock.subscribe("census"))["code"] == "forbidden"


async def test_junk_topics_and_unknown_things_are_answered_with_errors(open_socket, headers_for):
    sock = await open_socket(await headers_for(ADMIN))
    bad = await sock.subscribe("beds:1")
    assert bad["type"] == "error" and bad["code"] == "invalid_topic"
    missing = await sock.subscribe(f"ward:{uuid.uuid4()}")
    assert missing["type"] == "error" and missing["code"] == "not_found"


async def test_a_device_gets_a_ticket_for_its_kiosk_browser(client, open_socket, headers_for):
    response = await client.post("/api/devices", json={"name": "census kiosk", "topics": ["census"]},
                                 headers=await headers_for(ADMIN))
    device = {"Authorization": f"Bearer {response.json()['token']}"}
    ticket = await client.post("/api/ws-ticket", headers=device)
    assert ticket.status_code == 201, ticket.text
    assert ticket.json()["url"] == f"/ws?ticket={ticket.json()['ticket']}"
    sock = await open_socket(query=f"?ticket={ticket.json()['ticket']}")
    assert (await sock.subscribe("census"))["type"] == "snapshot"
    assert (await sock.subscribe("imaging"))["code"] == "forbidden"


async def test_the_protocol_is_served_as_an_asyncapi_document(client):
    response = await client.get("/api/asyncapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["asyncapi"].startswith("3.")
    assert document["channels"]["live"]["address"] == "/ws"
    codes = {c["code"] for c in document["info"]["x-close-codes"]}
    assert {1000, 1008, 1009, 1011, 1012, 4001, 4002, 4008, 4009, 4401, 4403} <= codes
    assert {t["name"].split(":")[0] for t in document["info"]["x-topics"]} >= {"census", "ward", "user", "lab"}
    schemas = document["components"]["schemas"]
    assert {"Subscribe", "SnapshotMessage", "EventMessage", "BedUpdated", "CensusUpdated", "WardBoard"} <= set(schemas)
    for message in document["components"]["messages"].values():
        assert message["payload"]["$ref"].split("/")[-1] in schemas


def test_every_event_a_service_can_write_and_every_board_is_in_the_asyncapi_document():
    import importlib
    import pkgutil

    import domain
    from channels.asyncapi import EVENT_PAYLOADS, SNAPSHOTS, asyncapi_document
    from domain.events import EventPayload

    for module in pkgutil.iter_modules(domain.__path__):
        importlib.import_module(f"domain.{module.name}")

    def subclasses(cls: type) -> set[type]:
        found: set[type] = set(cls.__subclasses__())
        return found | {sub for c in found for sub in subclasses(c)}

    written = {c for c in subclasses(EventPayload) if c.__module__.startswith("domain.") and hasattr(c, "EVENT")}
    assert written - set(EVENT_PAYLOADS) == set(), "list new event payloads in channels/asyncapi.EVENT_PAYLOADS"
    schemas = asyncapi_document("localhost")["components"]["schemas"]
    assert {c.__name__ for c in (*EVENT_PAYLOADS, *SNAPSHOTS)} <= set(schemas)
