// A patient's observations over the last 72 hours (GET /api/ipd/admissions/{id}/vital-signs): NEWS2, pulse,
// respiration and SpO2 as small line charts on one time axis, with the readings as a table for screen
// readers and anyone who prefers numbers. Sets entered in error are left out, as the server says.

import { useApiGet } from "../../api/useApiGet";
import type { RiskBand } from "../../boards/beds";
import { formatDateTime } from "../../format";
import { BAND_LOOK } from "./news2";

interface VitalSign {
  id: string;
  recordedAt: string;
  heartRate: number | null;
  respiratoryRate: number | null;
  oxygenSaturation: number | null;
  bloodPressureSystolic: number | null;
  temperature: number | string | null;
  news2: { score: number; band: RiskBand } | null;
  countsInTrend: boolean;
}

const HOURS = 72;
const WIDTH = 560;
const HEIGHT = 70;

interface Series {
  label: string;
  value: (v: VitalSign) => number | null;
  min: number;
  max: number;
  colour: string;
}

const SERIES: Series[] = [
  { label: "NEWS2", value: (v) => v.news2?.score ?? null, min: 0, max: 20, colour: "#b91c1c" },
  { label: "Pulse /min", value: (v) => v.heartRate, min: 30, max: 180, colour: "#0f766e" },
  { label: "Resp. /min", value: (v) => v.respiratoryRate, min: 5, max: 40, colour: "#1d4ed8" },
  { label: "SpO₂ %", value: (v) => v.oxygenSaturation, min: 80, max: 100, colour: "#7e22ce" },
];

export function VitalsTrend({ admissionId, refreshKey, now }: { admissionId: string; refreshKey: string; now: number }) {
  const { data, error } = useApiGet<{ vitalSigns: VitalSign[] }>(`/api/ipd/admissions/${admissionId}/vital-signs`, {
    days: 3,
    v: refreshKey,
  });
  if (error) return <p className="text-sm text-red-800">{error.detail}</p>;
  if (!data) return <p className="text-sm text-slate-500">Loading the trend…</p>;
  const points = data.vitalSigns.filter((v) => v.countsInTrend);
  if (points.length === 0) return <p className="text-sm text-slate-600">No observations in the last 72 hours.</p>;
  const start = now - HOURS * 3_600_000;
  const x = (iso: string) => Math.max(0, Math.min(WIDTH, ((Date.parse(iso) - start) / (HOURS * 3_600_000)) * WIDTH));

  return (
    <figure className="space-y-1" data-testid="vitals-trend">
      <figcaption className="text-sm font-semibold">Last 72 hours</figcaption>
      {SERIES.map((series) => {
        const shown = points.map((p) => ({ p, value: series.value(p) })).filter((d): d is { p: VitalSign; value: number } => d.value !== null);
        const y = (value: number) => HEIGHT - ((Math.min(series.max, Math.max(series.min, value)) - series.min) / (series.max - series.min)) * HEIGHT;
        return (
          <div key={series.label} className="flex items-center gap-2">
            <span className="w-20 text-right text-xs text-slate-600">{series.label}</span>
            <svg viewBox={`-4 -4 ${WIDTH + 8} ${HEIGHT + 8}`} className="h-14 w-full max-w-[560px] rounded bg-slate-50" aria-hidden="true">
              {[24, 48].map((h) => (
                <line key={h} x1={(h / HOURS) * WIDTH} x2={(h / HOURS) * WIDTH} y1={0} y2={HEIGHT} stroke="#cbd5e1" strokeDasharray="3 3" />
              ))}
              <polyline fill="none" stroke={series.colour} strokeWidth={2} points={shown.map((d) => `${x(d.p.recordedAt)},${y(d.value)}`).join(" ")} />
              {shown.map((d) => (
                <circle key={d.p.id} cx={x(d.p.recordedAt)} cy={y(d.value)} r={3} fill={series.colour} />
              ))}
            </svg>
            <span className="w-10 text-sm font-bold tabular-nums">{shown.at(-1)?.value ?? "—"}</span>
          </div>
        );
      })}
      <details className="text-sm">
        <summary className="cursor-pointer text-teal-800">Readings as a table</summary>
        <table className="mt-1 w-full text-left tabular-nums">
          <thead>
            <tr className="border-b text-slate-600">
              <th scope="col">Time</th>
              <th scope="col">NEWS2</th>
              <th scope="col">Pulse</th>
              <th scope="col">Resp.</th>
              <th scope="col">SpO₂</th>
              <th scope="col">Sys. BP</th>
              <th scope="col">Temp.</th>
            </tr>
          </thead>
          <tbody>
            {points.map((v) => (
              <tr key={v.id} className="border-b border-slate-100">
                <td>{formatDateTime(v.recordedAt)}</td>
                <td>{v.news2 ? <span className={`rounded px-1 ${BAND_LOOK[v.news2.band]}`}>{v.news2.score}</span> : "—"}</td>
                <td>{v.heartRate ?? "—"}</td>
                <td>{v.respiratoryRate ?? "—"}</td>
                <td>{v.oxygenSaturation ?? "—"}</td>
                <td>{v.bloodPressureSystolic ?? "—"}</td>
                <td>{v.temperature ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
