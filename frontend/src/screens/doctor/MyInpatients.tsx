// The doctor's admitted patients with their latest NEWS2, live: every ward's board (a doctor may watch any
// ward), keeping the beds whose admission names this doctor as primary. Worst NEWS2 first within a ward;
// observations overdue and open alerts are said in words beside the score.

import { Link } from "react-router";
import { applyCensusEvent, applyWardEvent, isCensusBoard, isWardBoard, type CensusBoard, type WardBoard } from "../../boards/beds";
import { personName } from "../../format";
import { LiveStatus } from "../../realtime/react";
import { useLiveBoard } from "../../realtime/useLiveBoard";
import { News2Badge } from "../ward/news2";

export function MyInpatients({ doctorId }: { doctorId: string }) {
  const { board, live } = useLiveBoard<CensusBoard>({ topic: "census", isBoard: isCensusBoard, apply: applyCensusEvent });
  return (
    <section aria-labelledby="inpatients-title" className="space-y-2" data-testid="my-inpatients">
      <div className="flex items-center gap-3">
        <h2 id="inpatients-title" className="text-xl font-bold">
          My admitted patients
        </h2>
        <LiveStatus state={live} />
      </div>
      <p className="text-sm text-slate-600">Patients admitted under you, worst NEWS2 first on each ward.</p>
      {board === null ? (
        <p role="status" className="text-slate-500">
          Loading…
        </p>
      ) : (
        <div className="divide-y divide-slate-200 rounded-xl border border-slate-300 bg-white">
          {board.byWard.map((ward) => (
            <WardPatients key={ward.wardId} wardId={ward.wardId} doctorId={doctorId} />
          ))}
        </div>
      )}
    </section>
  );
}

function WardPatients({ wardId, doctorId }: { wardId: string; doctorId: string }) {
  const { board } = useLiveBoard<WardBoard>({ topic: `ward:${wardId}`, isBoard: isWardBoard, apply: (b, m) => applyWardEvent(b, m) });
  if (board === null) return null;
  const mine = board.rooms
    .flatMap((room) => room.beds)
    .filter((bed) => bed.admission?.primaryDoctorId === doctorId)
    .sort((a, b) => (b.admission?.news2?.score ?? -1) - (a.admission?.news2?.score ?? -1));
  if (mine.length === 0) return null;
  return (
    <div className="p-3" data-ward={board.code}>
      <h3 className="text-sm font-semibold text-slate-700">
        <Link to={`/ward/${board.wardId}`} className="underline">
          {board.name}
        </Link>
      </h3>
      <ul className="mt-1 space-y-1">
        {mine.map((bed) => {
          const admission = bed.admission!;
          return (
            <li key={bed.id} className="flex flex-wrap items-center gap-x-3 gap-y-1" data-bed={bed.bedNumber}>
              <span className="w-16 font-mono font-bold">{bed.bedNumber}</span>
              <span className="font-semibold">{admission.patient ? personName(admission.patient) : "Patient"}</span>
              <span className="text-sm text-slate-600">day {(admission.daysSinceAdmission ?? 0) + 1}</span>
              {admission.news2 ? <News2Badge score={admission.news2.score} band={admission.news2.band} /> : <span className="text-xs text-slate-500">no NEWS2 yet</span>}
              {admission.vitalsOverdue ? <span className="rounded bg-red-700 px-1.5 text-xs font-bold text-white">obs overdue</span> : null}
              {(admission.alerts?.length ?? 0) > 0 ? (
                <span className="text-sm font-bold text-red-800">
                  <span aria-hidden="true">⚠ </span>
                  {admission.alerts!.length} open alert{admission.alerts!.length > 1 ? "s" : ""}
                </span>
              ) : null}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
