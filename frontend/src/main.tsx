// Starts the staff app: one session, one API client, the router.

import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import { ApiClient } from "./api/client";
import { App } from "./App";
import { ServicesProvider } from "./app-context";
import { readConfig } from "./config";
import { captureDeviceToken } from "./device/device";
import { Session } from "./session/session";
import "./index.css";

// A screen link with ?device=<token> (an unattended display or board): keep the token, clean the address.
captureDeviceToken(window.location, window.history, window.localStorage);

const storage = window.sessionStorage;
const session = new Session({
  fetch: (...args) => window.fetch(...args),
  storage,
  config: readConfig(),
  currentPath: () => window.location.pathname,
  locks: typeof navigator !== "undefined" && "locks" in navigator ? navigator.locks : null,
  broadcast: typeof BroadcastChannel === "function" ? new BroadcastChannel("hospital-live-session") : null,
});
const api = new ApiClient({ session, fetch: (...args) => window.fetch(...args) });

// A laptop waking up or a tab coming back: the refresh timer may have slept through its time.
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") {
    session.refreshIfStale();
    session.checkIdle();
  }
});
window.addEventListener("online", () => session.refreshIfStale());

void session.start();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <ServicesProvider services={{ session, api, storage }}>
      <BrowserRouter>
        <App />
      </BrowserRouter>
    </ServicesProvider>
  </StrictMode>,
);
