// The lab worklist (/lab) for lab staff: open orders, STAT first then oldest, by section, live from each
// section's `lab:{section}` topic (an order placed, collected, processed, entered or verified anywhere shows
// here at once). Per order, the next step: collect the sample, start processing, enter results per analyte
// (the server flags each value: L, H, LL, HH, in words too), and verify — by a second person, as the server
// insists. The topic carries ids and states only; names come from GET /api/lab/worklist, read again on
// each event.

import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { IdempotencyKeys } from "../../api/client";
import type { ApiError } from "../../api/errors";
import { useApi } from "../../app-context";
import {
  STATUS_LABELS,
  analytesFor,
  flagText,
  nextStep,
  rangeText,
  sectionSlug,
  type CatalogTest,
  type LabOrder,
  type LabResult,
} from "../../clinical/lab";
import { Button, ErrorSummary, SelectField, asApiError } from "../../components/forms";
import { formatDateTime, personName } from "../../format";
import { LiveStatus, useLiveTopic } from "../../realtime/react";

interface Worklist {
  orders: LabOrder[];
  sections: string[];
}

export function LabWorklist() {
  const api = useApi();
  const [section, setSection] = useState("");
  const [worklist, setWorklist] = useState<Worklist | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [catalogue, setCatalogue] = useState<Map<string, CatalogTest>>(new Map());

  const load = useCallback(
    (background: boolean) => {
      api.get<Worklist>("/api/lab/worklist", { query: { section: section || undefined }, background }).then(
        (data) => {
          setWorklist(data);
          setError(null);
        },
        (caught: unknown) => setError(asApiError(caught)),
      );
    },
    [api, section],
  );
  useEffect(() => load(false), [load]);

  useEffect(() => {
    let live = true;
    api.get<{ categories: { tests: CatalogTest[] }[] }>("/api/lab/test-categories").then(
      (answer) => {
        if (!live) return;
        setCatalogue(new Map(answer.categories.flatMap((c) => c.tests).map((t) => [t.code, t])));
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api]);

  const sections = worklist?.sections ?? [];
  const watched = section ? [section] : sections;
  const orders = worklist?.orders ?? [];
  const chosen = orders.find((o) => o.id === selected) ?? null;

  return (
    <div className="space-y-4" data-testid="lab-worklist">
      <div className="flex flex-wrap items-end gap-3">
        <h1 className="text-2xl font-bold">Lab worklist</h1>
        {watched.map((s) => (
          <SectionWatch key={s} section={s} onChange={() => load(true)} />
        ))}
        <LiveState sections={watched} />
        <SelectField
          className="ml-auto min-w-56"
          label="Section"
          name="section"
          value={section}
          onValue={setSection}
          options={[{ value: "", label: "All sections" }, ...sections.map((s) => ({ value: s, label: s }))]}
        />
      </div>
      <ErrorSummary error={error} />
      {chosen ? <OrderPanel key={chosen.id} order={chosen} test={chosen.testCode ? catalogue.get(chosen.testCode) : undefined} onDone={() => load(false)} onClose={() => setSelected(null)} /> : null}
      {worklist === null ? (
        <p role="status" className="text-slate-500">
          Loading the worklist…
        </p>
      ) : orders.length === 0 ? (
        <p className="rounded-md border border-slate-200 bg-white p-3 text-slate-600">No open orders.</p>
      ) : (
        <table className="w-full border-collapse rounded-md bg-white text-left text-sm">
          <thead>
            <tr className="border-b border-slate-300 text-slate-600">
              <th scope="col" className="p-2">Accession</th>
              <th scope="col" className="p-2">Patient</th>
              <th scope="col" className="p-2">Test</th>
              <th scope="col" className="p-2">Urgency</th>
              <th scope="col" className="p-2">Status</th>
              <th scope="col" className="p-2">Ordered</th>
              <th scope="col" className="p-2"><span className="sr-only">Open</span></th>
            </tr>
          </thead>
          <tbody>
            {orders.map((order) => (
              <tr key={order.id} className={`border-b border-slate-100 ${order.id === selected ? "bg-teal-50" : ""}`} data-order={order.accessionNumber} data-status={order.status}>
                <td className="p-2 font-mono">{order.accessionNumber}</td>
                <td className="p-2">
                  {order.patient ? (
                    <>
                      {personName(order.patient)} <span className="font-mono text-xs text-slate-600">{order.patient.mrn}</span>
                    </>
                  ) : (
                    "—"
                  )}
                </td>
                <td className="p-2">
                  {order.testName} <span className="text-xs text-slate-500">{order.section}</span>
                </td>
                <td className="p-2">
                  {order.urgency !== "ROUTINE" ? <span className="rounded bg-red-700 px-1.5 py-0.5 text-xs font-bold text-white">{order.urgency}</span> : "Routine"}
                </td>
                <td className="p-2" data-testid="order-status">{STATUS_LABELS[order.status] ?? order.status}</td>
                <td className="p-2 text-slate-600">{formatDateTime(order.orderDate)}</td>
                <td className="p-2">
                  <Button variant="secondary" onClick={() => setSelected(order.id === selected ? null : order.id)} aria-label={`Open ${order.accessionNumber}`}>
                    Open
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** Watches one section's topic; every event reads the worklist again (the topic has no names). */
function SectionWatch({ section, onChange }: { section: string; onChange: () => void }) {
  useLiveTopic(`lab:${sectionSlug(section)}`, { onEvent: () => onChange(), onSnapshot: () => onChange() });
  return null;
}

function LiveState({ sections }: { sections: string[] }) {
  const state = useLiveTopic(null, {});
  if (sections.length === 0) return null;
  return <LiveStatus state={state} />;
}

interface OrderDetail {
  order: LabOrder;
  results?: LabResult[];
}

function OrderPanel({ order, test, onDone, onClose }: { order: LabOrder; test: CatalogTest | undefined; onDone: () => void; onClose: () => void }) {
  const api = useApi();
  const [detail, setDetail] = useState<OrderDetail | null>(null);
  const [values, setValues] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const keys = useRef(new IdempotencyKeys(() => api.newIdempotencyKey()));
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  // The order as it is now, and the results entered so far (lab staff see them before release).
  useEffect(() => {
    let live = true;
    api.get<OrderDetail>(`/api/lab/orders/${order.id}`).then(
      (data) => live && setDetail(data),
      (caught: unknown) => live && setError(asApiError(caught)),
    );
    return () => {
      live = false;
    };
  }, [api, order.id, order.version]);

  const current = detail?.order ?? order;
  const step = nextStep(current.status);
  const analytes = analytesFor(test, order.patient);
  const results = detail?.results ?? [];

  async function post<T>(path: string, body: Record<string, unknown>, done: (answer: T) => string) {
    setBusy(true);
    setError(null);
    try {
      const answer = await api.post<T>(path, body, { idempotencyKey: keys.current.keyFor({ path, ...body }) });
      keys.current.done();
      setMessage(done(answer));
      onDone();
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  function enter(event: FormEvent) {
    event.preventDefault();
    const entered = analytes
      .filter((a) => (values[a.code] ?? "").trim() !== "")
      .map((a) => ({ code: a.code, value: values[a.code]!.trim(), ...(a.unit ? { unit: a.unit } : {}) }));
    if (entered.length === 0) return;
    void post<{ results: LabResult[]; criticalAlertIds: string[] }>(`/api/lab/orders/${order.id}/result`, { results: entered }, (answer) => {
      setDetail((d) => (d ? { ...d, results: answer.results } : d));
      setValues({});
      const critical = answer.criticalAlertIds.length;
      return critical > 0 ? `Results saved. ${critical} critical value${critical > 1 ? "s" : ""}: the doctor is alerted now.` : "Results saved.";
    });
  }

  return (
    <section aria-labelledby="order-title" className="space-y-3 rounded-md border-2 border-teal-600 bg-white p-4" data-testid="lab-order">
      <div className="flex flex-wrap items-baseline gap-3">
        <h2 id="order-title" ref={heading} tabIndex={-1} className="text-xl font-semibold">
          {current.testName} · <span className="font-mono">{current.accessionNumber}</span>
        </h2>
        <span className="text-sm font-semibold" data-testid="panel-status">{STATUS_LABELS[current.status] ?? current.status}</span>
        <Button variant="secondary" className="ml-auto" onClick={onClose}>
          Close
        </Button>
      </div>
      {order.patient ? (
        <p className="text-sm text-slate-700">
          {personName(order.patient)} · {order.patient.age} y · {order.patient.gender?.toLowerCase()} · <span className="font-mono">{order.patient.mrn}</span>
          {current.sampleType ? ` · sample: ${current.sampleType}` : ""}
        </p>
      ) : null}

      {step === "collect" ? (
        <Button disabled={busy} onClick={() => void post(`/api/lab/orders/${order.id}/collect-sample`, { version: current.version }, () => "Sample collected.")}>
          Collect sample
        </Button>
      ) : null}
      {step === "process" ? (
        <Button disabled={busy} onClick={() => void post(`/api/lab/orders/${order.id}/process`, {}, () => "Processing started.")}>
          Start processing
        </Button>
      ) : null}

      {results.length > 0 ? (
        <table className="w-full text-left text-sm" data-testid="lab-results">
          <thead>
            <tr className="border-b border-slate-300 text-slate-600">
              <th scope="col" className="py-1 pr-3">Analyte</th>
              <th scope="col" className="py-1 pr-3">Value</th>
              <th scope="col" className="py-1 pr-3">Reference</th>
              <th scope="col" className="py-1 pr-3">Flag</th>
              <th scope="col" className="py-1 pr-3">Entered by</th>
            </tr>
          </thead>
          <tbody>
            {results.map((r) => (
              <tr key={r.code} className="border-b border-slate-100" data-result={r.code} data-flag={r.flag ?? ""}>
                <th scope="row" className="py-1 pr-3 font-medium">{r.name}</th>
                <td className="py-1 pr-3 tabular-nums">
                  {r.value} {r.unit}
                </td>
                <td className="py-1 pr-3 text-slate-600">{r.referenceRange}</td>
                <td className="py-1 pr-3">
                  {flagText(r.flag) ? (
                    <span className={`rounded px-1.5 py-0.5 text-xs font-bold ${r.isCritical ? "bg-red-700 text-white" : r.isAbnormal ? "bg-amber-200 text-amber-950" : "bg-slate-100"}`}>
                      {r.isCritical ? "⚠ " : ""}
                      {flagText(r.flag)}
                    </span>
                  ) : null}
                </td>
                <td className="py-1 pr-3 text-slate-600">{r.enteredByName}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}

      {step === "enter" ? (
        <form onSubmit={enter} className="space-y-2" aria-label="Enter results">
          {analytes.length === 0 ? <p className="text-sm text-slate-600">This test has no analytes in the catalogue.</p> : null}
          <div className="grid grid-cols-1 gap-2 sm:grid-cols-2 lg:grid-cols-3">
            {analytes.map((a, i) => {
              const id = `analyte-${a.code}`;
              return (
                <div key={a.code}>
                  <label htmlFor={id} className="block text-sm font-medium text-slate-700">
                    {a.name} <span className="text-xs font-normal text-slate-500">({rangeText(a)})</span>
                  </label>
                  <input
                    id={id}
                    value={values[a.code] ?? ""}
                    onChange={(event) => setValues((v) => ({ ...v, [a.code]: event.target.value }))}
                    inputMode="decimal"
                    autoFocus={i === 0}
                    className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-1.5 focus:border-teal-600 focus:outline-none focus:ring-2 focus:ring-teal-600"
                  />
                </div>
              );
            })}
          </div>
          <Button type="submit" disabled={busy || analytes.length === 0}>
            Save results
          </Button>
        </form>
      ) : null}

      {step === "verify" ? (
        <div className="flex flex-wrap items-center gap-3">
          <Button disabled={busy} onClick={() => void post(`/api/lab/orders/${order.id}/verify`, { release: true, version: current.version }, () => "Verified and released to the doctor.")}>
            Verify and release
          </Button>
          <span className="text-xs text-slate-600">A second person verifies: not whoever entered the results.</span>
        </div>
      ) : null}

      {message && !error ? (
        <p role="status" className="text-sm text-teal-900" data-testid="lab-message">
          {message}
        </p>
      ) : null}
      <ErrorSummary error={error} />
    </section>
  );
}
