// A form's state that is also its draft: every change is written to sessionStorage under the
// signed-in user and the form's name, and read back when the form mounts again after a re-login.

import { useCallback, useEffect, useRef, useState } from "react";
import { useServices, useSessionState } from "../app-context";
import { discardDraft, loadDraft, saveDraft } from "./drafts";

type Setter<T> = (next: T | ((previous: T) => T)) => void;

export function useDraft<T extends object>(
  formId: string,
  initial: T,
  options: { exclude?: readonly (keyof T)[] } = {},
): [T, Setter<T>, () => void] {
  const { storage } = useServices();
  const userId = useSessionState().user?.id ?? "anonymous";
  const initialRef = useRef(initial);
  const exclude = useRef(options.exclude ?? []);
  const [value, setValue] = useState<T>(() => {
    const saved = loadDraft<Partial<T>>(storage, userId, formId);
    return saved ? { ...initial, ...saved } : initial;
  });

  useEffect(() => {
    const kept: Partial<T> = { ...value };
    for (const name of exclude.current) delete kept[name];
    const blank: Partial<T> = { ...initialRef.current };
    for (const name of exclude.current) delete blank[name];
    if (JSON.stringify(kept) === JSON.stringify(blank)) discardDraft(storage, userId, formId);
    else saveDraft(storage, userId, formId, kept);
  }, [value, storage, userId, formId]);

  const clear = useCallback(() => {
    discardDraft(storage, userId, formId);
    setValue(initialRef.current);
  }, [storage, userId, formId]);

  return [value, setValue, clear];
}
