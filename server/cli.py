"""Command line: migrate, seed the demo hospital, serve, check the audit seals.

`python -m server.cli serve --migrate --seed` is what `make run` calls.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

from server.logs import configure_logging
from server.settings import Settings, settings

log = logging.getLogger("hospital.cli")


def migrate(config: Settings) -> None:
    """Apply Piccolo migrations as the schema owner, then grant the app role what it may do."""
    piccolo = Path(sys.executable).parent / "piccolo"
    env = {**os.environ, "DATABASE_URL": config.database_owner_url, "PICCOLO_CONF": "piccolo_conf"}
    subprocess.run([str(piccolo), "migrations", "forwards", "db"], check=True, env=env)
    asyncio.run(_grant_app_role(config))


async def _grant_app_role(config: Settings) -> None:
    app_role = urlsplit(config.database_url).username
    owner_role = urlsplit(config.database_owner_url).username
    if not app_role or app_role == owner_role:
        log.warning("the app connects as the schema owner: audit rows are protected only by the trigger")
        return
    conn = await asyncpg.connect(config.database_owner_url)
    try:
        quoted = '"' + app_role.replace('"', '""') + '"'
        await conn.execute(f"GRANT USAGE ON SCHEMA public TO {quoted}")
        await conn.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}")
        await conn.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
        # The audit trail is append-only for the app: it may add rows, never change or remove them.
        await conn.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, audit_seals FROM {quoted}")
    finally:
        await conn.close()


def seed(config: Settings) -> None:
    asyncio.run(_seed(config))


async def _seed(config: Settings) -> None:
    from db.connection import close_pool, start_pool
    from db.seed import seed_demo_hospital

    await start_pool()
    try:
        summary = await seed_demo_hospital(demo_password=config.demo_password)
    finally:
        await close_pool()
    log.info("demo hospital seeded: %s", summary.describe())


def serve(config: Settings) -> None:
    import uvicorn

    uvicorn.run(
        "server.app:create_app",
        factory=True,
        host=config.host,
        port=config.port,
        log_config=None,
        proxy_headers=False,
        # Live sockets: no per-message compression (memory and CPU per socket; a proxy may compress), and
        # client frames are small (the gateway refuses more than 16 KiB anyway).
        ws_per_message_deflate=False,
        ws_max_size=64 * 1024,
    )


def audit_check(config: Settings) -> int:
    from db.audit import verify_audit_chain

    report = asyncio.run(verify_audit_chain(config.database_url))
    print(report.summary)
    return 0 if report.ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server.cli", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply migrations and grants")
    sub.add_parser("seed", help="seed the demo hospital (idempotent)")
    sub.add_parser("audit-check", help="verify audit rows against their seals")
    serve_parser = sub.add_parser("serve", help="serve the platform")
    serve_parser.add_argument("--migrate", action="store_true")
    serve_parser.add_argument("--seed", action="store_true")
    args = parser.parse_args(argv)
    config = settings()
    configure_logging(config.log_format)
    if args.command == "migrate":
        migrate(config)
    elif args.command == "seed":
        seed(config)
    elif args.command == "audit-check":
        return audit_check(config)
    elif args.command == "serve":
        if args.migrate:
            migrate(config)
        if args.seed:
            seed(config)
        serve(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
