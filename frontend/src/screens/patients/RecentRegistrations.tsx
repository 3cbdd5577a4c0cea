// Registrations from every desk as they happen (the `patients` topic), so a receptionist sees that the
// person in front of them was registered a moment ago at the next counter. Events carry no names.

import { useState } from "react";
import { LiveStatus, useLiveTopic } from "../../realtime/react";
import { formatDateTime } from "../../format";

interface PatientRegistered {
  patientId: string;
  mrn: string;
  registeredAt: string;
}

const SHOWN = 10;

export function RecentRegistrations() {
  const [recent, setRecent] = useState<PatientRegistered[]>([]);
  const state = useLiveTopic<unknown, PatientRegistered>("patients", {
    onEvent: (message) => {
      if (message.event !== "patient.registered") return;
      setRecent((list) => [message.data, ...list.filter((p) => p.patientId !== message.data.patientId)].slice(0, SHOWN));
    },
  });
  return (
    <section aria-labelledby="recent-title" className="rounded-lg border border-slate-200 bg-white p-4">
      <div className="flex items-center gap-3">
        <h2 id="recent-title" className="text-lg font-semibold">
          Just registered, at every desk
        </h2>
        <LiveStatus state={state} />
      </div>
      {recent.length === 0 ? (
        <p className="mt-2 text-sm text-slate-500">New registrations appear here as they happen.</p>
      ) : (
        <ul className="mt-2 space-y-1 text-sm" data-testid="recent-registrations">
          {recent.map((p) => (
            <li key={p.patientId} className="flex gap-3">
              <span className="font-mono">{p.mrn}</span>
              <span className="text-slate-500">{formatDateTime(p.registeredAt)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
