'use client';
import { useEffect, useRef, useState } from 'react';
import { API_BASE } from './api-client';
import type { JobChangeEvent } from './api-types';

/** 'live': server-sent events arrive; 'polling': they cannot (the page asks again on a timer instead). */
export type LiveMode = 'connecting' | 'live' | 'polling';

/**
 * Subscribes to the tenant's job changes (GET /dashboard-api/jobs/events, server-sent events). `onChange` runs for
 * each changed job. When the stream fails twice in a row, or the browser has no EventSource, the mode turns to
 * 'polling' and the caller's own polling takes over.
 */
export function useJobEvents(enabled: boolean, onChange: (e: JobChangeEvent) => void): LiveMode {
  const [mode, setMode] = useState<LiveMode>('connecting');
  const handler = useRef(onChange);
  handler.current = onChange;

  useEffect(() => {
    if (!enabled) return;
    if (typeof EventSource === 'undefined') {
      setMode('polling');
      return;
    }
    let failures = 0;
    const source = new EventSource(`${API_BASE}/jobs/events`);
    source.onopen = () => {
      failures = 0;
      setMode('live');
    };
    source.addEventListener('job', (e) => {
      try {
        handler.current(JSON.parse((e as MessageEvent<string>).data) as JobChangeEvent);
      } catch {
        // a malformed event: ignore it
      }
    });
    source.onerror = () => {
      failures += 1;
      // EventSource reconnects by itself; after repeated failures polling is the reliable path.
      if (failures >= 2 || source.readyState === EventSource.CLOSED) {
        setMode('polling');
        if (failures >= 5) source.close();
      }
    };
    return () => source.close();
  }, [enabled]);

  return mode;
}
