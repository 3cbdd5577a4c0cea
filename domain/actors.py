"""Who is acting: a signed-in staff member or an unattended device (a waiting-room display, a board).

The actor always comes from the verified token, never from a request body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from domain.roles import Role


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: UUID | None
    role: Role | None
    session_id: UUID | None = None
    ip_address: str | None = None
    user_agent: str | None = None
    device_id: UUID | None = None
    # Topics an unattended device may watch; devices are read-only and hold no personal session.
    device_topics: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_device(self) -> bool:
        return self.device_id is not None

    @property
    def is_staff(self) -> bool:
        return self.user_id is not None and self.role is not None


SYSTEM = Actor(user_id=None, role=None)
