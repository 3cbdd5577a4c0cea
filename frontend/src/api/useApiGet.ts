// Loads a GET answer for a screen, again whenever the address changes or reload() is called.

import { useCallback, useEffect, useState } from "react";
import { useApi } from "../app-context";
import { withQuery, type RequestOptions } from "./client";
import { ApiError } from "./errors";

export interface Loaded<T> {
  data: T | null;
  error: ApiError | null;
  reload: () => void;
}

/** `path` null: nothing to read (yet). */
export function useApiGet<T>(path: string | null, query?: RequestOptions["query"]): Loaded<T> {
  const api = useApi();
  const url = path === null ? null : withQuery(path, query);
  const [tick, setTick] = useState(0);
  const [state, setState] = useState<{ data: T | null; error: ApiError | null }>({ data: null, error: null });

  useEffect(() => {
    if (url === null) return;
    let live = true;
    api.get<T>(url).then(
      (data) => {
        if (live) setState({ data, error: null });
      },
      (error: unknown) => {
        if (!live) return;
        const failure =
          error instanceof ApiError
            ? error
            : new ApiError({ status: 0, error: "Error", detail: error instanceof Error ? error.message : String(error) });
        setState((previous) => ({ data: previous.data, error: failure }));
      },
    );
    return () => {
      live = false;
    };
  }, [api, url, tick]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}
