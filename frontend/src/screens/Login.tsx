// The log-in page. After an expiry or idle time-out it says so, offers the same person's e-mail, and
// brings them back to where they were with their unsaved form intact.

import { useState, type FormEvent } from "react";
import { useLocation, useNavigate } from "react-router";
import { useServices, useSessionState } from "../app-context";
import type { ApiError } from "../api/errors";
import { Button, ErrorSummary, TextField, asApiError } from "../components/forms";
import { mainScreenPath, mayOpen } from "../screens";

const REASONS = {
  expired: "Your session has ended. Sign in again to carry on: what you were typing is kept.",
  idle: "You were signed out after a spell of inactivity. Sign in again to carry on: what you were typing is kept.",
  switched: "Signed out. The next person can sign in.",
  "signed-out": "You have signed out.",
} as const;

export function Login() {
  const { session } = useServices();
  const state = useSessionState();
  const navigate = useNavigate();
  // The address the page was opened at (a bookmarked /census): where to go after signing in, if allowed.
  const { pathname: openedAt, search: openedWith } = useLocation();
  const [email, setEmail] = useState(state.resumeEmail ?? "");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const user = await session.login(email.trim(), password);
      const back = session.takeReturnTo(user.id);
      const wanted = back ?? (openedAt !== "/" ? `${openedAt}${openedWith}` : null);
      const wantedPath = wanted?.split("?")[0] ?? null;
      navigate(wanted && wantedPath && mayOpen(user.role, wantedPath) ? wanted : mainScreenPath(user.role), { replace: true });
    } catch (caught) {
      setError(asApiError(caught));
      setBusy(false);
    }
  }

  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <form
        onSubmit={submit}
        aria-labelledby="login-title"
        className="w-full max-w-sm space-y-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm"
      >
        <div>
          <p className="text-sm font-semibold uppercase tracking-wide text-teal-700">Hospital Live</p>
          <h1 id="login-title" className="text-2xl font-bold">
            Sign in
          </h1>
        </div>
        {state.reason ? (
          <p role="status" className="rounded-md bg-amber-50 p-3 text-sm text-amber-900" data-testid="login-reason">
            {REASONS[state.reason]}
          </p>
        ) : null}
        <ErrorSummary error={error} placed={["email", "password"]} />
        <TextField
          label="E-mail"
          name="email"
          type="email"
          autoComplete="username"
          required
          autoFocus={!email}
          value={email}
          onValue={setEmail}
          error={error}
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          autoFocus={Boolean(email)}
          value={password}
          onValue={setPassword}
          error={error}
        />
        <Button type="submit" className="w-full" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </Button>
      </form>
    </main>
  );
}
