"""Settings read once from the environment at start-up.

Nothing else in the code base reads os.environ: pass a `Settings` (or one of its fields) instead.
"""

from __future__ import annotations

import os
from functools import lru_cache
from urllib.parse import urlsplit

import msgspec


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str
    # Migrations and the audit sealer run as the owner of the schema; the app as a role that
    # may INSERT audit rows but never UPDATE or DELETE them. Defaults to database_url.
    database_owner_url: str
    redis_url: str | None
    host: str = "127.0.0.1"
    port: int = 8000
    environment: str = "development"
    jwt_secret: str
    jwt_audience: str = "hospital-live"
    access_token_minutes: int = 15
    refresh_token_days: int = 7
    idle_timeout_minutes: int = 15
    session_absolute_hours: int = 12
    login_max_failures: int = 5
    login_lock_minutes: int = 15
    cors_origins: tuple[str, ...] = ()
    demo_password: str = "demo-password"  # noqa: S105 - the documented demo log-in, used only by the seed
    outbox_retention_hours: int = 24
    log_format: str = "text"
    audit_seal_interval_seconds: float = 2.0
    # A critical alert nobody acknowledged escalates after this long (then again at each rung).
    alert_escalation_minutes: int = 10
    # The HL7 v2 (MLLP) listener for analyzers: off unless a port is set.
    hl7_host: str = "127.0.0.1"
    hl7_port: int | None = None
    # Where imaging files are kept (a git-ignored folder by default), and how long a signed URL lives.
    imaging_storage_dir: str = ".data/imaging"
    signed_url_seconds: int = 300
    # An S3-compatible store instead of the folder, when a bucket is named (the endpoint only for non-AWS stores;
    # no key pair: boto3's own credential chain).
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    # IPD: how long after a discharge it may still be reverted; how long a NEWS2 alert of each band may go
    # unacknowledged before it escalates (low-medium, medium, high).
    discharge_revert_hours: int = 24
    news2_escalation_minutes: tuple[int, int, int] = (30, 15, 5)

    @property
    def is_production(self) -> bool:
        return self.environment == "production"


_DEV_JWT_SECRET = "development-only-secret-change-me-0123456789abcdef"  # noqa: S105


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SystemExit(f"setting {name} must be an integer, got {raw!r}") from exc


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    database_url = env.get("DATABASE_URL", "postgresql://ehr_app@127.0.0.1:5432/hospital")
    environment = env.get("ENVIRONMENT", "development")
    jwt_secret = env.get("JWT_SECRET", "")
    if not jwt_secret:
        if environment == "production":
            raise SystemExit("JWT_SECRET must be set in production")
        jwt_secret = _DEV_JWT_SECRET
    origins = tuple(o.strip() for o in env.get("CORS_ORIGINS", "").split(",") if o.strip())
    return Settings(
        database_url=database_url,
        database_owner_url=env.get("DATABASE_OWNER_URL") or database_url,
        redis_url=env.get("REDIS_URL") or None,
        host=env.get("HOST", "127.0.0.1"),
        port=_int(env, "PORT", 8000),
        environment=environment,
        jwt_secret=jwt_secret,
        jwt_audience=env.get("JWT_AUDIENCE", "hospital-live"),
        access_token_minutes=_int(env, "ACCESS_TOKEN_MINUTES", 15),
        refresh_token_days=_int(env, "REFRESH_TOKEN_DAYS", 7),
        idle_timeout_minutes=_int(env, "IDLE_TIMEOUT_MINUTES", 15),
        session_absolute_hours=_int(env, "SESSION_ABSOLUTE_HOURS", 12),
        login_max_failures=_int(env, "LOGIN_MAX_FAILURES", 5),
        login_lock_minutes=_int(env, "LOGIN_LOCK_MINUTES", 15),
        cors_origins=origins,
        demo_password=env.get("DEMO_PASSWORD", "demo-password"),
        outbox_retention_hours=_int(env, "OUTBOX_RETENTION_HOURS", 24),
        log_format=env.get("LOG_FORMAT", "json" if environment == "production" else "text"),
        alert_escalation_minutes=_int(env, "ALERT_ESCALATION_MINUTES", 10),
        hl7_host=env.get("HL7_HOST") or env.get("HOST", "127.0.0.1"),
        hl7_port=_int(env, "HL7_PORT", 0) or None,
        imaging_storage_dir=env.get("IMAGING_STORAGE_DIR") or ".data/imaging",
        signed_url_seconds=_int(env, "SIGNED_URL_SECONDS", 300),
        s3_bucket=env.get("S3_BUCKET") or None,
        s3_endpoint_url=env.get("S3_ENDPOINT_URL") or None,
        s3_region=env.get("S3_REGION") or None,
        s3_access_key_id=env.get("S3_ACCESS_KEY_ID") or None,
        s3_secret_access_key=env.get("S3_SECRET_ACCESS_KEY") or None,
        discharge_revert_hours=_int(env, "DISCHARGE_REVERT_HOURS", 24),
        news2_escalation_minutes=(_int(env, "NEWS2_ESCALATION_MINUTES_LOW_MEDIUM", 30),
                                  _int(env, "NEWS2_ESCALATION_MINUTES_MEDIUM", 15),
                                  _int(env, "NEWS2_ESCALATION_MINUTES_HIGH", 5)),
    )


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()


def postgres_config(url: str) -> dict[str, object]:
    """Piccolo's PostgresEngine takes asyncpg connect() keywords rather than a URL."""
    parts = urlsplit(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": parts.username or "postgres",
        "password": parts.password,
        "database": (parts.path or "/hospital").lstrip("/"),
    }
