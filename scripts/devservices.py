"""Start a private PostgreSQL (and Redis, when redis-server is on PATH) and run one command against them.

`make run` keeps their data under .data/; `make test` uses a fresh temporary folder and free ports.
DATABASE_URL or REDIS_URL in the environment means "use that one, start nothing". Standard library only.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def log(message: str) -> None:
    print(f"[devservices] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{what} did not start listening on port {port}")


def postgres_bin() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if candidates:
        return Path(candidates[-1])
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    raise SystemExit("PostgreSQL server binaries not found (pg_ctl); install postgresql or set DATABASE_URL")


class Postgres:
    """A private cluster. PostgreSQL refuses to run as root: then it runs as the `postgres` system user."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "pg"
        self.bin = postgres_bin()
        self.port = free_port()
        self.as_user: str | None = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError as exc:
                raise SystemExit("running as root needs the 'postgres' system user to run PostgreSQL") from exc
            self.as_user = "postgres"

    def _run(self, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if self.as_user:
            cmd = ["runuser", "-u", self.as_user, "--", *cmd]
        return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)  # type: ignore[call-overload]

    def _credentials(self) -> dict[str, str]:
        path = self.folder / "credentials.json"
        if path.exists():
            return dict(json.loads(path.read_text()))
        creds = {name: secrets.token_urlsafe(18) for name in ("superuser", "owner", "app")}
        path.write_text(json.dumps(creds))
        path.chmod(0o600)
        return creds

    def start(self) -> dict[str, str]:
        self.folder.mkdir(parents=True, exist_ok=True)
        creds = self._credentials()
        if self.as_user:
            self.folder.chmod(0o755)
            shutil.chown(self.folder, user=self.as_user)
        if not (self.data / "PG_VERSION").exists():
            pwfile = self.folder / "pwfile"
            pwfile.write_text(creds["superuser"])
            if self.as_user:
                shutil.chown(pwfile, user=self.as_user)
            self._run(
                str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-E", "UTF8",
                "--locale=C.UTF-8", "--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={pwfile}",
            )
            pwfile.unlink()
        log(f"starting PostgreSQL on 127.0.0.1:{self.port} (data in {self.data})")
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "postgres.log"), "-w",
            "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=200 -c shared_buffers=256MB",
            "start",
        )
        self._ensure_roles(creds)
        base = f"127.0.0.1:{self.port}/hospital"
        return {
            "DATABASE_URL": f"postgresql://ehr_app:{creds['app']}@{base}",
            "DATABASE_OWNER_URL": f"postgresql://ehr_owner:{creds['owner']}@{base}",
        }

    def _psql(self, sql: str, database: str = "postgres") -> str:
        out = self._run(
            "psql", "-h", str(self.folder), "-p", str(self.port), "-U", "postgres", "-d", database,
            "-v", "ON_ERROR_STOP=1", "-tAc", sql,
        )
        return out.stdout.strip()

    def _ensure_roles(self, creds: dict[str, str]) -> None:
        for role, key in (("ehr_owner", "owner"), ("ehr_app", "app")):
            if not self._psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{role}'"):
                self._psql(f"CREATE ROLE {role} LOGIN PASSWORD '{creds[key]}'")
        if not self._psql("SELECT 1 FROM pg_database WHERE datname = 'hospital'"):
            self._psql("CREATE DATABASE hospital OWNER ehr_owner")
            # Extensions need a superuser; everything else is done by the owner role's migrations.
            self._psql("CREATE EXTENSION IF NOT EXISTS pg_trgm", database="hospital")
            self._psql("REVOKE CREATE ON SCHEMA public FROM PUBLIC", database="hospital")
            self._psql("ALTER SCHEMA public OWNER TO ehr_owner", database="hospital")

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
            log("PostgreSQL stopped")
        except subprocess.CalledProcessError as exc:
            log(f"PostgreSQL stop failed: {exc.stderr.strip()}")


class Redis:
    def __init__(self, folder: Path, binary: str) -> None:
        self.folder = folder
        self.binary = binary
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> dict[str, str]:
        self.folder.mkdir(parents=True, exist_ok=True)
        log(f"starting Redis on 127.0.0.1:{self.port}")
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder), "--logfile", str(self.folder / "redis.log")],
            start_new_session=True,
        )
        wait_for_port(self.port, "Redis")
        return {"REDIS_URL": f"redis://127.0.0.1:{self.port}/0"}

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            log("Redis stopped")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--data", type=Path, help="keep the servers' data in this folder")
    where.add_argument("--temp", action="store_true", help="use a fresh temporary folder, removed afterwards")
    parser.add_argument("--require-redis", action="store_true", help="fail when no Redis can be had")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give a command after --")

    folder = Path(tempfile.mkdtemp(prefix="hospital-")) if args.temp else args.data.resolve()
    env = dict(os.environ)
    started: list[Postgres | Redis] = []
    child: subprocess.Popen[bytes] | None = None

    def forward(signum: int, _frame: object) -> None:
        if child and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    try:
        if not env.get("DATABASE_URL"):
            pg = Postgres(folder)
            started.append(pg)
            env.update(pg.start())
        if not env.get("REDIS_URL"):
            binary = shutil.which("redis-server")
            if binary:
                redis = Redis(folder / "redis", binary)
                started.append(redis)
                env.update(redis.start())
            elif args.require_redis:
                raise SystemExit("redis-server is not installed and REDIS_URL is not set")
        child = subprocess.Popen(command, env=env)
        return child.wait()
    finally:
        for service in reversed(started):
            service.stop()
        if args.temp:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
