// The waiting-room display (/display/{departmentId}): a TV across the room. Now calling (token and room, very
// large), the next tokens with their estimated wait, who is in consultation; each call announced with a chime
// and read out in English and Hindi. Token numbers and rooms only: the board it shows has no name in it.
// It runs unattended with a device token (see src/device/device.ts), keeps the screen awake, catches up by
// itself after any loss of network or server restart, and starts the new day's board after midnight.

// Devanagari shipped with the app: a kiosk TV's minimal Linux may have no Hindi font of its own.
import "@fontsource-variable/noto-sans-devanagari";
import { useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from "react";
import { useParams } from "react-router";
import { useApi } from "../../app-context";
import {
  applyDisplayEvent,
  hospitalDay,
  isDisplayBoard,
  nextTokens,
  waitText,
  type DisplayBoard,
  type DisplayEntry,
  type DisplayTokenCalled,
} from "../../boards/display";
import { useNow } from "../../hooks/useNow";
import type { LiveState } from "../../realtime/client";
import { boardErrorText, useLiveBoard, type BoardAnswer } from "../../realtime/useLiveBoard";
import { Announcer, englishLine, type SoundState } from "./announce";

const NEXT_SHOWN = 8;
const CALL_HIGHLIGHT_MS = 8_000;
/** A call is read out only if it happened this recently (not when catching up after a long outage). */
const ANNOUNCE_WITHIN_MS = 90_000;

const clock = new Intl.DateTimeFormat("en-IN", { timeZone: "Asia/Kolkata", hour: "2-digit", minute: "2-digit" });
const longDate = new Intl.DateTimeFormat("en-IN", { timeZone: "Asia/Kolkata", weekday: "long", day: "numeric", month: "long" });

interface LastCall {
  tokenNumber: number;
  room: string | null;
  at: number;
}

export function WaitingRoomDisplay() {
  const { departmentId } = useParams();
  const api = useApi();
  const now = useNow(1_000);
  const announcer = useRef<Announcer | null>(null);
  const [sound, setSound] = useState<SoundState>("unsupported");
  const [lastCall, setLastCall] = useState<LastCall | null>(null);
  const [calls, setCalls] = useState(0);

  useEffect(() => {
    const created = new Announcer();
    announcer.current = created;
    const update = () => setSound(created.soundState());
    const stop = created.subscribe(update);
    update();
    const unlock = () => created.unlock();
    window.addEventListener("keydown", unlock);
    window.addEventListener("pointerdown", unlock);
    return () => {
      stop();
      window.removeEventListener("keydown", unlock);
      window.removeEventListener("pointerdown", unlock);
      created.close();
      announcer.current = null;
    };
  }, []);

  const { board, live, error, reload } = useLiveBoard<DisplayBoard>({
    topic: departmentId ? `display:${departmentId}` : null,
    load: () => api.get<BoardAnswer<DisplayBoard>>(`/api/opd/display/${departmentId}`, { background: true }),
    isBoard: isDisplayBoard,
    apply: applyDisplayEvent,
    onEvent: (message) => {
      if (message.event !== "display.token.called") return;
      const called = message.data as DisplayTokenCalled;
      const call = { tokenNumber: called.entry.tokenNumber, room: called.entry.room, announcement: called.announcement };
      // Calls missed while the screen was offline are shown, not read out an hour late.
      if (Date.now() - Date.parse(message.ts) < ANNOUNCE_WITHIN_MS) announcer.current?.announce(call);
      setLastCall({ tokenNumber: call.tokenNumber, room: call.room, at: Date.now() });
      setCalls((n) => n + 1);
    },
  });

  // A new hospital day: yesterday's tokens are gone; read today's board.
  const reloadedFor = useRef<string | null>(null);
  const today = hospitalDay(new Date(now));
  useEffect(() => {
    if (board !== null && board.date !== today && reloadedFor.current !== today) {
      reloadedFor.current = today;
      reload();
    }
  }, [board, today, reload]);

  useWakeLock();
  const lostSince = useLostSince(live, now);

  if (error) {
    return (
      <Frame>
        <div role="alert" className="m-auto max-w-4xl p-12 text-center text-4xl leading-snug">
          <p className="font-bold text-yellow-300">This screen cannot show the queue.</p>
          <p className="mt-6 text-3xl">{boardErrorText(error)}</p>
        </div>
      </Frame>
    );
  }

  const calling = orderCalling(board?.nowCalling ?? [], lastCall);
  const highlighted = lastCall !== null && now - lastCall.at < CALL_HIGHLIGHT_MS;
  const next = board ? nextTokens(board).slice(0, NEXT_SHOWN) : [];

  return (
    <Frame>
      <header className="flex items-baseline justify-between gap-8 border-b-4 border-yellow-300 px-[3vw] py-[1.5vh]">
        <h1 className="text-[4.2vw] font-extrabold leading-none" data-testid="department-name">
          {board?.departmentName ?? "Waiting room"}
        </h1>
        <div className="text-right">
          <div className="text-[4.2vw] font-bold leading-none tabular-nums" aria-label="Time">
            {clock.format(now)}
          </div>
          <div className="text-[1.6vw] text-slate-300">{longDate.format(now)}</div>
        </div>
      </header>

      <main className="grid min-h-0 flex-1 grid-cols-[3fr_2fr] gap-[2vw] px-[3vw] py-[2vh]">
        <section aria-labelledby="now-calling" className={`flex min-h-0 flex-col rounded-2xl border-4 p-[1.5vw] ${highlighted ? "border-yellow-300 bg-yellow-300/15" : "border-slate-600"}`}>
          <h2 id="now-calling" className="text-[2.6vw] font-bold uppercase tracking-wide text-yellow-300">
            Now calling <span lang="hi" className="font-semibold normal-case">· अभी बुलाया जा रहा है</span>
          </h2>
          <div aria-live="assertive" aria-atomic="true" className="sr-only" data-testid="last-announcement">
            {lastCall ? englishLine(lastCall) : ""}
          </div>
          {board === null ? (
            <p className="mt-[4vh] text-[3vw] text-slate-300">Loading…</p>
          ) : calling.length === 0 ? (
            <p className="mt-[4vh] text-[3vw] text-slate-300">Please wait to be called.</p>
          ) : (
            <ol className="mt-[2vh] flex min-h-0 flex-col gap-[1.5vh] overflow-hidden" data-testid="now-calling">
              {calling.map((entry, index) => (
                <li
                  key={entry.tokenNumber}
                  className={`flex items-baseline justify-between gap-[2vw] rounded-xl ${index === 0 ? "bg-white px-[2vw] py-[1vh] text-black" : "px-[2vw]"} ${index === 0 && highlighted ? "outline-[0.6vw] outline-yellow-300 outline-solid" : ""}`}
                  data-token={entry.tokenNumber}
                >
                  <span className={`font-black tabular-nums leading-none ${index === 0 ? "text-[12vw]" : "text-[6vw]"}`}>
                    <span className="sr-only">Token </span>
                    {entry.tokenNumber}
                  </span>
                  <span className={`text-right font-bold leading-tight ${index === 0 ? "text-[5vw]" : "text-[3.4vw]"}`}>
                    <span aria-hidden="true">→ </span>
                    {entry.room ? `Room ${entry.room}` : "Please come to the desk"}
                  </span>
                </li>
              ))}
            </ol>
          )}
        </section>

        <div className="flex min-h-0 flex-col gap-[2vh]">
          <section aria-labelledby="next-tokens" className="flex min-h-0 flex-1 flex-col rounded-2xl border-4 border-slate-600 p-[1.5vw]">
            <h2 id="next-tokens" className="text-[2.6vw] font-bold uppercase tracking-wide text-cyan-300">
              Next <span lang="hi" className="font-semibold normal-case">· अगला</span>
            </h2>
            {next.length === 0 ? (
              <p className="mt-[2vh] text-[2.4vw] text-slate-300">{board === null ? "Loading…" : "Nobody is waiting."}</p>
            ) : (
              <table className="mt-[1vh] w-full text-[3.2vw] tabular-nums" data-testid="next-tokens">
                <thead className="sr-only">
                  <tr>
                    <th scope="col">Token</th>
                    <th scope="col">Estimated wait</th>
                  </tr>
                </thead>
                <tbody>
                  {next.map((entry) => (
                    <tr key={entry.tokenNumber} className="border-b border-slate-700" data-token={entry.tokenNumber}>
                      <td className="py-[0.6vh] font-black">{entry.tokenNumber}</td>
                      <td className="py-[0.6vh] text-right text-[2.4vw] font-semibold text-slate-100" data-wait>
                        {waitText(entry.estimatedWaitMinutes)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {board !== null && board.waiting.length > next.length ? (
              <p className="mt-auto pt-[1vh] text-[1.8vw] text-slate-300">and {board.waiting.length - next.length} more waiting</p>
            ) : null}
          </section>
          <section aria-labelledby="in-consultation" className="rounded-2xl border-4 border-slate-600 p-[1.5vw]">
            <h2 id="in-consultation" className="text-[1.9vw] font-bold uppercase tracking-wide text-slate-200">
              In consultation <span lang="hi" className="font-semibold normal-case">· परामर्श में</span>
            </h2>
            <ul className="mt-[1vh] flex flex-wrap gap-x-[2vw] gap-y-[0.5vh] text-[2.2vw] font-bold tabular-nums" data-testid="in-consultation">
              {(board?.inConsultation ?? []).map((entry) => (
                <li key={entry.tokenNumber}>
                  {entry.tokenNumber}
                  {entry.room ? <span className="font-normal text-slate-300"> · Room {entry.room}</span> : null}
                </li>
              ))}
            </ul>
          </section>
        </div>
      </main>

      <footer className="flex items-center justify-between gap-6 border-t-2 border-slate-700 px-[3vw] py-[1vh] text-[1.5vw]">
        <p>
          Please keep your token slip ready and watch this screen.{" "}
          <span lang="hi">कृपया अपनी टोकन पर्ची तैयार रखें।</span>
        </p>
        <div className="flex items-center gap-4">
          {sound === "needs-gesture" ? (
            <span className="rounded bg-yellow-300 px-2 text-black" data-testid="sound-off">
              Sound off: press any key to turn on announcements
            </span>
          ) : null}
          <Connection live={live} lostSince={lostSince} />
          <span className="sr-only" data-testid="calls-announced">
            {calls}
          </span>
        </div>
      </footer>
    </Frame>
  );
}

function Frame({ children }: { children: ReactNode }) {
  return (
    <div className="flex h-screen w-screen flex-col overflow-hidden bg-black text-white" data-testid="waiting-room-display">
      {children}
    </div>
  );
}

/** The latest call first, then the others still being called. */
function orderCalling(entries: DisplayEntry[], last: LastCall | null): DisplayEntry[] {
  if (last === null) return entries;
  const first = entries.find((e) => e.tokenNumber === last.tokenNumber);
  return first ? [first, ...entries.filter((e) => e !== first)] : entries;
}

function Connection({ live, lostSince }: { live: LiveState; lostSince: number | null }) {
  if (live === "live") {
    return (
      <span role="status" data-live-state="live" className="text-green-300">
        <span aria-hidden="true">● </span>Live
      </span>
    );
  }
  const since = lostSince ? clock.format(lostSince) : null;
  return (
    <span role="status" data-live-state={live} className="rounded bg-amber-300 px-2 font-semibold text-black">
      <span aria-hidden="true">○ </span>
      {live === "resyncing" ? "Catching up…" : "Reconnecting…"}
      {since ? ` (not live since ${since})` : ""}
    </span>
  );
}

/** When the screen stopped being live (null while live), to say how old what it shows may be. */
function useLostSince(live: LiveState, now: number): number | null {
  const [tracked, setTracked] = useState<{ live: LiveState; since: number | null }>({ live, since: null });
  if (tracked.live !== live) {
    setTracked({ live, since: live === "live" ? null : (tracked.since ?? now) });
  }
  return tracked.since;
}

/** Keep the TV from dimming (Screen Wake Lock, where the browser has it: HTTPS or localhost). */
function useWakeLock(): void {
  const visible = useSyncExternalStore(
    (listener) => {
      document.addEventListener("visibilitychange", listener);
      return () => document.removeEventListener("visibilitychange", listener);
    },
    () => document.visibilityState === "visible",
  );
  useEffect(() => {
    const wakeLock = (navigator as Navigator & { wakeLock?: { request(type: "screen"): Promise<{ release(): Promise<void> }> } }).wakeLock;
    if (!visible || !wakeLock) return;
    let sentinel: { release(): Promise<void> } | null = null;
    let stopped = false;
    wakeLock.request("screen").then(
      (held) => {
        if (stopped) void held.release();
        else sentinel = held;
      },
      () => undefined,
    );
    return () => {
      stopped = true;
      void sentinel?.release().catch(() => undefined);
    };
  }, [visible]);
}
