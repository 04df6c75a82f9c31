import type { NextRequest } from 'next/server';

// The browser talks only to the dashboard's origin; this handler forwards /dashboard-api/* to the API (read at run
// time from DARKROOM_API_URL). Cookies therefore belong to the dashboard's origin (first-party, no CORS), and the
// API still makes every decision: sessions, CSRF, tenant scoping.

export const dynamic = 'force-dynamic';

const REQUEST_HEADERS = ['cookie', 'content-type', 'accept', 'accept-language', 'user-agent', 'x-csrf-token', 'last-event-id'];
// content-disposition: downloads (outputs, the ledger CSV) are saved under the API's file name.
const RESPONSE_HEADERS = ['content-type', 'cache-control', 'retry-after', 'content-disposition', 'x-accel-buffering'];

function apiBase(): string {
  return (process.env.DARKROOM_API_URL || process.env.PUBLIC_BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
}

async function forward(req: NextRequest): Promise<Response> {
  const url = new URL(req.url);
  const headers = new Headers();
  for (const name of REQUEST_HEADERS) {
    const value = req.headers.get(name);
    if (value) headers.set(name, value);
  }
  // The API marks cookies Secure when the browser's side of the connection is HTTPS.
  headers.set('x-forwarded-proto', req.headers.get('x-forwarded-proto') ?? url.protocol.replace(':', ''));
  const forwardedFor = req.headers.get('x-forwarded-for');
  if (forwardedFor) headers.set('x-forwarded-for', forwardedFor);

  // File uploads (PUT: model files, gigabytes) are streamed through; other bodies are small and read whole.
  const stream = req.method === 'PUT' && req.body !== null;
  let res: Response;
  try {
    res = await fetch(`${apiBase()}${url.pathname}${url.search}`, {
      method: req.method,
      headers,
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : stream ? req.body : await req.arrayBuffer(),
      ...(stream ? ({ duplex: 'half' } as RequestInit) : {}),
      redirect: 'manual',
      cache: 'no-store',
      // The browser leaving (a closed tab, an EventSource reconnecting) ends the API request too.
      signal: req.signal,
    });
  } catch {
    return Response.json({ code: 14, message: 'The darkroom API cannot be reached right now. Try again in a moment.', details: [] }, { status: 503 });
  }
  const out = new Headers();
  for (const name of RESPONSE_HEADERS) {
    const value = res.headers.get(name);
    if (value) out.set(name, value);
  }
  if (!out.has('cache-control')) out.set('cache-control', 'no-store');
  for (const cookie of res.headers.getSetCookie()) out.append('set-cookie', cookie);
  return new Response(res.body, { status: res.status, headers: out });
}

export const GET = forward;
export const POST = forward;
export const DELETE = forward;
export const PUT = forward;
export const PATCH = forward;
