"""Bad clients, slow clients, ended sessions and restarts: each is handled, and everyone else is served."""

from __future__ import annotations

import asyncio
import socket
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import jwt
import websockets

from server.security import ALGORITHM, ISSUER
from tests.channels.conftest import ADMIN, DOCTOR, Socket, ws_url
from tests.channels.test_stream import noise_topic, seqs, write_noise
from tests.conftest import sign_in


async def assert_still_serving(sock: Socket) -> None:
    await sock.send({"type": "ping"})
    await sock.expect(lambda m: m["type"] == "pong")


async def test_malformed_and_unknown_messages_get_errors_and_the_socket_stays_open(open_socket, headers_for):
    sock = await open_socket(await headers_for(DOCTOR))
    cases = [
        ("not json at all", "malformed"),
        ("[1, 2, 3]", "malformed"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"topic": "census"}', "unknown_type"),
        ('{"type": "subscribe"}', "invalid_message"),
        ('{"type": "subscribe", "topic": "census", "since": {"epoch": 1}}', "invalid_message"),
        ('{"type": "receipt", "alertId": "not-a-uuid"}', "invalid_message"),
        (b'\xff\xfe binary junk', "malformed"),
    ]
    for frame, code in cases:
        await sock.send(frame)
        error = await sock.expect(lambda m: m["type"] == "error")
        assert error["code"] == code, frame
    await assert_still_serving(sock)


async def test_an_oversized_frame_closes_that_socket_with_1009_and_others_are_served(open_socket, headers_for):
    headers = await headers_for(DOCTOR)
    bystander = await open_socket(headers)
    topic = noise_topic()
    await bystander.subscribe(topic)
    offender = await open_socket(headers)
    await offender.send({"type": "subscribe", "topic": "census", "padding": "x" * 20_000})
    assert await offender.close_code() == 1009
    await write_noise(topic, 1)
    assert seqs(await bystander.events(topic, 1)) == [1]
    await assert_still_serving(bystander)


async def test_a_flood_of_subscribes_is_capped_per_socket(open_socket, headers_for):
    sock = await open_socket(await headers_for(DOCTOR))
    prefix = uuid.uuid4().hex[:8]
    for i in range(200):
        await sock.send({"type": "subscribe", "topic": f"lab:flood-{prefix}-{i}"})
    for _ in range(200):
        await sock.expect(lambda m: m["type"] == "snapshot", within=30)
    refused = await sock.subscribe(f"lab:flood-{prefix}-200")
    assert refused["type"] == "error" and refused["code"] == "too_many_subscriptions"
    # Unsubscribing makes room again.
    await sock.send({"type": "unsubscribe", "topic": f"lab:flood-{prefix}-0"})
    assert (await sock.subscribe(f"lab:flood-{prefix}-200"))["type"] == "snapshot"


async def test_a_flood_of_messages_is_closed_with_1008_and_others_are_served(open_socket, headers_for):
    headers = await headers_for(DOCTOR)
    bystander = await open_socket(headers)
    flooder = await open_socket(headers)
    for _ in range(1000):
        try:
            await flooder.send({"type": "ping"})
        except websockets.ConnectionClosed:
            break
    assert await flooder.close_code() == 1008
    await assert_still_serving(bystander)


async def test_a_slow_consumer_is_closed_with_4008_while_others_get_everything(server_url, open_socket, headers_for):
    headers = await headers_for(DOCTOR)
    topic = noise_topic()
    fast = await open_socket(headers)
    await fast.subscribe(topic)
    # A client that stops reading: a tiny receive buffer, and the library stops after a few queued frames.
    parts = urlsplit(server_url)
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.connect((parts.hostname, parts.port))
    slow = await open_socket(headers, sock=raw, max_queue=4)
    await slow.subscribe(topic)
    total = 0
    for round_ in range(40):  # 1 KiB events until far more than any buffer on the way could hold
        await write_noise(topic, 100, start=total, padding="x" * 1024)
        total += 100
        # The fast reader keeps up with every event, in order, while the slow one is backed up.
        assert seqs(await fast.events(topic, 100)) == list(range(total - 99, total + 1)), round_
    assert await slow.close_code(within=30) == 4008


# Signing out, disabling a user and revoking a device close sockets at once: tests/channels/test_session_end.py.


def _short_token(settings, claims_from: str, seconds: int) -> str:
    claims = jwt.decode(claims_from, options={"verify_signature": False})
    now = datetime.now(UTC)
    claims.update(iat=int(now.timestamp()), exp=int((now + timedelta(seconds=seconds)).timestamp()))
    return jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM)


async def test_an_access_token_must_be_renewed_on_the_socket_before_it_expires(client, app, settings, open_socket):
    signed_in = await sign_in(client, DOCTOR)
    assert jwt.decode(signed_in["token"], options={"verify_signature": False})["iss"] == ISSUER
    renewed = await open_socket({"Authorization": f"Bearer {_short_token(settings, signed_in['token'], 2)}"})
    lapsed = await open_socket({"Authorization": f"Bearer {_short_token(settings, signed_in['token'], 2)}"})
    await renewed.send({"type": "auth", "token": signed_in["token"]})  # a fresh one, valid for 15 minutes
    await assert_still_serving(renewed)
    await asyncio.sleep(2.5)  # past the short token's expiry
    await app.state.gateway.check_sessions()
    assert await lapsed.close_code() == 4002
    await assert_still_serving(renewed)


async def test_a_renewal_token_of_someone_else_is_refused(client, open_socket, headers_for):
    sock = await open_socket(await headers_for(DOCTOR))
    other = await sign_in(client, ADMIN)
    await sock.send({"type": "auth", "token": other["token"]})
    error = await sock.expect(lambda m: m["type"] == "error")
    assert error["code"] == "forbidden"
    await sock.send({"type": "auth", "token": "not-a-token"})
    assert (await sock.expect(lambda m: m["type"] == "error"))["code"] == "unauthenticated"
    await assert_still_serving(sock)


async def test_receipts_for_unknown_alerts_are_answered_with_an_error(open_socket, headers_for):
    sock = await open_socket(await headers_for(DOCTOR))
    await sock.send({"type": "receipt", "alertId": str(uuid.uuid4())})
    assert (await sock.expect(lambda m: m["type"] == "error"))["code"] == "not_found"
    await sock.send({"type": "ack", "alertId": str(uuid.uuid4()), "action": "seen the patient"})
    assert (await sock.expect(lambda m: m["type"] == "error"))["code"] == "not_found"
    await assert_still_serving(sock)


async def test_a_graceful_shutdown_closes_sockets_with_1012(server_process, open_socket, headers_for):
    other = await server_process()
    sock = await open_socket(await headers_for(DOCTOR), url=ws_url(other.url))
    await sock.subscribe("census")
    other.stop()  # SIGTERM
    assert await sock.close_code() == 1012


async def test_the_python_client_renews_its_token_on_the_socket_before_it_expires(
    client, app, settings, server_url
):
    from channels.client import LiveClient

    signed_in = await sign_in(client, DOCTOR)
    tokens = [_short_token(settings, signed_in["token"], 3), signed_in["token"]]

    async def bearer() -> str:
        return tokens.pop(0) if len(tokens) > 1 else tokens[0]

    live = LiveClient(ws_url(server_url), bearer=bearer, ping_interval=0.2)
    await live.start()
    try:
        await live.subscribe("census")
        await live.wait_until(lambda: live.state == "live")
        await asyncio.sleep(3.5)  # past the first token's expiry
        await app.state.gateway.check_sessions()
        await asyncio.sleep(0.5)
        assert live.state == "live" and live.connections == 1 and live.close_codes == []
    finally:
        await live.close()
