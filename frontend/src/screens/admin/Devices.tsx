// Device tokens for unattended screens (waiting-room displays, ward and census boards): issue one bound
// to topics (a waiting room's `display:{departmentId}` chosen from the departments that run an OPD), show its
// token exactly once, see when each was last used, revoke.

import { useRef, useState, type FormEvent } from "react";
import { useApi } from "../../app-context";
import { IdempotencyKeys } from "../../api/client";
import { useApiGet } from "../../api/useApiGet";
import { ApiError } from "../../api/errors";
import type { Device } from "../../api/types";
import { opdDepartments, useDepartments, type Department } from "../../api/departments";
import { Button, ErrorSummary, SelectField, TextField, asApiError } from "../../components/forms";
import { useDraft } from "../../drafts/useDraft";
import { formatDateTime } from "../../format";

const TOPIC = /^[a-z]+(:[A-Za-z0-9_-]+)?$/;

export function parseTopics(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).map((t) => t.trim()).filter(Boolean))];
}

/** The topics field with `topic` added (once). */
export function withTopic(text: string, topic: string): string {
  return parseTopics(`${text}, ${topic}`).join(", ");
}

/** A topic as a person reads it: "Waiting room: General Medicine" for display:{id} of a known department. */
export function topicLabel(topic: string, departments: readonly Department[] | null | undefined): string {
  const [kind, id] = topic.split(":");
  if (kind === "display" && id) {
    const department = departments?.find((d) => d.id === id);
    if (department) return `Waiting room: ${department.name}`;
  }
  return topic;
}

/**
 * The link to open once on the screen itself, for each topic that is a screen: the app keeps the token in
 * that browser and takes it out of the address (src/device/device.ts).
 */
export function screenLinks(topics: readonly string[], token: string, origin: string): { topic: string; url: string }[] {
  const links = [];
  for (const topic of topics) {
    const [kind, id] = topic.split(":");
    const path = kind === "census" && !id ? "/census" : kind === "ward" && id ? `/ward/${id}` : kind === "display" && id ? `/display/${id}` : null;
    if (path) links.push({ topic, url: `${origin}${path}?device=${encodeURIComponent(token)}` });
  }
  return links;
}

export function Devices() {
  const api = useApi();
  const { data: list, error: loadError, reload: load } = useApiGet<{ devices: Device[] }>("/api/devices");
  const devices = list?.devices ?? null;
  const [revokeError, setListError] = useState<ApiError | null>(null);
  const listError = revokeError ?? loadError;
  const [form, setForm, clearForm] = useDraft("admin.device", { name: "", topics: "" });
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [issued, setIssued] = useState<Device | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const keys = useRef(new IdempotencyKeys(() => api.newIdempotencyKey()));
  const departments = useDepartments().data?.departments ?? null;

  async function create(event: FormEvent) {
    event.preventDefault();
    const topics = parseTopics(form.topics);
    const bad = topics.filter((t) => !TOPIC.test(t));
    if (topics.length === 0 || bad.length > 0) {
      setError(
        new ApiError({
          status: 422,
          error: "Unprocessable Entity",
          detail: "The device needs at least one topic, written like census, ward:<ward id> or display:<department id>",
          fields: { topics: bad.length > 0 ? `not a topic: ${bad.join(", ")}` : "give at least one topic" },
        }),
      );
      return;
    }
    const body = { name: form.name.trim(), topics };
    setBusy(true);
    setError(null);
    try {
      const device = await api.post<Device>("/api/devices", body, { idempotencyKey: keys.current.keyFor(body) });
      keys.current.done();
      clearForm();
      setIssued(device);
      load();
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  async function revoke(device: Device) {
    setConfirming(null);
    try {
      await api.post<Device>(`/api/devices/${device.id}/revoke`);
      setListError(null);
      load();
    } catch (caught) {
      setListError(asApiError(caught));
    }
  }

  return (
    <div className="space-y-8">
      <h1 className="text-2xl font-bold">Device tokens</h1>
      <p className="max-w-3xl text-sm text-slate-600">
        A device token lets an unattended screen (a waiting-room display, a ward or census board) sign in by
        itself, read-only, to the topics it is bound to. The token is shown once, when it is issued.
      </p>

      <section aria-labelledby="new-device" className="space-y-3">
        <h2 id="new-device" className="text-lg font-semibold">
          Issue a device token
        </h2>
        {issued?.token ? (
          <div role="status" className="space-y-2 rounded-md border border-green-300 bg-green-50 p-3" data-testid="issued-token">
            <p className="font-semibold text-green-900">
              Token for “{issued.name}”. Copy it into the device now: it will not be shown again.
            </p>
            <input
              readOnly
              aria-label="Device token"
              value={issued.token}
              onFocus={(event) => event.currentTarget.select()}
              className="block w-full rounded border border-green-400 bg-white px-3 py-2 font-mono text-sm"
            />
            {screenLinks(issued.topics, issued.token, window.location.origin).length > 0 ? (
              <div className="space-y-1" data-testid="screen-links">
                <p className="text-sm text-green-900">
                  Or open this link once on the screen itself (it keeps the token and removes it from the address):
                </p>
                <ul className="space-y-1">
                  {screenLinks(issued.topics, issued.token, window.location.origin).map((link) => (
                    <li key={link.topic} className="flex flex-wrap items-center gap-2 text-sm">
                      <span className="text-xs">{topicLabel(link.topic, departments)}</span>
                      <input
                        readOnly
                        aria-label={`Screen link for ${link.topic}`}
                        value={link.url}
                        onFocus={(event) => event.currentTarget.select()}
                        className="min-w-0 flex-1 rounded border border-green-400 bg-white px-2 py-1 font-mono text-xs"
                      />
                    </li>
                  ))}
                </ul>
              </div>
            ) : null}
            <div className="flex gap-2">
              <Button variant="secondary" onClick={() => void navigator.clipboard?.writeText(issued.token ?? "")}>
                Copy
              </Button>
              <Button onClick={() => setIssued(null)}>Done, hide it</Button>
            </div>
          </div>
        ) : null}
        <form onSubmit={create} className="grid gap-3 sm:grid-cols-[1fr_2fr_auto] sm:items-end">
          <TextField label="Name" name="name" required maxLength={100} value={form.name} onValue={(name) => setForm((f) => ({ ...f, name }))} error={error} autoComplete="off" />
          <TextField
            label="Topics"
            name="topics"
            required
            value={form.topics}
            onValue={(topics) => setForm((f) => ({ ...f, topics }))}
            error={error}
            hint="Separated by commas: census, ward:<ward id>, display:<department id>, lab:<section>, imaging"
            autoComplete="off"
          />
          <Button type="submit" disabled={busy}>
            {busy ? "Issuing…" : "Issue token"}
          </Button>
          {departments ? (
            <SelectField
              label="Add a waiting-room display"
              name="displayDepartment"
              value=""
              onValue={(id) => id && setForm((f) => ({ ...f, topics: withTopic(f.topics, `display:${id}`) }))}
              options={[
                { value: "", label: "Choose the department…" },
                ...opdDepartments(departments).map((d) => ({ value: d.id, label: d.name })),
              ]}
              className="sm:col-start-2"
            />
          ) : null}
        </form>
        <ErrorSummary error={error} placed={["name", "topics"]} />
      </section>

      <section aria-labelledby="device-list" className="space-y-3">
        <h2 id="device-list" className="text-lg font-semibold">
          Devices
        </h2>
        <ErrorSummary error={listError} />
        {devices === null ? (
          <p className="text-sm text-slate-500">Loading…</p>
        ) : devices.length === 0 ? (
          <p className="text-sm text-slate-500">No device tokens yet.</p>
        ) : (
          <table className="w-full border-collapse text-left text-sm" data-testid="devices">
            <thead>
              <tr className="border-b border-slate-300 text-slate-600">
                <th scope="col" className="py-2 pr-3">Name</th>
                <th scope="col" className="py-2 pr-3">Topics</th>
                <th scope="col" className="py-2 pr-3">Issued</th>
                <th scope="col" className="py-2 pr-3">Last used</th>
                <th scope="col" className="py-2 pr-3">Status</th>
                <th scope="col" className="py-2 pr-3"><span className="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {devices.map((device) => (
                <tr key={device.id} className="border-b border-slate-100" data-device={device.name}>
                  <td className="py-2 pr-3 font-medium">{device.name}</td>
                  <td className="py-2 pr-3 text-xs">
                    {device.topics.map((t) => topicLabel(t, departments)).join(", ")}
                  </td>
                  <td className="py-2 pr-3">{formatDateTime(device.createdAt)}</td>
                  <td className="py-2 pr-3">{device.lastUsedAt ? formatDateTime(device.lastUsedAt) : "Never"}</td>
                  <td className="py-2 pr-3">
                    {device.revokedAt ? `Revoked ${formatDateTime(device.revokedAt)}` : "Active"}
                  </td>
                  <td className="py-2 pr-3 text-right">
                    {device.revokedAt ? null : confirming === device.id ? (
                      <span className="inline-flex gap-2">
                        <Button variant="danger" onClick={() => void revoke(device)}>
                          Confirm revoke
                        </Button>
                        <Button variant="secondary" onClick={() => setConfirming(null)}>
                          Keep
                        </Button>
                      </span>
                    ) : (
                      <Button variant="secondary" onClick={() => setConfirming(device.id)}>
                        Revoke
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
