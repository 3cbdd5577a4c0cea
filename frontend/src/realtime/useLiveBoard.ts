// A live board for a screen: the topic's state, kept current by its events, whatever the network does.
//
// Two ways to start. With `load` (the topic's HTTP companion, which answers {epoch, seq, data}), the board is
// read over HTTP and the socket resumes from that position. Without it, the socket's snapshot is the start.
// Either way a later snapshot (the server could not resume: history pruned, epoch changed, too far behind)
// replaces the board; a snapshot that is not a board of this topic is answered by reading it over HTTP again.
// A failed HTTP read (no network when the TV boots, the server restarting) is tried again with back-off.

import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError } from "../api/errors";
import type { LiveState } from "./client";
import type { ErrorMessage, EventMessage, Position } from "./protocol";
import { useLiveTopic } from "./react";

export interface BoardAnswer<B> {
  epoch: string;
  seq: number;
  data: B;
}

export interface BoardSource<B> {
  /** null: nothing to watch (yet). */
  topic: string | null;
  load?: () => Promise<BoardAnswer<B>>;
  /**
   * For a topic whose socket snapshot is not its board and whose HTTP read has no position (the OPD queue):
   * read it after the snapshot, and replay on it every event since the snapshot. Only for topics whose events
   * carry the whole state of what they change (so replaying one already in the read board changes nothing).
   */
  read?: () => Promise<B>;
  isBoard: (data: unknown) => data is B;
  apply: (board: B, event: EventMessage) => B;
  /** Side effects of an event (a chime, an announcement), called once per event, after it was applied. */
  onEvent?: (event: EventMessage, board: B) => void;
}

export interface LiveBoard<B> {
  board: B | null;
  live: LiveState;
  /** The HTTP read failed for good (403, 404), or the socket refused the topic. */
  error: ApiError | ErrorMessage | null;
  /** Read the board again over HTTP (boards with `load`). */
  reload: () => void;
}

const RETRY_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

export function useLiveBoard<B>(source: BoardSource<B>): LiveBoard<B> {
  const { topic } = source;
  const latest = useRef(source);
  useEffect(() => {
    latest.current = source;
  });
  const hasLoad = source.load !== undefined;
  const [board, setBoard] = useState<B | null>(null);
  const boardRef = useRef<B | null>(null);
  const [since, setSince] = useState<Position | null>(null);
  const [ready, setReady] = useState(!hasLoad);
  const [error, setError] = useState<ApiError | ErrorMessage | null>(null);
  const [tick, setTick] = useState(0);
  // Events since a snapshot that was not a board, to replay on the board read over HTTP (see `read`).
  const pending = useRef<EventMessage[] | null>(null);
  const generation = useRef(0);

  const replace = useCallback((next: B | null) => {
    boardRef.current = next;
    setBoard(next);
  }, []);

  // Stop watching (so no event lands on a board about to be replaced), read over HTTP, watch from there.
  const readAgain = useCallback(() => {
    if (latest.current.load === undefined) return;
    setReady(false);
    setTick((n) => n + 1);
  }, []);

  // Read over HTTP, then go live from that position.
  useEffect(() => {
    const load = latest.current.load;
    if (topic === null || load === undefined) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let attempt = 0;
    const run = async () => {
      try {
        const answer = await load();
        if (stopped) return;
        replace(answer.data);
        setSince({ epoch: answer.epoch, seq: answer.seq });
        setError(null);
        setReady(true);
      } catch (caught) {
        if (stopped) return;
        const failure = caught instanceof ApiError ? caught : ApiError.network(caught);
        if (failure.isNetworkError || failure.status >= 500 || failure.status === 429) {
          const delay = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]!;
          attempt += 1;
          timer = setTimeout(() => void run(), delay);
        } else {
          setError(failure);
        }
      }
    };
    void run();
    return () => {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
    };
  }, [topic, tick, replace]);

  const live = useLiveTopic<unknown, unknown>(
    ready ? topic : null,
    {
      onSnapshot: (data) => {
        generation.current += 1;
        pending.current = null;
        if (latest.current.isBoard(data)) {
          replace(data);
          setError(null);
        } else if (latest.current.load !== undefined) {
          // Not this topic's board (a topic whose socket snapshot is still `{}`): read it over HTTP.
          readAgain();
        } else if (latest.current.read !== undefined) {
          const read = latest.current.read;
          const mine = generation.current;
          pending.current = [];
          const attempt = (n: number) => {
            read().then(
              (fetched) => {
                if (generation.current !== mine || pending.current === null) return;
                const replayed = pending.current.reduce((board, message) => latest.current.apply(board, message), fetched);
                pending.current = null;
                replace(replayed);
                setError(null);
              },
              (caught: unknown) => {
                if (generation.current !== mine) return;
                const failure = caught instanceof ApiError ? caught : ApiError.network(caught);
                if (failure.isNetworkError || failure.status >= 500) {
                  setTimeout(() => attempt(n + 1), RETRY_MS[Math.min(n, RETRY_MS.length - 1)]);
                } else {
                  setError(failure);
                }
              },
            );
          };
          attempt(0);
        }
      },
      onEvent: (message) => {
        pending.current?.push(message);
        const current = boardRef.current;
        if (current === null) return;
        const next = latest.current.apply(current, message);
        replace(next);
        latest.current.onEvent?.(message, next);
      },
      onError: (failure) => {
        if (failure.code !== "unavailable") setError(failure);
      },
    },
    hasLoad ? since : null,
  );

  const reload = useCallback(() => readAgain(), [readAgain]);

  return { board, live, error, reload };
}

/** A line for a board's error: what went wrong, in words for the person at the screen. */
export function boardErrorText(error: ApiError | ErrorMessage): string {
  if (error instanceof ApiError) return error.detail;
  if (error.code === "forbidden") return "You may not watch this board.";
  if (error.code === "not_found") return "There is no such board.";
  return error.message;
}
