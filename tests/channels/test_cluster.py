"""Several server processes behave as one, and a Redis outage delays events but loses none.

Extra servers are real uvicorn subprocesses on the same database; the Redis of the outage test is a
private redis-server, so the suite's shared one is never disturbed.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import httpx
import pytest

from channels.client import LiveClient
from db.connection import fetch
from tests.channels.conftest import ADMIN, DOCTOR, counter_of, free_port, set_bed, ws_url


async def flip(http: httpx.AsyncClient, headers: dict[str, str], beds: list[Any], times: int,
               state: dict[Any, str], written: list[tuple[str, str]] | None = None) -> None:
    """`times` housekeeping changes round the beds, each toggling CLEANING/AVAILABLE; noted in `written`."""
    for i in range(times):
        bed = beds[i % len(beds)]
        state[bed] = "AVAILABLE" if state.get(bed, "AVAILABLE") == "CLEANING" else "CLEANING"
        response = await set_bed(http, headers, bed, state[bed])
        assert response.status_code == 200, response.text
        if written is not None:
            written.append((str(bed), state[bed]))


def contiguous(view: Any, final: int) -> bool:
    return view.seq == final and [e["seq"] for e in view.events] == list(range(final - len(view.events) + 1,
                                                                              final + 1))


def is_live(client: LiveClient) -> bool:
    return client.state == "live"


def reached(client: LiveClient, topic: str, seq: int) -> bool:
    return client.topics[topic].seq == seq


@contextlib.asynccontextmanager
async def live_client(urls: list[str], token: str, **kwargs: Any) -> AsyncIterator[LiveClient]:
    async def bearer() -> str:
        return token

    client = LiveClient(urls, bearer=bearer, backoff_initial=0.05, backoff_max=1.0, **kwargs)
    await client.start()
    try:
        yield client
    finally:
        await client.close()


async def test_an_event_written_through_one_process_reaches_a_client_of_another(
    client, server_process, open_socket, headers_for, ward
):
    other = await server_process()
    topic = f"ward:{ward['ward_id']}"
    sock = await open_socket(await headers_for(DOCTOR), url=ws_url(other.url))
    snapshot = await sock.subscribe(topic)
    response = await set_bed(client, await headers_for(ADMIN), ward["beds"][0], "CLEANING")  # through this one
    assert response.status_code == 200
    event = (await sock.events(topic, 1))[0]
    assert event["seq"] == snapshot["seq"] + 1 and event["event"] == "bed.updated"
    assert event["data"]["bedId"] == str(ward["beds"][0]) and event["data"]["status"] == "CLEANING"


async def test_a_client_of_a_killed_process_resumes_on_another_without_a_gap(
    client, server_url, server_process, headers_for, ward
):
    doomed = await server_process()
    topic = f"ward:{ward['ward_id']}"
    admin = await headers_for(ADMIN)
    token = (await headers_for(DOCTOR))["Authorization"].split()[1]
    states: list[str] = []
    beds: dict[Any, str] = {}
    async with live_client([ws_url(doomed.url), ws_url(server_url)], token, on_state=states.append) as live:
        view = await live.subscribe(topic)
        await live.wait_until(lambda: live.state == "live")
        await flip(client, admin, ward["beds"], 10, beds)
        await live.wait_until(lambda: len(view.events) == 10)
        writing = asyncio.create_task(flip(client, admin, ward["beds"], 30, beds))  # mid-stream...
        doomed.kill()  # ...SIGKILL: no close frame, no goodbye
        await writing
        final = await counter_of(topic)
        await live.wait_until(lambda: view.seq == final, within=30)
        assert contiguous(view, final)
        assert view.snapshots == 1, "resumed with since, not resynced from a snapshot"
        assert live.connections == 2 and live.connected_url == ws_url(server_url)
        assert "resyncing" in states[states.index("live"):]


@pytest.fixture
async def private_redis() -> AsyncIterator[Any]:
    found = shutil.which("redis-server")
    assert found is not None, "redis-server is needed (make test installs it)"
    binary: str = found

    class PrivateRedis:
        port = free_port()
        url = f"redis://127.0.0.1:{port}/0"
        process: subprocess.Popen[bytes] | None = None

        async def start(self) -> None:
            self.process = subprocess.Popen(  # noqa: ASYNC220 - starts at once; readiness is awaited below
                [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            for _ in range(100):
                with contextlib.suppress(OSError):
                    _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                    writer.close()
                    return
                await asyncio.sleep(0.05)
            raise RuntimeError("redis-server did not start")

        def stop(self) -> None:
            if self.process is not None and self.process.poll() is None:
                self.process.terminate()
                self.process.wait(10)

    redis = PrivateRedis()
    await redis.start()
    yield redis
    redis.stop()


async def test_every_subscriber_gets_every_event_in_order_across_a_redis_outage(
    server_process, private_redis, headers_for, ward
):
    server = await server_process(REDIS_URL=private_redis.url)
    ward_topic = f"ward:{ward['ward_id']}"
    admin = await headers_for(ADMIN)
    token = (await headers_for(DOCTOR))["Authorization"].split()[1]
    beds: dict[Any, str] = {}
    written: list[tuple[str, str]] = []
    async with (
        httpx.AsyncClient(base_url=server.url, timeout=30) as http,
        live_client([ws_url(server.url)], token) as first,
        live_client([ws_url(server.url)], token) as second,
    ):
        views = [await c.subscribe(t) for c in (first, second) for t in (ward_topic, "census")]
        for c in (first, second):
            await c.wait_until(partial(is_live, c))
        census_start = views[1].seq or 0
        await flip(http, admin, ward["beds"], 10, beds, written)
        await first.wait_until(lambda: len(views[0].events) == 10)
        private_redis.stop()  # Redis goes away during the stream of writes
        await flip(http, admin, ward["beds"], 10, beds, written)  # writes still commit; nothing is lost
        await private_redis.start()
        await flip(http, admin, ward["beds"], 10, beds, written)
        final = await counter_of(ward_topic)
        census_final = await counter_of("census")
        for c in (first, second):
            await c.wait_until(partial(reached, c, ward_topic, final), within=45)
            await c.wait_until(partial(reached, c, "census", census_final), within=45)
            ward_view, census_view = c.topics[ward_topic], c.topics["census"]
            assert contiguous(ward_view, final) and len(ward_view.events) == 30
            assert contiguous(census_view, census_final) and census_final - census_start >= 30
            # In order, and exactly the changes written.
            assert [(e["data"]["bedId"], e["data"]["status"]) for e in ward_view.events] == written
    rows = await fetch("SELECT published_at FROM outbox_events WHERE topic = $1", ward_topic)
    for _ in range(100):
        if all(r["published_at"] is not None for r in rows):
            break
        await asyncio.sleep(0.1)
        rows = await fetch("SELECT published_at FROM outbox_events WHERE topic = $1", ward_topic)
    assert all(r["published_at"] is not None for r in rows), "the sweep publishes what commit time could not"
