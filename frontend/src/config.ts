// Settings the server puts into the page (server/frontend.py fills <meta name="hospital-config">).
// Under `npm run dev` or in unit tests the tag is empty and the server's defaults apply.

export interface AppConfig {
  /** A personal session ends after this long without the person doing anything. */
  idleTimeoutMinutes: number;
  /** Lifetime of an access token; the client refreshes a minute before it runs out. */
  accessTokenMinutes: number;
}

export const DEFAULT_CONFIG: AppConfig = { idleTimeoutMinutes: 15, accessTokenMinutes: 15 };

export function readConfig(doc: Document = document): AppConfig {
  const raw = doc.querySelector('meta[name="hospital-config"]')?.getAttribute("content") ?? "{}";
  try {
    const parsed = JSON.parse(raw) as Partial<AppConfig>;
    return {
      idleTimeoutMinutes: positive(parsed.idleTimeoutMinutes, DEFAULT_CONFIG.idleTimeoutMinutes),
      accessTokenMinutes: positive(parsed.accessTokenMinutes, DEFAULT_CONFIG.accessTokenMinutes),
    };
  } catch {
    return DEFAULT_CONFIG;
  }
}

function positive(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : fallback;
}
