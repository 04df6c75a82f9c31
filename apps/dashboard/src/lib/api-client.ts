import type { ApiErrorDetail } from './api-types';

/** The dashboard talks to its own origin; the dashboard's server forwards /dashboard-api/* to the API. */
export const API_BASE = '/dashboard-api';
export const CSRF_COOKIE = 'dr_csrf';

/** A failed call: HTTP status, the API's gRPC-shaped message, and its field issues. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: ApiErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Field path → message, for forms. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const d of this.details) if (d.field && !(d.field in out)) out[d.field] = d.description;
    return out;
  }
}

export function readCookie(name: string, cookieHeader: string = typeof document === 'undefined' ? '' : document.cookie): string | undefined {
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

export interface CallOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
}

/**
 * One call to the dashboard API. Mutations carry the session's CSRF token (double submit: the API compares it
 * with the one it derives from the HTTP-only session cookie). A 401 outside sign-in sends the user to sign in.
 */
export async function api<T>(path: string, opts: CallOptions = {}): Promise<T> {
  const method = opts.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') {
    const token = readCookie(CSRF_COOKIE);
    if (token) headers['x-csrf-token'] = token;
  }
  let res: Response;
  try {
    res = await fetch(API_BASE + path, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      credentials: 'same-origin',
      cache: 'no-store',
      signal: opts.signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'The dashboard cannot reach the server. Check your connection and try again.');
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const body = (json ?? {}) as { message?: string; details?: ApiErrorDetail[] };
    const error = new ApiError(res.status, body.message || `The server answered ${res.status}.`, body.details ?? []);
    if (res.status === 401 && !path.startsWith('/auth/') && typeof window !== 'undefined' && !window.location.pathname.startsWith('/sign')) {
      window.location.assign(`/signin?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
    }
    throw error;
  }
  return json as T;
}

export const toApiError = (e: unknown): ApiError => (e instanceof ApiError ? e : new ApiError(0, e instanceof Error ? e.message : String(e)));
