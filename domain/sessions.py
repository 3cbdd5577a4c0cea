"""Rules for personal sessions and sign-in throttling: idle and absolute limits, slowing and lock-outs.

Lock-outs are keyed so an attacker cannot lock a real user out for long: the long lock is per account *and*
address; the account-wide lock is short; addresses that spray many accounts are refused with 429.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=15)
    absolute: timedelta = timedelta(hours=12)
    refresh_lifetime: timedelta = timedelta(days=7)
    # How often a session's last activity is written: finer would make every request a write.
    touch_every: timedelta = timedelta(seconds=30)


def session_is_usable(
    *, now: datetime, last_seen_at: datetime, expires_at: datetime, revoked_at: datetime | None,
    policy: SessionPolicy,
) -> bool:
    if revoked_at is not None or now >= expires_at:
        return False
    return now - last_seen_at < policy.idle


def needs_touch(*, now: datetime, last_seen_at: datetime, policy: SessionPolicy) -> bool:
    return now - last_seen_at >= policy.touch_every


class ThrottleScope(StrEnum):
    ACCOUNT_AT_ADDRESS = "account-at-address"
    ACCOUNT = "account"
    ADDRESS = "address"


@dataclass(frozen=True, slots=True)
class ThrottleRule:
    scope: ThrottleScope
    max_failures: int
    lock_for: timedelta
    answer: int  # 423 locked, 429 too many attempts


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    window: timedelta = timedelta(minutes=15)
    account_at_address_failures: int = 5
    account_at_address_lock: timedelta = timedelta(minutes=15)
    account_failures: int = 20
    account_lock: timedelta = timedelta(minutes=5)
    address_failures: int = 50
    address_lock: timedelta = timedelta(minutes=15)
    slow_after: int = 3
    max_delay_seconds: float = 4.0

    def rules(self) -> tuple[ThrottleRule, ...]:
        return (
            ThrottleRule(ThrottleScope.ACCOUNT_AT_ADDRESS, self.account_at_address_failures,
                         self.account_at_address_lock, 423),
            ThrottleRule(ThrottleScope.ACCOUNT, self.account_failures, self.account_lock, 423),
            ThrottleRule(ThrottleScope.ADDRESS, self.address_failures, self.address_lock, 429),
        )


def throttle_key(scope: ThrottleScope, *, email: str, address: str) -> str:
    email = email.strip().lower()
    if scope is ThrottleScope.ACCOUNT_AT_ADDRESS:
        return f"account-at-address:{email}|{address}"
    if scope is ThrottleScope.ACCOUNT:
        return f"account:{email}"
    return f"address:{address}"


def failure_delay_seconds(failures: int, policy: ThrottlePolicy) -> float:
    """Seconds to hold a failed answer: nothing for the first slips, then doubling up to a cap."""
    if failures < policy.slow_after:
        return 0.0
    return float(min(2 ** (failures - policy.slow_after) * 0.5, policy.max_delay_seconds))


def seconds_until(now: datetime, until: datetime) -> int:
    return max(1, int((until - now).total_seconds() + 0.999))
