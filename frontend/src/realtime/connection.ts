// The tab's live socket, tied to the session: tickets come through the API client (so an expired
// access token is refreshed first), a new access token renews the open socket, and a session that
// ends closes it. Going online or coming back to the tab reconnects at once.

import type { ApiClient } from "../api/client";
import { ApiError } from "../api/errors";
import { LiveClient, TicketRefused, type LiveClientOptions } from "./client";

/** Who the socket speaks for: a person's session (renewed tokens) or a device (its one token). */
export interface LiveAuth {
  onToken(listener: (token: string) => void): () => void;
  expire(reason: "expired"): void;
}

export function ticketFrom(api: ApiClient): () => Promise<string> {
  return async () => {
    try {
      // Background: holding a socket open is not the person's activity.
      const answer = await api.post<{ ticket: string }>("/api/ws-ticket", undefined, { background: true });
      return answer.ticket;
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) throw new TicketRefused(error.detail);
      throw error;
    }
  };
}

export function createLiveClient(api: ApiClient, options: Partial<LiveClientOptions> = {}): LiveClient {
  return new LiveClient({ ticket: ticketFrom(api), ...options });
}

/** Ties the client to the session and the page; the returned function detaches it and closes the socket. */
export function attachLiveClient(client: LiveClient, auth: LiveAuth): () => void {
  const stopRenewing = auth.onToken((token) => client.renew(token));
  const wake = () => client.reconnectNow();
  const onVisible = () => {
    if (document.visibilityState === "visible") wake();
  };
  const lost = () => client.connectionLost();
  window.addEventListener("online", wake);
  window.addEventListener("offline", lost);
  document.addEventListener("visibilitychange", onVisible);
  return () => {
    stopRenewing();
    window.removeEventListener("online", wake);
    window.removeEventListener("offline", lost);
    document.removeEventListener("visibilitychange", onVisible);
    client.stop();
  };
}
