// NEWS2 as the ward reads it: the score, its band as a word and a colour (never colour alone).

import { NEWS2_BAND_LABELS, type RiskBand } from "../../boards/beds";

export const BAND_LOOK: Record<RiskBand, string> = {
  LOW: "bg-green-100 text-green-950 border-green-700",
  LOW_MEDIUM: "bg-yellow-200 text-yellow-950 border-yellow-700",
  MEDIUM: "bg-orange-300 text-orange-950 border-orange-800",
  HIGH: "bg-red-700 text-white border-red-900",
};

export const BAND_RESPONSE: Record<RiskBand, string> = {
  LOW: "ward-based response",
  LOW_MEDIUM: "urgent ward-based response",
  MEDIUM: "urgent response",
  HIGH: "emergency response",
};

export function News2Badge({ score, band, large = false }: { score: number; band: RiskBand; large?: boolean }) {
  return (
    <span
      className={`inline-flex items-baseline gap-1 rounded border-2 px-1.5 font-bold ${BAND_LOOK[band]} ${large ? "text-lg" : "text-sm"}`}
      data-news2={score}
      data-band={band}
    >
      <span className="text-xs font-semibold">NEWS2</span>
      <span className="tabular-nums">{score}</span>
      <span className="text-xs font-semibold">{NEWS2_BAND_LABELS[band]}</span>
    </span>
  );
}
