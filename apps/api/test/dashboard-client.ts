import type { ApiHarness } from './api-harness';

/** A browser-like client of /dashboard-api: keeps cookies, sends the CSRF token on mutations. */
export class DashboardClient {
  readonly cookies = new Map<string, string>();

  constructor(private readonly h: ApiHarness) {}

  get csrf(): string | undefined {
    return this.cookies.get('dr_csrf');
  }

  async call(method: string, path: string, body?: unknown, opts: { csrf?: string | null; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const csrf = opts.csrf === undefined ? this.csrf : opts.csrf;
    if (csrf && method !== 'GET') headers['x-csrf-token'] = csrf;
    const res = await this.h.call(method, `/dashboard-api${path}`, { body, headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = decodeURIComponent(pair.slice(eq + 1));
      if (/Max-Age=0/.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  signUp(email: string, tenantName = email.split('@')[0], password = 'correct horse battery') {
    return this.call('POST', '/auth/signup', { email, password, tenantName });
  }

  signIn(email: string, password = 'correct horse battery') {
    return this.call('POST', '/auth/signin', { email, password });
  }
}

let counter = 0;
export const uniqueEmail = (what: string) => `${what}-${process.pid}-${Date.now()}-${counter++}@example.test`;
