// The live socket for React screens: one LiveClient per signed-in tab (opened only once a screen
// watches a topic), `useLiveTopic` to watch one, and `LiveStatus` to say whether the screen is live.

import { createContext, useContext, useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from "react";
import type { ApiClient } from "../api/client";
import { useApi } from "../app-context";
import type { LiveClient, LiveState, TopicHandlers } from "./client";
import { attachLiveClient, createLiveClient, type LiveAuth } from "./connection";
import type { Position } from "./protocol";

const LiveContext = createContext<LiveClient | null>(null);

/**
 * The tab's live socket for the screens inside. `auth` is the signed-in session, or a device's token on an
 * unattended screen. Receipts for alerts are sent by the screen that shows them (when they are on screen),
 * not when the bytes arrive.
 */
export function LiveProvider({ auth, api: given, children }: { auth: LiveAuth; api?: ApiClient; children: ReactNode }) {
  const contextApi = useApi();
  const api = given ?? contextApi;
  // The socket opens only when a screen first watches a topic (useLiveTopic starts the client).
  const [client] = useState(() =>
    createLiveClient(api, {
      // The socket learnt first that the session (or the device token) is over: back to log-in, drafts kept.
      onUnauthorized: () => auth.expire("expired"),
      autoReceipts: false,
    }),
  );
  useEffect(() => attachLiveClient(client, auth), [client, auth]);
  return <LiveContext.Provider value={client}>{children}</LiveContext.Provider>;
}

export function useLiveClient(): LiveClient | null {
  return useContext(LiveContext);
}

/**
 * Watch `topic` while the component is mounted; the handlers may change between renders. With `since`
 * (read over HTTP), the subscription resumes from there; a new `since` starts the subscription over.
 */
export function useLiveTopic<S = unknown, E = unknown>(
  topic: string | null,
  handlers: TopicHandlers<S, E>,
  since: Position | null = null,
): LiveState {
  const client = useContext(LiveContext);
  const latest = useRef(handlers);
  useEffect(() => {
    latest.current = handlers;
  });
  const state = useSyncExternalStore(client?.subscribeState ?? noSubscription, client?.getState ?? connecting);
  const sinceEpoch = since?.epoch ?? null;
  const sinceSeq = since?.seq ?? null;
  useEffect(() => {
    if (client === null || topic === null) return;
    client.start();
    const from = sinceEpoch !== null && sinceSeq !== null ? { epoch: sinceEpoch, seq: sinceSeq } : null;
    return client.subscribe<S, E>(
      topic,
      {
        onSnapshot: (data, position, message) => latest.current.onSnapshot?.(data, position, message),
        onEvent: (message) => latest.current.onEvent?.(message),
        onError: (error) => latest.current.onError?.(error),
      },
      { since: from },
    );
  }, [client, topic, sinceEpoch, sinceSeq]);
  return state;
}

const noSubscription = () => () => undefined;
const connecting = (): LiveState => "connecting";

const WORDS: Record<LiveState, { text: string; look: string }> = {
  live: { text: "Live", look: "bg-green-100 text-green-900 border-green-300" },
  resyncing: { text: "Catching up…", look: "bg-amber-100 text-amber-900 border-amber-300" },
  connecting: { text: "Reconnecting…", look: "bg-amber-100 text-amber-900 border-amber-300" },
  unauthorized: { text: "Signed out", look: "bg-red-100 text-red-900 border-red-300" },
  closed: { text: "Not connected", look: "bg-slate-100 text-slate-800 border-slate-300" },
};

/** Whether what the screen shows is live: a word and a shape, never colour alone. */
export function LiveStatus({ state }: { state: LiveState }) {
  const { text, look } = WORDS[state];
  return (
    <span role="status" aria-live="polite" data-live-state={state} className={`inline-flex items-center gap-1 rounded-full border px-2 py-0.5 text-xs font-semibold ${look}`}>
      <span aria-hidden="true">{state === "live" ? "●" : "○"}</span>
      {text}
    </span>
  );
}
