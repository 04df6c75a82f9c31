'use client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, toApiError } from './api-client';

export interface ApiState<T> {
  data: T | undefined;
  error: ApiError | undefined;
  /** True until the first answer for the current path. */
  loading: boolean;
  reload: () => void;
}

/**
 * GET `path` and keep the answer; `poll(data)` says how long to wait before asking again (null = stop), which is
 * how pages show live status. A null path waits.
 */
export function useApi<T>(path: string | null, poll?: (data: T | undefined) => number | null): ApiState<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean; path: string | null }>({ loading: true, path });
  const [tick, setTick] = useState(0);
  const pollRef = useRef(poll);
  pollRef.current = poll;

  useEffect(() => {
    if (!path) return;
    const ctrl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    setState((s) => (s.path === path ? s : { loading: true, path }));
    api<T>(path, { signal: ctrl.signal }).then(
      (data) => {
        setState({ data, loading: false, path });
        const wait = pollRef.current?.(data) ?? null;
        if (wait !== null) timer = setTimeout(() => setTick((t) => t + 1), wait);
      },
      (e) => {
        if ((e as Error).name === 'AbortError') return;
        setState((s) => ({ data: s.path === path ? s.data : undefined, error: toApiError(e), loading: false, path }));
      },
    );
    return () => {
      ctrl.abort();
      if (timer) clearTimeout(timer);
    };
  }, [path, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  const current = state.path === path;
  return { data: current ? state.data : undefined, error: current ? state.error : undefined, loading: !current || state.loading, reload };
}
