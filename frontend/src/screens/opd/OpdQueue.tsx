// The OPD queue view (/opd/queue?departmentId=): a department's tokens today with names, live from its
// `opd:{departmentId}` topic (the department's doctors, nurses and receptionists, the front desk, and ADMIN).
// Without a department: the user's own; the front desk (a receptionist attached to none) checks patients in to
// any department and sees every department's waiting patients, each live from its own `opd:` topic.

import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { opdDepartments, useDepartments, worksEveryDesk, type Department } from "../../api/departments";
import { useApiGet } from "../../api/useApiGet";
import { useApi, useSessionState } from "../../app-context";
import { PRIORITY_LABELS, applyOpdEvent, isOpdBoard, minutesSince, type OpdBoard, type OpdQueueEntry } from "../../boards/opd";
import { waitText } from "../../boards/display";
import { Button, ErrorSummary } from "../../components/forms";
import { useNow } from "../../hooks/useNow";
import { LiveStatus } from "../../realtime/react";
import { boardErrorText, useLiveBoard } from "../../realtime/useLiveBoard";
import { CheckIn } from "./CheckIn";

const STATUS_LABELS: Record<string, string> = {
  WAITING: "Waiting",
  CALLED: "Called",
  IN_CONSULTATION: "In consultation",
  COMPLETED: "Seen",
  NO_SHOW: "Did not come",
};

export function OpdQueue() {
  const [params, setParams] = useSearchParams();
  const chosen = params.get("departmentId");
  const departments = useDepartments().data?.departments ?? null;
  // The user's own department, when none is named: GET /api/opd/queue without one answers it.
  const own = useApiGet<OpdBoard>(chosen ? null : "/api/opd/queue");
  const departmentId = chosen ?? own.data?.departmentId ?? null;
  if (departmentId) {
    return (
      <DepartmentQueue
        key={departmentId}
        departmentId={departmentId}
        departments={departments}
        onDepartment={(id) => setParams({ departmentId: id })}
      />
    );
  }
  if (own.error && own.error.fields.departmentId) return <AllDepartments departments={departments} />;
  return (
    <section className="space-y-3">
      <h1 className="text-2xl font-bold">OPD queue</h1>
      {own.error ? <ErrorSummary error={own.error} /> : <p role="status">Loading…</p>}
    </section>
  );
}

interface DepartmentQueueProps {
  departmentId: string;
  departments: Department[] | null;
  onDepartment: (departmentId: string) => void;
}

function DepartmentQueue({ departmentId, departments, onDepartment }: DepartmentQueueProps) {
  const api = useApi();
  const now = useNow(30_000);
  const read = () => api.get<OpdBoard>("/api/opd/queue", { query: { departmentId }, background: true });
  const { board, live, error } = useLiveBoard<OpdBoard>({
    topic: `opd:${departmentId}`,
    read,
    isBoard: isOpdBoard,
    apply: applyOpdEvent,
  });
  // The topic refused (a receptionist not attached to this department): the queue as read now, on demand.
  const refused = error !== null && !("status" in error) && error.code === "forbidden";
  const once = useApiGet<OpdBoard>(refused ? "/api/opd/queue" : null, { departmentId });
  const shown = refused ? once.data : board;
  const displayName = useDepartmentName(departmentId);
  const name = departments?.find((d) => d.id === departmentId)?.name ?? displayName;
  const { user } = useSessionState();
  const desk = user?.role === "RECEPTIONIST" || user?.role === "ADMIN";

  return (
    <section aria-labelledby="queue-title" className="space-y-5" data-testid="opd-queue">
      <div className="flex flex-wrap items-center gap-3">
        <h1 id="queue-title" className="text-2xl font-bold">
          OPD queue{name ? `: ${name}` : ""}
        </h1>
        {refused ? (
          <>
            <span className="rounded-full border border-slate-300 bg-slate-100 px-2 py-0.5 text-xs font-semibold" data-live-state="not-live">
              Not live: your account is not attached to this department
            </span>
            <Button variant="secondary" onClick={once.reload}>
              Refresh
            </Button>
          </>
        ) : (
          <LiveStatus state={live} />
        )}
        <Link to={`/display/${departmentId}`} target="_blank" className="ml-auto text-sm font-semibold text-teal-800 underline">
          Open the waiting-room display
        </Link>
      </div>
      {desk ? (
        <CheckIn
          departmentId={departmentId}
          departmentName={name}
          departments={departments}
          onDepartment={worksEveryDesk(user) ? onDepartment : undefined}
        />
      ) : null}
      {error && !refused ? <p role="alert">{boardErrorText(error)}</p> : null}
      {refused ? <ErrorSummary error={once.error} /> : null}
      {shown ? (
        <>
          <QueueTable title="Waiting" entries={shown.waitingPatients} now={now} testId="queue-waiting" />
          <QueueTable title="In consultation" entries={shown.inConsultation} now={now} testId="queue-in-consultation" />
          <QueueTable title="Did not come" entries={shown.missed} now={now} testId="queue-missed" />
          <p className="text-sm text-slate-600">{shown.completed.length} seen today.</p>
        </>
      ) : (
        <p role="status" className="text-slate-500">
          Loading the queue…
        </p>
      )}
    </section>
  );
}

/** The department's name, from its display board (the queue itself carries only the id). */
function useDepartmentName(departmentId: string): string | null {
  const { data } = useApiGet<{ data: { departmentName: string } }>(`/api/opd/display/${departmentId}`);
  return data?.data.departmentName ?? null;
}

function QueueTable({ title, entries, now, testId }: { title: string; entries: OpdQueueEntry[]; now: number; testId: string }) {
  return (
    <div>
      <h2 className="text-lg font-semibold">
        {title} <span className="text-slate-500">({entries.length})</span>
      </h2>
      {entries.length === 0 ? (
        <p className="text-sm text-slate-500">Nobody.</p>
      ) : (
        <table className="mt-1 w-full border-collapse text-left text-sm" data-testid={testId}>
          <thead>
            <tr className="border-b border-slate-300 text-slate-600">
              <th scope="col" className="py-1 pr-3">Token</th>
              <th scope="col" className="py-1 pr-3">Patient</th>
              <th scope="col" className="py-1 pr-3">MRN</th>
              <th scope="col" className="py-1 pr-3">Doctor</th>
              <th scope="col" className="py-1 pr-3">Priority</th>
              <th scope="col" className="py-1 pr-3">Status</th>
              <th scope="col" className="py-1 pr-3">Waiting</th>
              <th scope="col" className="py-1 pr-3">Estimated</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.tokenId} className="border-b border-slate-100" data-token={e.tokenNumber}>
                <td className="py-1 pr-3 text-lg font-bold tabular-nums">{e.tokenNumber}</td>
                <td className="py-1 pr-3">
                  <span className="font-medium">{e.patientName}</span>{" "}
                  <span className="text-slate-500">
                    {e.age} y {e.gender?.[0] ?? ""}
                  </span>
                </td>
                <td className="py-1 pr-3 font-mono text-xs">{e.mrn}</td>
                <td className="py-1 pr-3">{e.doctorName ? `Dr ${e.doctorName}` : <span className="text-slate-500">Any doctor</span>}</td>
                <td className="py-1 pr-3">{PRIORITY_LABELS[e.priority] ?? e.priority}</td>
                <td className="py-1 pr-3">
                  {STATUS_LABELS[e.status] ?? e.status}
                  {e.room && (e.status === "CALLED" || e.status === "IN_CONSULTATION") ? ` · Room ${e.room}` : ""}
                </td>
                <td className="py-1 pr-3 tabular-nums">{minutesSince(e.arrivedAt, now)} min</td>
                <td className="py-1 pr-3">{e.status === "WAITING" ? waitText(e.estimatedWaitMinutes) : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/**
 * The front desk (a receptionist attached to no department): check a patient in to any department that runs an
 * OPD, and every department's waiting patients, each live from its `opd:{departmentId}` topic.
 */
function AllDepartments({ departments }: { departments: Department[] | null }) {
  const withOpd = opdDepartments(departments);
  const [chosen, setChosen] = useState<string | null>(null);
  const departmentId = chosen ?? withOpd[0]?.id ?? null;
  return (
    <section className="space-y-5" data-testid="all-departments">
      <h1 className="text-2xl font-bold">OPD front desk</h1>
      {departments === null ? <p role="status">Loading the departments…</p> : null}
      {departmentId ? (
        <CheckIn
          key="front-desk"
          departmentId={departmentId}
          departmentName={null}
          departments={departments}
          onDepartment={setChosen}
        />
      ) : null}
      <h2 className="text-xl font-semibold">Waiting in every department</h2>
      <div className="grid gap-4 lg:grid-cols-2">
        {withOpd.map((department) => (
          <DepartmentWaiting key={department.id} department={department} />
        ))}
      </div>
    </section>
  );
}

/** One department's waiting patients, live (the front desk's overview). */
function DepartmentWaiting({ department }: { department: Department }) {
  const api = useApi();
  const now = useNow(30_000);
  const { board, live, error } = useLiveBoard<OpdBoard>({
    topic: `opd:${department.id}`,
    read: () => api.get<OpdBoard>("/api/opd/queue", { query: { departmentId: department.id }, background: true }),
    isBoard: isOpdBoard,
    apply: applyOpdEvent,
  });
  const waiting = board?.waitingPatients ?? [];
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-3" data-department={department.code} data-department-id={department.id} data-testid="department-waiting">
      <div className="flex flex-wrap items-center gap-2">
        <h3 className="text-lg font-semibold">
          <Link to={`/opd/queue?departmentId=${department.id}`} className="text-teal-800 underline">
            {department.name}
          </Link>{" "}
          <span className="text-slate-500">({board ? `${waiting.length} waiting` : "…"})</span>
        </h3>
        <LiveStatus state={live} />
      </div>
      {error ? <p role="alert" className="text-sm">{boardErrorText(error)}</p> : null}
      {board && waiting.length === 0 ? <p className="text-sm text-slate-500">Nobody waiting.</p> : null}
      <ul className="mt-1 space-y-1 text-sm">
        {waiting.map((t) => (
          <li key={t.tokenId} data-token={t.tokenNumber}>
            <span className="inline-block w-10 font-bold tabular-nums">{t.tokenNumber}</span>
            {t.patientName} <span className="text-slate-500">· {t.mrn}</span> · {t.doctorName ? `Dr ${t.doctorName}` : "any doctor"} ·
            waiting {minutesSince(t.arrivedAt, now)} min
            {t.status === "CALLED" && t.room ? ` · called to room ${t.room}` : ""}
          </li>
        ))}
      </ul>
    </div>
  );
}
