import { act, fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { ApiClient } from "../api/client";
import { ServicesProvider } from "../app-context";
import { TextField } from "../components/forms";
import { Session } from "../session/session";
import { useDraft } from "./useDraft";

function UserForm() {
  const [form, setForm] = useDraft("admin.user", { email: "", password: "" }, { exclude: ["password"] });
  return (
    <>
      <TextField label="E-mail" name="email" value={form.email} onValue={(email) => setForm((f) => ({ ...f, email }))} />
      <TextField label="Password" name="password" value={form.password} onValue={(password) => setForm((f) => ({ ...f, password }))} />
    </>
  );
}

async function signedIn(email: string, id: string) {
  const fetchImpl = (async () =>
    new Response(JSON.stringify({ token: "t", expiresIn: 900, user: { id, email, firstName: "A", role: "ADMIN", isActive: true, version: 1 } }), {
      status: 200,
    })) as unknown as typeof fetch;
  const session = new Session({ fetch: fetchImpl, storage: window.sessionStorage, config: { idleTimeoutMinutes: 15, accessTokenMinutes: 15 } });
  await session.login(email, "demo-password");
  const api = new ApiClient({ session, fetch: fetchImpl });
  return { session, api, storage: window.sessionStorage };
}

describe("useDraft", () => {
  it("restores what the same person typed when the form comes back, but never the password", async () => {
    const services = await signedIn("admin@demo.local", "u-admin");
    const first = render(
      <ServicesProvider services={services}>
        <UserForm />
      </ServicesProvider>,
    );
    fireEvent.change(screen.getByLabelText("E-mail"), { target: { value: "new.nurse@demo.local" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "secret-secret" } });
    first.unmount();

    render(
      <ServicesProvider services={services}>
        <UserForm />
      </ServicesProvider>,
    );
    expect((screen.getByLabelText("E-mail") as HTMLInputElement).value).toBe("new.nurse@demo.local");
    expect((screen.getByLabelText("Password") as HTMLInputElement).value).toBe("");
    expect(JSON.stringify({ ...window.sessionStorage })).not.toContain("secret-secret");
    act(() => services.session.expire("expired"));
  });

  it("does not show one person's draft to another", async () => {
    const admin = await signedIn("admin@demo.local", "u-admin");
    const first = render(
      <ServicesProvider services={admin}>
        <UserForm />
      </ServicesProvider>,
    );
    fireEvent.change(screen.getByLabelText("E-mail"), { target: { value: "typed.by@admin" } });
    first.unmount();
    act(() => admin.session.expire("expired"));

    const other = await signedIn("admin2@demo.local", "u-admin-2");
    render(
      <ServicesProvider services={other}>
        <UserForm />
      </ServicesProvider>,
    );
    expect((screen.getByLabelText("E-mail") as HTMLInputElement).value).toBe("");
    act(() => other.session.expire("expired"));
  });
});
