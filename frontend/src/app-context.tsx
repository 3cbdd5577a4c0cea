// The session, the API client and the tab's storage, handed to every screen through React context.
// An unattended screen (a device) has no session: it gets an API client of its own (ApiProvider) and the
// screens learn who is looking from useViewer().

import { createContext, useContext, useSyncExternalStore, type ReactNode } from "react";
import type { ApiClient } from "./api/client";
import type { Session, SessionState } from "./session/session";
import type { User } from "./session/types";

export interface AppServices {
  session: Session;
  api: ApiClient;
  storage: Storage;
}

const ServicesContext = createContext<AppServices | null>(null);
const ApiContext = createContext<ApiClient | null>(null);

export function ServicesProvider({ services, children }: { services: AppServices; children: ReactNode }) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

/** An API client for the screens inside (a device's, signed with its token). */
export function ApiProvider({ api, children }: { api: ApiClient; children: ReactNode }) {
  return <ApiContext.Provider value={api}>{children}</ApiContext.Provider>;
}

export function useServices(): AppServices {
  const services = useContext(ServicesContext);
  if (services === null) throw new Error("useServices outside ServicesProvider");
  return services;
}

export function useSessionState(): SessionState {
  const { session } = useServices();
  return useSyncExternalStore(session.subscribe, session.getState);
}

export function useApi(): ApiClient {
  const own = useContext(ApiContext);
  const services = useContext(ServicesContext);
  const api = own ?? services?.api ?? null;
  if (api === null) throw new Error("useApi outside ServicesProvider or ApiProvider");
  return api;
}

/** Who is looking at a screen: a signed-in member of staff, or an unattended device (read-only). */
export type Viewer = { kind: "staff"; user: User } | { kind: "device" };

const ViewerContext = createContext<Viewer | null>(null);

export function ViewerProvider({ viewer, children }: { viewer: Viewer; children: ReactNode }) {
  return <ViewerContext.Provider value={viewer}>{children}</ViewerContext.Provider>;
}

export function useViewer(): Viewer {
  const viewer = useContext(ViewerContext);
  if (viewer === null) throw new Error("useViewer outside ViewerProvider");
  return viewer;
}
