// Staff accounts: list (by role), create, change role, deactivate and reactivate. Changes carry the
// version they were based on (If-Match): if someone else changed the account first, the server says so.

import { useRef, useState, type FormEvent } from "react";
import { useApi } from "../../app-context";
import { IdempotencyKeys } from "../../api/client";
import { useApiGet } from "../../api/useApiGet";
import type { ApiError } from "../../api/errors";
import type { UsersPage } from "../../api/types";
import { Button, ErrorSummary, SelectField, TextField, asApiError } from "../../components/forms";
import { useDraft } from "../../drafts/useDraft";
import { formatDateTime } from "../../format";
import { ROLES, ROLE_LABELS, displayName, type Role, type User } from "../../session/types";

const ROLE_OPTIONS = ROLES.map((role) => ({ value: role, label: ROLE_LABELS[role] }));
const BLANK = { email: "", firstName: "", lastName: "", role: "NURSE", password: "" };

export function Users() {
  const [filter, setFilter] = useState<"" | Role>("");
  const { data: page, error: loadError, reload: load } = useApiGet<UsersPage>("/api/users", {
    role: filter || undefined,
    limit: 500,
  });
  const [actionError, setListError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const listError = actionError ?? loadError;

  return (
    <div className="space-y-8">
      <h1 className="text-2xl font-bold">Staff accounts</h1>
      <CreateUser
        onCreated={(user) => {
          setNotice(`Created ${displayName(user)} (${user.email}).`);
          load();
        }}
      />
      <section aria-labelledby="user-list" className="space-y-3">
        <div className="flex flex-wrap items-end gap-3">
          <h2 id="user-list" className="text-lg font-semibold">
            Accounts{page ? ` (${page.total})` : ""}
          </h2>
          <SelectField
            className="ml-auto w-56"
            label="Show role"
            name="roleFilter"
            value={filter}
            onValue={(value) => setFilter(value as "" | Role)}
            options={[{ value: "", label: "All roles" }, ...ROLE_OPTIONS]}
          />
        </div>
        {notice ? (
          <p role="status" className="rounded-md bg-green-50 p-3 text-sm text-green-900">
            {notice}
          </p>
        ) : null}
        <ErrorSummary error={listError} />
        {page === null ? (
          <p className="text-sm text-slate-500">Loading…</p>
        ) : (
          <table className="w-full border-collapse text-left text-sm" data-testid="users">
            <thead>
              <tr className="border-b border-slate-300 text-slate-600">
                <th scope="col" className="py-2 pr-3">Name</th>
                <th scope="col" className="py-2 pr-3">E-mail</th>
                <th scope="col" className="py-2 pr-3">Role</th>
                <th scope="col" className="py-2 pr-3">Last sign-in</th>
                <th scope="col" className="py-2 pr-3">Status</th>
              </tr>
            </thead>
            <tbody>
              {page.users.map((user) => (
                <UserRow
                  key={`${user.id}:${user.version}`}
                  user={user}
                  onChanged={(message) => {
                    setNotice(message);
                    setListError(null);
                    load();
                  }}
                  onError={setListError}
                />
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

function UserRow({
  user,
  onChanged,
  onError,
}: {
  user: User;
  onChanged: (message: string) => void;
  onError: (error: ApiError) => void;
}) {
  const api = useApi();
  const [role, setRole] = useState<Role>(user.role);
  const [busy, setBusy] = useState(false);

  async function act(work: () => Promise<unknown>, message: string) {
    setBusy(true);
    try {
      await work();
      onChanged(message);
    } catch (caught) {
      const failure = asApiError(caught);
      onError(failure);
      // 412: someone else changed the account; the refreshed list shows what it is now.
      if (failure.status === 412) onChanged(`${displayName(user)} was changed by someone else; here is the account as it is now.`);
    } finally {
      setBusy(false);
    }
  }

  const name = displayName(user);
  return (
    <tr className="border-b border-slate-100" data-user={user.email}>
      <td className="py-2 pr-3 font-medium">{name}</td>
      <td className="py-2 pr-3">{user.email}</td>
      <td className="py-2 pr-3">
        <div className="flex items-center gap-2">
          <select
            aria-label={`Role of ${name}`}
            value={role}
            onChange={(event) => setRole(event.target.value as Role)}
            className="rounded border border-slate-300 px-2 py-1"
          >
            {ROLE_OPTIONS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
          {role !== user.role ? (
            <Button
              disabled={busy}
              onClick={() =>
                void act(
                  () => api.put(`/api/users/${user.id}/role`, { role }, { ifMatch: user.version }),
                  `${name} is now ${ROLE_LABELS[role]}.`,
                )
              }
            >
              Save role
            </Button>
          ) : null}
        </div>
      </td>
      <td className="py-2 pr-3">{user.lastLogin ? formatDateTime(user.lastLogin) : "Never"}</td>
      <td className="py-2 pr-3">
        <span className="mr-2">{user.isActive ? "Active" : "Deactivated"}</span>
        <Button
          variant="secondary"
          disabled={busy}
          onClick={() =>
            void act(
              () =>
                api.post(`/api/users/${user.id}/${user.isActive ? "deactivate" : "activate"}`, undefined, {
                  ifMatch: user.version,
                }),
              `${name} is ${user.isActive ? "deactivated" : "active again"}.`,
            )
          }
        >
          {user.isActive ? "Deactivate" : "Activate"}
        </Button>
      </td>
    </tr>
  );
}

function CreateUser({ onCreated }: { onCreated: (user: User) => void }) {
  const api = useApi();
  // The password is never written to the draft.
  const [form, setForm, clearForm] = useDraft("admin.user", BLANK, { exclude: ["password"] });
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<User | null>(null);
  const keys = useRef(new IdempotencyKeys(() => api.newIdempotencyKey()));
  const set = (name: keyof typeof BLANK) => (value: string) => setForm((f) => ({ ...f, [name]: value }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    const body: Record<string, unknown> = {
      email: form.email.trim(),
      firstName: form.firstName.trim(),
      role: form.role,
    };
    if (form.lastName.trim()) body.lastName = form.lastName.trim();
    if (form.password) body.password = form.password;
    setBusy(true);
    setError(null);
    setCreated(null);
    try {
      const answer = await api.post<{ user: User }>("/api/users", body, { idempotencyKey: keys.current.keyFor(body) });
      keys.current.done();
      clearForm();
      setCreated(answer.user);
      onCreated(answer.user);
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="new-user" className="space-y-3">
      <h2 id="new-user" className="text-lg font-semibold">
        Create an account
      </h2>
      {created?.temporaryPassword ? (
        <p role="status" className="rounded-md bg-green-50 p-3 text-sm text-green-900" data-testid="temporary-password">
          One-time password for {created.email}: <span className="font-mono font-semibold">{created.temporaryPassword}</span>{" "}
          — give it to them now; it is not shown again.
        </p>
      ) : null}
      <ErrorSummary error={error} placed={["email", "firstName", "lastName", "role", "password", "name"]} />
      <form onSubmit={submit} className="grid gap-3 sm:grid-cols-2 lg:grid-cols-5 lg:items-end">
        <TextField label="E-mail" name="email" type="email" required value={form.email} onValue={set("email")} error={error} autoComplete="off" />
        <TextField label="First name" name="firstName" required value={form.firstName} onValue={set("firstName")} error={error} autoComplete="off" />
        <TextField label="Last name" name="lastName" value={form.lastName} onValue={set("lastName")} error={error} autoComplete="off" />
        <SelectField label="Role" name="role" value={form.role} onValue={set("role")} options={ROLE_OPTIONS} error={error} />
        <TextField
          label="Password"
          name="password"
          type="password"
          value={form.password}
          onValue={set("password")}
          error={error}
          autoComplete="new-password"
          hint="At least 10 characters; leave empty for a one-time password"
        />
        <div>
          <Button type="submit" disabled={busy}>
            {busy ? "Creating…" : "Create account"}
          </Button>
        </div>
      </form>
    </section>
  );
}
