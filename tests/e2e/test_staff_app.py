"""The staff app in a real browser against the real server: reception, the ADMIN screens, and sessions."""

from __future__ import annotations


async def test_receptionist_finds_a_seeded_patient_registers_one_and_is_stopped_at_a_duplicate(run_scenario):
    # Search by MRN, name and phone; a field error beside its field; register; the 409 candidates and
    # "register anyway" (confirmNotDuplicate); each POST with its own Idempotency-Key.
    assert "ok reception" in await run_scenario("reception")


async def test_admin_manages_accounts_issues_and_revokes_a_device_token_and_logs_out(run_scenario):
    # Create, change role (If-Match), deactivate; device token shown once, last use listed, revoked; log out.
    assert "ok admin" in await run_scenario("admin")


async def test_ended_session_returns_to_log_in_keeping_the_typed_draft_and_switch_user_clears_it(run_scenario):
    assert "ok expired-session" in await run_scenario("expired-session")


async def test_idle_time_out_warns_then_returns_to_log_in_keeping_the_typed_draft(run_scenario):
    assert "ok idle-session" in await run_scenario("idle-session")


async def test_a_registration_reaches_the_other_desk_live_and_a_desk_back_online_catches_up(run_scenario):
    # Two browsers on /reception through the TypeScript live client and the real /ws: one registers, the
    # other shows the MRN within 2 s; the other goes offline, misses one, and resumes with `since`.
    assert "ok live-registrations" in await run_scenario("live-registrations")
