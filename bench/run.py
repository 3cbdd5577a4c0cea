"""`make bench`: the real-time spine measured on this machine, written to docs/benchmarks.md.

Run under scripts/devservices.py (a private PostgreSQL and Redis; DATABASE_URL and REDIS_URL set), after
`server.cli migrate`. Everything runs in processes of its own: one uvicorn server process (uvloop, httptools,
no per-message compression), client processes holding the sockets, a writer process, the bare baseline.

1. Idle sockets: ramp a fresh server to BENCH_SOCKET_STEPS sockets (each authenticated as a doctor and
   subscribed to `census`); the server's RSS before and at each step, so memory per socket; every socket
   must still answer a ping at the end.
2. Commit-to-client latency: BENCH_CLIENTS sockets spread evenly over the ward topics and `census` (one
   topic each), bed housekeeping writes through `POST /api/ipd/beds/{id}/status` at each of BENCH_RATES
   writes/s for BENCH_SECONDS. Latency = arrival at the client - the event's `ts`, which is the outbox row's
   created_at: clock_timestamp() at its INSERT, the transaction's last statement before COMMIT (the commit
   itself cannot be stamped from inside, and a stamp after commit in the server would leave out the
   after-commit hook that starts publishing). So each figure includes the last INSERT and the COMMIT
   (a millisecond or less here): an upper bound, never flattering.
3. Delivered messages/s: BENCH_CLIENTS sockets on one topic; bursts of BENCH_BURST events go through the
   outbox and Redis exactly as the relay sends them; then a bare `websockets` server broadcasts the same
   payload bytes to the same number of clients (same client code). Rate = events x clients / (last arrival
   - the moment the burst committed, or was handed to the bare server).

The demo hospital has 4 wards; the bench adds BENCH_EXTRA_WARDS wards (10 available beds each) so the
1,000 screens spread over a hospital-sized set of ward topics rather than 250 screens per ward (that
stress case is also run: BENCH_STRESS=1, the default).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx

from bench import bare, clients, writer
from bench.common import Child, percentile, raise_open_files

ROOT = Path(__file__).resolve().parents[1]
DOCTOR = "doctor@demo.local"
ADMIN = "admin@demo.local"
FANOUT_TOPIC = "lab:bench-fanout"
DEMO_WARDS = ("CCU", "GMW", "MCW", "SGW")  # the demo hospital's wards (db/seed)


def _ints(name: str, default: str) -> tuple[int, ...]:
    return tuple(int(x) for x in os.environ.get(name, default).split(",") if x.strip())


@dataclass
class Config:
    clients: int = int(os.environ.get("BENCH_CLIENTS", "1000"))
    rates: tuple[int, ...] = _ints("BENCH_RATES", "20,100,200")
    stress_rates: tuple[int, ...] = _ints("BENCH_STRESS_RATES", "20,100")
    seconds: float = float(os.environ.get("BENCH_SECONDS", "15"))
    client_procs: int = int(os.environ.get("BENCH_CLIENT_PROCS", str(max(2, os.cpu_count() or 2))))
    extra_wards: int = int(os.environ.get("BENCH_EXTRA_WARDS", "36"))
    socket_steps: tuple[int, ...] = _ints("BENCH_SOCKET_STEPS", "2500,10000,15000")
    burst: int = int(os.environ.get("BENCH_BURST", "100"))
    rounds: int = int(os.environ.get("BENCH_ROUNDS", "5"))
    stress: bool = os.environ.get("BENCH_STRESS", "1") == "1"
    phases: tuple[str, ...] = tuple(os.environ.get("BENCH_PHASES", "idle,latency,fanout").split(","))
    output: Path = Path(os.environ.get("BENCH_OUTPUT", str(ROOT / "docs" / "benchmarks.md")))
    # A folder: py-spy (pip install py-spy) records the server during each latency run, as flame graphs.
    profile: str = os.environ.get("BENCH_PROFILE", "")
    password: str = os.environ.get("DEMO_PASSWORD", "demo-password")


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, elapsed) CPU seconds of the whole machine so far, summed over CPUs."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = ticks[3] + ticks[4]
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - idle) / hz, sum(ticks) / hz


def stack_pids() -> list[int]:
    """Our PostgreSQL (the postmaster on DATABASE_URL's port and its children) and Redis (REDIS_URL's port)."""
    pg_port = str(urlsplit(os.environ["DATABASE_URL"]).port)
    redis_port = str(urlsplit(os.environ["REDIS_URL"]).port)
    processes: dict[int, tuple[int, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError):
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            processes[int(entry.name)] = (parent, command)
    postmasters = {pid for pid, (_, cmd) in processes.items() if "postgres" in cmd and f"-p {pg_port}" in cmd}
    return [pid for pid, (parent, cmd) in processes.items()
            if pid in postmasters or parent in postmasters or ("redis-server" in cmd and f":{redis_port}" in cmd)]


def _cpu_of(pids: list[int]) -> dict[int, float]:
    found = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            found[pid] = cpu_seconds(pid)
    return found


class CpuMeter:
    """CPU used meanwhile (%, one CPU = 100) by the server, the bench's client and writer processes, our
    PostgreSQL and Redis, and the whole machine (the rest is other work on the machine)."""

    def __init__(self, server_pid: int, bench_pids: list[int]) -> None:
        self.server_pid = server_pid
        self.bench_pids = bench_pids
        self.stack = stack_pids()
        self.start = _cpu_of([server_pid, *bench_pids, *self.stack])
        self.machine = machine_busy_seconds()
        self.wall = time.monotonic()

    def read(self) -> dict[str, float]:
        wall = time.monotonic() - self.wall
        now = _cpu_of(list(self.start))
        used = {pid: now[pid] - self.start[pid] for pid in now}
        busy, _ = machine_busy_seconds()

        def pct(pids: list[int]) -> int:
            return round(sum(used.get(p, 0.0) for p in pids) / wall * 100)

        server, clients, stack = pct([self.server_pid]), pct(self.bench_pids), pct(self.stack)
        machine = round((busy - self.machine[0]) / wall * 100)
        return {"server": server, "bench_clients": clients, "db_redis": stack, "machine": machine,
                "other": max(0, machine - server - clients - stack)}


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


# --- the stack --------------------------------------------------------------------------------------


class Server:
    """One uvicorn process serving the app, as `make run` would (one process, its own file limit)."""

    def __init__(self, logs: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws"
        self.logs = logs
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log_file = self.logs.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "server.app:create_app", "--factory", "--host", "127.0.0.1",
             "--port", str(self.port), "--loop", "uvloop", "--http", "httptools", "--ws-per-message-deflate",
             "false", "--ws-max-size", "65536", "--log-level", "warning", "--no-access-log", "--backlog", "4096"],
            cwd=ROOT, stdout=log_file, stderr=log_file, preexec_fn=raise_open_files,
        )

    async def wait_healthy(self) -> None:
        async with httpx.AsyncClient(base_url=self.url, timeout=2) as http:
            for _ in range(600):
                assert self.process is not None
                if self.process.poll() is not None:
                    raise RuntimeError(f"the server exited ({self.process.returncode}); see {self.logs}")
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get("/api/health")).status_code == 200:
                        return
                await asyncio.sleep(0.1)
        raise RuntimeError("the server did not become healthy")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def spawn(target: Callable[..., None]) -> Child:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=target, args=(child,), daemon=True)
    process.start()
    return Child(process, parent)


async def sign_in(url: str, email: str, password: str) -> str:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        response = await http.post("/api/auth/login", json={"email": email, "password": password})
        response.raise_for_status()
        token: str = response.json()["token"]
        return token


async def add_wards(database_url: str, count: int, beds_per_ward: int = 10) -> None:
    """Hospital-sized: `count` more wards of AVAILABLE beds under the demo's departments; and a room of 20
    AVAILABLE beds in each demo ward, so the stress case is not limited by its few free beds."""
    conn = await asyncpg.connect(database_url)
    try:
        for code in DEMO_WARDS:
            room = await conn.fetchval(
                "INSERT INTO rooms (id, ward_id, room_number, floor, bed_count, room_type, created_at, updated_at) "
                "SELECT gen_random_uuid(), w.id, 'BENCH-' || w.code, w.floor, 20, 'GENERAL', now(), now() "
                "FROM wards w WHERE w.code = $1 AND NOT EXISTS (SELECT 1 FROM rooms r WHERE r.ward_id = w.id "
                "AND r.room_number = 'BENCH-' || w.code) RETURNING id", code,
            )
            for b in range(20 if room is not None else 0):
                await conn.execute(
                    "INSERT INTO beds (id, room_id, bed_number, status, version, created_at, updated_at) "
                    "VALUES (gen_random_uuid(), $1, $2, 'AVAILABLE', 1, now(), now())", room, f"B{b + 1:02d}",
                )
        departments = [r["id"] for r in await conn.fetch("SELECT id FROM departments ORDER BY code")]
        for i in range(count):
            tag = f"B{i + 1:02d}"
            ward = await conn.fetchval(
                "INSERT INTO wards (id, name, code, department_id, floor, created_at, updated_at) "
                "VALUES (gen_random_uuid(), $1, $2, $3, 20, now(), now()) ON CONFLICT DO NOTHING RETURNING id",
                f"Bench ward {tag}", tag, departments[i % len(departments)],
            )
            if ward is None:
                continue
            for r in range(2):
                room = await conn.fetchval(
                    "INSERT INTO rooms (id, ward_id, room_number, floor, bed_count, room_type, created_at, "
                    "updated_at) VALUES (gen_random_uuid(), $1, $2, 20, $3, 'GENERAL', now(), now()) RETURNING id",
                    ward, f"{tag}-{r + 1}", beds_per_ward // 2,
                )
                for b in range(beds_per_ward // 2):
                    await conn.execute(
                        "INSERT INTO beds (id, room_id, bed_number, status, version, created_at, updated_at) "
                        "VALUES (gen_random_uuid(), $1, $2, 'AVAILABLE', 1, now(), now())", room, chr(65 + b),
                    )
    finally:
        await conn.close()


async def wards_and_beds(database_url: str, codes: list[str] | None) -> tuple[list[str], list[tuple[str, str]]]:
    """Ward topics and the AVAILABLE beds in them (bed id, ward topic); only wards `codes` when given."""
    conn = await asyncpg.connect(database_url)
    try:
        wards = await conn.fetch("SELECT id, code FROM wards ORDER BY code")
        chosen = [w for w in wards if codes is None or w["code"] in codes]
        beds = await conn.fetch(
            "SELECT b.id, r.ward_id FROM beds b JOIN rooms r ON r.id = b.room_id "
            "WHERE b.status = 'AVAILABLE' AND r.ward_id = ANY($1::uuid[]) ORDER BY b.id",
            [w["id"] for w in chosen],
        )
    finally:
        await conn.close()
    return [f"ward:{w['id']}" for w in chosen], [(str(b["id"]), f"ward:{b['ward_id']}") for b in beds]


async def open_spread(procs: list[Child], url: str, token: str | None, topics: list[str],
                      concurrency: int = 100, group: str = "") -> dict[str, Any]:
    """Open one socket per entry of `topics`, the list dealt round robin over the client processes."""
    shares = [topics[i::len(procs)] for i in range(len(procs))]
    answers = await asyncio.gather(*(
        p.ask("open", {"url": url, "token": token, "topics": share, "concurrency": concurrency, "group": group})
        for p, share in zip(procs, shares, strict=True) if share
    ))
    return {"opened": sum(a["opened"] for a in answers), "failed": sum(a["failed"] for a in answers),
            "errors": sorted({e for a in answers for e in a["errors"]})[:5]}


async def close_all(procs: list[Child], *, abort: bool = False) -> dict[str, int]:
    """Close every socket (`abort`: drop the TCP connections, as a crowd of clients going away does)."""
    codes: dict[str, int] = {}
    for answer in await asyncio.gather(*(p.ask("close", abort) for p in procs)):
        for code, n in answer.items():
            codes[code] = codes.get(code, 0) + n
    return codes


# --- 1. idle sockets --------------------------------------------------------------------------------


async def idle_sockets(config: Config, server: Server, procs: list[Child]) -> dict[str, Any]:
    token = await sign_in(server.url, DOCTOR, config.password)
    # Warm up: what the first sockets and requests load counts as the baseline, not per socket.
    await open_spread(procs, server.ws_url, token, ["census"] * 50)
    await close_all(procs)
    await asyncio.sleep(2)
    before = rss_kb(server.pid)
    steps: list[dict[str, Any]] = []
    held = 0
    for target in config.socket_steps:
        started = time.perf_counter()
        opened = await open_spread(procs, server.ws_url, token, ["census"] * (target - held), concurrency=200)
        took = time.perf_counter() - started
        held += opened["opened"]
        await asyncio.sleep(2)
        rss = rss_kb(server.pid)
        open_now = sum(await asyncio.gather(*(p.ask("open_count") for p in procs)))
        step = {"target": target, "held": open_now, "opened_in_s": round(took, 1), "rss_kb": rss,
                "kb_per_socket": round((rss - before) / open_now, 1) if open_now else None,
                "failed": opened["failed"], "errors": opened["errors"]}
        log(f"idle sockets: {open_now} held, RSS {rss / 1024:.0f} MB, "
            f"{step['kb_per_socket']} KB/socket, {opened['failed']} failed, opened in {took:.1f} s")
        steps.append(step)
        if opened["failed"] or open_now < target:
            break
    answered = sum(await asyncio.gather(*(p.ask("ping_all", 10.0, wait=120) for p in procs)))
    codes = await close_all(procs, abort=True)
    await asyncio.sleep(2)
    after_close = rss_kb(server.pid)
    # Some again: if closed sockets leaked, these would need new memory (about 80 MB for 2,500).
    reopened = await open_spread(procs, server.ws_url, token, ["census"] * min(held, 2500), concurrency=200)
    await asyncio.sleep(2)
    after_reopen = rss_kb(server.pid)
    log(f"idle sockets: closed, RSS {after_close / 1024:.0f} MB; {reopened['opened']} opened again, "
        f"RSS {after_reopen / 1024:.0f} MB")
    await close_all(procs, abort=True)
    return {"rss_before_kb": before, "steps": steps, "answered_ping": answered, "rss_after_close_kb": after_close,
            "reopened": reopened["opened"], "rss_after_reopen_kb": after_reopen, "close_codes": codes}


# --- 2. latency -------------------------------------------------------------------------------------


async def start_profiler(config: Config, server: Server, name: str,
                         seconds: float | None = None) -> asyncio.subprocess.Process | None:
    """py-spy recording the server for `seconds` (default: one latency run), when BENCH_PROFILE is set."""
    if not config.profile:
        return None
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    # Collapsed stacks (one line per stack and its sample count): flamegraph.pl or speedscope read them.
    return await asyncio.create_subprocess_exec(
        py_spy, "record", "--pid", str(server.pid), "--duration", str(int(seconds or config.seconds)), "--rate", "200",
        "--format", "raw", "--output", str(Path(config.profile) / f"{name}.txt"),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


@dataclass
class LatencyRun:
    rate: int
    writer: dict[str, Any]
    latencies: list[float] = field(default_factory=list)
    delivered: int = 0
    expected: int = 0
    gaps: int = 0


async def latency(config: Config, server: Server, procs: list[Child], writer_proc: Child,
                  wards: list[str] | None, label: str, rates: tuple[int, ...]) -> dict[str, Any]:
    ward_topics, beds = await wards_and_beds(os.environ["DATABASE_URL"], wards)
    token = await sign_in(server.url, DOCTOR, config.password)
    admin = await sign_in(server.url, ADMIN, config.password)
    topics = ["census", *ward_topics]
    assignment = [topics[i % len(topics)] for i in range(config.clients)]
    subscribers = {t: assignment.count(t) for t in topics}
    opened = await open_spread(procs, server.ws_url, token, assignment)
    log(f"{label}: {opened['opened']} sockets over {len(topics)} topics ({opened['failed']} failed), "
        f"{len(beds)} available beds")
    await writer_proc.ask("setup", {"url": server.url, "token": admin, "beds": beds})
    await writer_proc.ask("run", {"rate": 20, "duration": 2})  # warm-up, not counted
    await asyncio.sleep(1)
    for p in procs:
        await p.ask("latencies")  # drop the warm-up's
    runs: list[LatencyRun] = []
    for rate in rates:
        for p in procs:
            await p.ask("record", True)
        profiler = await start_profiler(config, server, f"{label}-{rate}")
        meter = CpuMeter(server.pid, [p.process.pid for p in (*procs, writer_proc)])
        result = await writer_proc.ask("run", {"rate": rate, "duration": config.seconds}, wait=600)
        result["cpu"] = meter.read()
        if profiler is not None:
            await profiler.wait()
        await asyncio.sleep(2)  # the last events arrive
        run = LatencyRun(rate=rate, writer=result)
        for p in procs:
            await p.ask("record", False)
            _, ms_bytes, gaps, _ = await p.ask("latencies")
            ms = array("d")
            ms.frombytes(ms_bytes)
            run.latencies.extend(ms)
            run.gaps = max(run.gaps, gaps)
        run.latencies.sort()
        run.delivered = len(run.latencies)
        ok = sum(result["per_topic"].values())
        run.expected = sum(n * subscribers[t] for t, n in result["per_topic"].items()) + ok * subscribers["census"]
        log(f"{label} {rate}/s: {result['completed_rate']:.0f} writes/s done ({result['skipped']} skipped), "
            f"p50 {percentile(run.latencies, 50):.1f} p95 {percentile(run.latencies, 95):.1f} "
            f"p99 {percentile(run.latencies, 99):.1f} ms, delivered {run.delivered}/{run.expected}, "
            f"gaps {run.gaps}, answers {result['outcomes']} (p50 {result['answer_p50_ms']:.0f}, p99 "
            f"{result['answer_p99_ms']:.0f} ms), CPU % {result['cpu']}")
        runs.append(run)
        await asyncio.sleep(1)
    codes = await close_all(procs)
    await writer_proc.ask("settle")
    return {
        "label": label, "clients": opened["opened"], "topics": len(topics),
        "per_write_deliveries": round(sum(subscribers.values()) / len(topics) * 2, 1), "close_codes": codes,
        "runs": [{
            "rate": r.rate, "achieved": round(r.writer["completed_rate"], 1), "outcomes": r.writer["outcomes"],
            "answer_p50_ms": round(r.writer["answer_p50_ms"], 1), "answer_p99_ms": round(r.writer["answer_p99_ms"], 1),
            "delivered": r.delivered, "expected": r.expected, "gaps": r.gaps, "cpu": r.writer["cpu"],
            "msgs_per_s": round(r.delivered / config.seconds),
            "p50": round(percentile(r.latencies, 50), 1), "p95": round(percentile(r.latencies, 95), 1),
            "p99": round(percentile(r.latencies, 99), 1), "max": round(r.latencies[-1], 1) if r.latencies else None,
        } for r in runs],
    }


# --- 3. delivered messages/s against a bare broadcast server ------------------------------------------


async def _burst_rate(procs: list[Child], group: str, burst: int, sockets: int, started: float) -> dict[str, Any]:
    answers = await asyncio.gather(*(p.ask("wait_counts", {"group": group, "target": burst, "timeout": 120},
                                           wait=180) for p in procs))
    last = max(a["last"] for a in answers)
    return {"rate": burst * sockets / (last - started), "complete": all(a["complete"] for a in answers),
            "gaps": max(a["gaps"] for a in answers)}


async def fanout(config: Config, server: Server, procs: list[Child]) -> dict[str, Any]:
    """Bursts through our server and the bare one, alternately (both see the same background load)."""
    from channels.broker import RedisBroker
    from channels.relay import publish_committed
    from db import outbox
    from db.connection import close_pool, start_pool, transaction
    from db.outbox import PendingEvent
    from domain.events import BedUpdated
    from domain.ipd import BedState
    from domain.topics import parse_topic

    token = await sign_in(server.url, DOCTOR, config.password)
    topic = parse_topic(FANOUT_TOPIC)
    await start_pool(max_size=4)
    broker = RedisBroker(os.environ["REDIS_URL"])
    baseline = spawn(bare.main)
    port = free_port()
    ward, room = uuid.uuid4(), uuid.uuid4()
    ours: list[float] = []
    bare_rates: list[float] = []
    complete, gaps, payload_bytes = True, 0, 0
    try:
        await baseline.ask("start", port)
        opened = await open_spread(procs, server.ws_url, token, [FANOUT_TOPIC] * config.clients, group="ours")
        opened_bare = await open_spread(procs, f"ws://127.0.0.1:{port}/", None, [FANOUT_TOPIC] * config.clients,
                                        group="bare")
        log(f"fan-out: {opened['opened']} sockets on {FANOUT_TOPIC} here, {opened_bare['opened']} on the bare server")
        profiler = await start_profiler(config, server, "fanout", seconds=3600)
        for round_ in range(config.rounds):
            for p in procs:
                await p.ask("reset_counts")
            events = [PendingEvent(topic, BedUpdated(
                bed_id=uuid.uuid4(), ward_id=ward, room_id=room, bed_number="A", status=BedState.CLEANING,
                previous_status=BedState.AVAILABLE, version=i + 2, updated_at=datetime.now(UTC),
                status_changed_at=datetime.now(UTC), reason=None,
            )) for i in range(config.burst)]
            async with transaction():
                committed = await outbox.append(*events)
            started = time.time()  # committed: from here on it is the spine's work
            await publish_committed(broker, committed)
            mine = await _burst_rate(procs, "ours", config.burst, opened["opened"], started)
            complete, gaps = complete and mine["complete"], max(gaps, mine["gaps"])
            ours.append(mine["rate"])
            payloads = [c.message.decode() for c in committed]
            payload_bytes = len(payloads[0])
            await baseline.ask("load", payloads)
            started = time.time()
            await baseline.ask("broadcast")
            theirs = await _burst_rate(procs, "bare", config.burst, opened_bare["opened"], started)
            bare_rates.append(theirs["rate"])
            log(f"fan-out round {round_ + 1}: ours {mine['rate']:,.0f}, bare {theirs['rate']:,.0f} messages/s")
        if profiler is not None:
            profiler.send_signal(signal.SIGINT)  # py-spy writes what it has recorded and exits
            await profiler.wait()
        await close_all(procs)
        await baseline.ask("stop")
    finally:
        await baseline.stop()
        await broker.close()
        await close_pool()
    ours_median = sorted(ours)[len(ours) // 2]
    bare_median = sorted(bare_rates)[len(bare_rates) // 2]
    return {"clients": config.clients, "burst": config.burst, "payload_bytes": payload_bytes,
            "ours": [round(r) for r in ours], "bare": [round(r) for r in bare_rates],
            "ours_median": round(ours_median), "bare_median": round(bare_median),
            "ratio": round(ours_median / bare_median, 2), "complete": complete, "gaps": gaps}


# --- the report -------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True,
                               check=True).stdout.strip()
        if dirty:
            commit += " (with uncommitted changes)"
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    from importlib.metadata import version

    return {"cpu": cpu, "nproc": str(os.cpu_count()), "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
            "kernel": platform.release(), "python": platform.python_version(), "uvicorn": version("uvicorn"),
            "websockets": version("websockets"), "commit": commit,
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}


def _latency_table(block: dict[str, Any]) -> list[str]:
    lines = [
        "| writes/s (target → done) | HTTP answer p50 / p99 (writer's view) | events delivered (of expected) "
        "| messages/s | p50 | p95 | p99 | max | gaps "
        "| CPU %: server / clients+writer / PostgreSQL+Redis / other work / machine |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in block["runs"]:
        errors = {k: v for k, v in r["outcomes"].items() if k != "200"}
        note = f" ({errors})" if errors else ""
        lines.append(
            f"| {r['rate']} → {r['achieved']}{note} | {r['answer_p50_ms']} / {r['answer_p99_ms']} ms "
            f"| {r['delivered']:,} ({r['expected']:,}) | {r['msgs_per_s']:,} | {r['p50']} ms | {r['p95']} ms "
            f"| **{r['p99']} ms** | {r['max']} ms | {r['gaps']} "
            f"| {r['cpu']['server']} / {r['cpu']['bench_clients']} / {r['cpu']['db_redis']} / {r['cpu']['other']} "
            f"/ {r['cpu']['machine']} of {_cpus() * 100} |"
        )
    return lines


def report(config: Config, facts: dict[str, str], results: dict[str, Any]) -> str:
    idle = results["idle"]
    main = results["latency"]
    fan = results["fanout"]
    at_100 = next((r for r in main["runs"] if r["rate"] == 100), None)
    biggest = max(idle["steps"], key=lambda s: s["held"])
    at_10k = next((s for s in idle["steps"] if s["held"] >= 10_000), None)
    lines = [
        "# Benchmarks: the real-time spine",
        "",
        "Written by `make bench` (bench/run.py; the method is in its docstring). Numbers are from one run on the",
        "machine below, with the server, PostgreSQL, Redis, the writer and the client processes all sharing it:",
        "on a 2-CPU machine the clients and the database take CPU the server would otherwise have.",
        "",
        f"- Date: {facts['date']}; commit {facts['commit']}",
        f"- Machine: {facts['cpu']}, {facts['nproc']} CPUs (nproc), {facts['ram']} RAM, Linux {facts['kernel']}",
        f"- Python {facts['python']}, uvicorn {facts['uvicorn']} (one process, uvloop, httptools, per-message "
        f"compression off), websockets {facts['websockets']}",
        "- Command: `make bench` (scripts/devservices.py --temp: a private PostgreSQL and Redis, then "
        "`python -m bench.run`)",
        f"- Clients: {config.client_procs} client processes; writes by one writer process over HTTP keep-alive.",
        "",
        "## Targets",
        "",
        "| target | measured | met |",
        "|---|---|---|",
    ]
    if at_100 is not None:
        lines.append(f"| p99 commit-to-client < 100 ms at 100 writes/s, {main['clients']:,} clients "
                     f"| {at_100['p99']} ms | {'yes' if at_100['p99'] < 100 else 'no'} |")
    if at_10k is not None:
        lines.append(f"| 10,000 idle sockets in one process at < 50 KB each | {at_10k['held']:,} sockets, "
                     f"{at_10k['kb_per_socket']} KB each | {'yes' if at_10k['kb_per_socket'] < 50 else 'no'} |")
    else:
        lines.append(f"| 10,000 idle sockets in one process at < 50 KB each | at most {biggest['held']:,} | no |")
    lines.append(f"| delivered messages/s ≥ half the bare `websockets` broadcast | {fan['ratio']:.2f} of it "
                 f"| {'yes' if fan['ratio'] >= 0.5 else 'no'} |")
    lines += [
        "",
        "## Commit-to-client latency",
        "",
        f"{main['clients']:,} sockets, one topic each, spread evenly over `census` and {main['topics'] - 1} ward "
        f"topics (the demo's 4 wards and {config.extra_wards} added: a hospital-sized set), so each write's two "
        f"events (`bed.updated` on its ward, `census.updated`) reach about {main['per_write_deliveries']} "
        f"sockets. Writes: `POST /api/ipd/beds/{{id}}/status` cycling AVAILABLE ↔ CLEANING on the available "
        f"beds, open loop, {config.seconds:.0f} s per rate. Latency: the client's arrival time minus the event's "
        "`ts`, the outbox row's created_at (clock_timestamp() at its INSERT, the transaction's last statement "
        "before COMMIT, so every figure includes that INSERT and the COMMIT: an upper bound).",
        "",
        *_latency_table(main),
    ]
    if "stress" in results:
        stress = results["stress"]
        lines += [
            "",
            f"Stress case: the same {stress['clients']:,} sockets over `census` and the demo's "
            f"{stress['topics'] - 1} wards only (about {stress['per_write_deliveries']} sockets per write: "
            f"{stress['per_write_deliveries'] / main['per_write_deliveries']:.0f}x the fan-out above).",
            "",
            *_latency_table(stress),
        ]
    lines += [
        "",
        "## Idle sockets in one server process",
        "",
        "Each socket authenticated as a doctor (bearer token, session checked) and subscribed to `census` "
        "(snapshot sent). Memory per socket: (RSS now - RSS after warm-up with no sockets) / sockets. "
        f"The server's open-file limit here is the hard limit (ulimit -Hn {_hard_limit()}).",
        "",
        "| sockets held | opened in | server RSS | per socket |",
        "|---|---|---|---|",
        f"| 0 (after warm-up) | | {idle['rss_before_kb'] / 1024:.0f} MB | |",
    ]
    for s in idle["steps"]:
        failed = f" ({s['failed']} failed: {'; '.join(s['errors'])})" if s["failed"] else ""
        lines.append(f"| {s['held']:,}{failed} | {s['opened_in_s']} s | {s['rss_kb'] / 1024:.0f} MB "
                     f"| {s['kb_per_socket']} KB |")
    lines += [
        "",
        f"All {idle['answered_ping']:,} sockets answered an application ping at the end. After closing them the "
        f"RSS was {idle['rss_after_close_kb'] / 1024:.0f} MB (CPython keeps freed memory for reuse); opening "
        f"{idle['reopened']:,} again left it at {idle['rss_after_reopen_kb'] / 1024:.0f} MB (leaked sockets would "
        f"have needed about {idle['reopened'] * 33 / 1024:.0f} MB more).",
        "",
        "## Delivered messages/s against a bare broadcast server",
        "",
        f"{fan['clients']:,} sockets on one topic of ours and {fan['clients']:,} on a bare `websockets` server "
        "(bench/bare.py: no auth, no topics, no queue, `websockets.broadcast`), held by the same client "
        f"processes. {config.rounds} rounds, each a burst of {fan['burst']} events ({fan['payload_bytes']} bytes "
        "each: a `bed.updated` message) committed to the outbox and published to Redis as the relay does, then "
        "the same bytes pushed by the bare server: alternating, so both see the same background load. Rate = "
        "events x clients / (last arrival - commit, or - the bare server's start).",
        "",
        "| server | messages/s per burst | median |",
        "|---|---|---|",
        f"| ours (/ws: gateway, Redis, outbox) | {', '.join(f'{r:,}' for r in fan['ours'])} "
        f"| **{fan['ours_median']:,}** |",
        f"| bare `websockets` broadcast | {', '.join(f'{r:,}' for r in fan['bare'])} | {fan['bare_median']:,} |",
        f"| ours / bare | | **{fan['ratio']:.2f}** |",
        "",
        f"Every burst complete on every socket: {'yes' if fan['complete'] else 'no'}; seq gaps seen: {fan['gaps']}.",
        "",
    ]
    lines += NOTES
    return "\n".join(lines)


NOTES = [
    "## Reading these numbers",
    "",
    "- The CPU column says where the machine's CPU went during each run. \"Other work\" is everything outside "
    "the bench (on a shared machine: other people's builds and test runs). When the machine is saturated, "
    "every hop of an event (server, Redis, client) waits for a CPU, and the tail (p99, max) shows that "
    "wait rather than the server's work; compare the server's own CPU with one CPU (100).",
    "- Profiled with py-spy (`BENCH_PROFILE=/some/dir make bench` writes collapsed stacks per run): in a "
    "fan-out burst about half of the server's time is the `transport.write` system call, one per message "
    "per socket (uvicorn's websocket protocol writes every frame at once; so does `websockets.broadcast`), "
    "about a tenth is Litestar's and uvicorn's per-message ASGI `send` layers, and the gateway's own code "
    "(topic, seq, per-socket queue) is a few per cent. In the write path the server's time is spread "
    "over the HTTP stack, the JWT and session check and seven SQL round trips per write (session, "
    "lock, update, audit row, one per topic for its counter and events, begin and commit).",
    "- Every event goes through Redis here too, as it does between processes: the single server process "
    "receives its own events back from Redis (no in-process shortcut).",
    "- Changed after profiling: (1) `db.outbox.append` takes a topic's counter and inserts its events in "
    "one statement (two round trips fewer per bed write), and takes the hospital-wide counters "
    "(`census`) last, so that hot row is locked for one statement and the COMMIT; (2) marking events "
    "published is done by a second task, coalesced, so the next publish never waits on that UPDATE; "
    "(3) the bench's writer speaks HTTP/1.1 itself over keep-alive connections: with httpx it used more "
    "CPU than the server and was what limited the rate. Measured before and after on this machine, (1) "
    "and (2) made no difference larger than the run-to-run noise (p99 about 7 ms at 100 writes/s either "
    "way while the machine was otherwise idle); they stay because they take work off the commit path.",
    "",
]


def _cpus() -> int:
    return os.cpu_count() or 1


def _hard_limit() -> int:
    import resource

    return resource.getrlimit(resource.RLIMIT_NOFILE)[1]


# --- the run ----------------------------------------------------------------------------------------


async def run(config: Config) -> dict[str, Any]:
    database_url = os.environ["DATABASE_URL"]
    logs = Path(tempfile.mkdtemp(prefix="hospital-bench-")) / "server.log"
    log(f"server log: {logs}")
    seeding = await asyncio.create_subprocess_exec(sys.executable, "-m", "server.cli", "seed", cwd=ROOT,
                                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if await seeding.wait() != 0:
        raise RuntimeError("seeding the demo hospital failed")
    await add_wards(database_url, config.extra_wards)
    procs = [spawn(clients.main) for _ in range(config.client_procs)]
    writer_proc = spawn(writer.main)
    results: dict[str, Any] = {}
    server = Server(logs)
    try:
        server.start()
        await server.wait_healthy()
        if "idle" in config.phases:
            results["idle"] = await idle_sockets(config, server, procs)
            server.stop()  # a fresh process for the rest: the idle run's memory is not the latency run's
            server = Server(logs)
            server.start()
            await server.wait_healthy()
        if "latency" in config.phases:
            results["latency"] = await latency(config, server, procs, writer_proc, None, "latency", config.rates)
            if config.stress:
                stress_writer = spawn(writer.main)
                try:
                    results["stress"] = await latency(config, server, procs, stress_writer, list(DEMO_WARDS),
                                                      "stress", config.stress_rates)
                finally:
                    await stress_writer.stop()
        if "fanout" in config.phases:
            results["fanout"] = await fanout(config, server, procs)
    finally:
        server.stop()
        for child in [*procs, writer_proc]:
            await child.stop()
    return results


def main() -> int:
    raise_open_files()
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        print("run me through `make bench` (DATABASE_URL and REDIS_URL come from scripts/devservices.py)",
              file=sys.stderr)
        return 2
    config = Config()
    if config.profile:
        Path(config.profile).mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    results = asyncio.run(run(config))
    facts = machine()
    print(json.dumps({"machine": facts, **results}, indent=1, default=str))
    if {"idle", "latency", "fanout"} <= set(config.phases):
        config.output.write_text(report(config, facts, results))
        log(f"done in {time.monotonic() - started:.0f} s; wrote {config.output}")
    else:
        log(f"done in {time.monotonic() - started:.0f} s; not every phase ran, so no report was written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
