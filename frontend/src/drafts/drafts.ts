// Unsaved form input kept in sessionStorage, keyed by user and form, so that a session that
// expires or times out mid-form loses nothing: the person signs in again and the form is as they left it.
// Only this tab sees it (sessionStorage), and an explicit log-out or switch of user removes it.

const PREFIX = "hl.draft.";

function key(userId: string, formId: string): string {
  return `${PREFIX}${userId}.${formId}`;
}

export function loadDraft<T>(storage: Storage, userId: string, formId: string): T | null {
  const raw = storage.getItem(key(userId, formId));
  if (raw === null) return null;
  try {
    return JSON.parse(raw) as T;
  } catch {
    storage.removeItem(key(userId, formId));
    return null;
  }
}

export function saveDraft(storage: Storage, userId: string, formId: string, value: unknown): void {
  try {
    storage.setItem(key(userId, formId), JSON.stringify(value));
  } catch {
    // Storage full or disabled: the form still works, it just won't survive a re-login.
  }
}

export function discardDraft(storage: Storage, userId: string, formId: string): void {
  storage.removeItem(key(userId, formId));
}

/** Removes the drafts of one user, or of everyone when `userId` is null (switching user). */
export function discardDrafts(storage: Storage, userId: string | null): void {
  const prefix = userId === null ? PREFIX : `${PREFIX}${userId}.`;
  const doomed: string[] = [];
  for (let i = 0; i < storage.length; i += 1) {
    const name = storage.key(i);
    if (name !== null && name.startsWith(prefix)) doomed.push(name);
  }
  for (const name of doomed) storage.removeItem(name);
}
