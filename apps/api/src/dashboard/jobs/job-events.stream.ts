import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '@darkroom/contracts';
import type { PrismaClient } from '@darkroom/db';
import { JobChangeFeed } from './job-change-feed';

export interface JobEventsOptions {
  /** How often Postgres is asked for changes. */
  pollMs: number;
  /** A comment line this often keeps proxies from closing an idle stream. */
  keepAliveMs: number;
  /** The stream ends after this long; the browser's EventSource reconnects (and the session is checked again). */
  maxLifetimeMs: number;
  /** Open streams per tenant in this process. */
  maxPerTenant: number;
}

export const JOB_EVENTS_DEFAULTS: JobEventsOptions = { pollMs: 1000, keepAliveMs: 15_000, maxLifetimeMs: 5 * 60_000, maxPerTenant: 20 };
/** How far back a fresh stream (no Last-Event-ID) starts: covers the gap between loading a page and subscribing. */
const FRESH_LOOKBACK_MS = 5_000;

/** Server-sent events of a tenant's job changes (`event: job`, JSON JobChangeEvent; `id` = resume cursor). */
export class JobEventsStream {
  private readonly open = new Map<string, number>();
  private readonly closers = new Set<() => void>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: JobEventsOptions = JOB_EVENTS_DEFAULTS,
  ) {}

  async serve(tenantId: string, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const count = this.open.get(tenantId) ?? 0;
    if (count >= this.options.maxPerTenant) throw DomainError.resourceExhausted(`at most ${this.options.maxPerTenant} live job streams per account; close some tabs`, { 'retry-after': '10' });
    const feed = new JobChangeFeed(this.prisma, tenantId, resumeFrom(req.headers['last-event-id']));
    this.open.set(tenantId, count + 1);

    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      // no-transform: compressing proxies (the dashboard's server among them) must not buffer the stream.
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    raw.write('retry: 2000\n\n');

    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      this.closers.delete(close);
      clearInterval(keepAlive);
      clearTimeout(lifetime);
      this.open.set(tenantId, (this.open.get(tenantId) ?? 1) - 1);
      if (!raw.writableEnded) raw.end();
    };
    this.closers.add(close);
    req.raw.on('close', close);
    raw.on('close', close);
    const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), this.options.keepAliveMs);
    const lifetime = setTimeout(close, this.options.maxLifetimeMs);

    while (!closed) {
      try {
        const events = await feed.next();
        for (const e of events) {
          if (closed) break;
          raw.write(`event: job\nid: ${feed.position.toISOString()}\ndata: ${JSON.stringify(e)}\n\n`);
        }
      } catch {
        // The database is unavailable for a moment: say so and let the browser reconnect later.
        if (!closed) raw.write('event: unavailable\ndata: {}\n\n');
        close();
        break;
      }
      await new Promise((r) => setTimeout(r, this.options.pollMs));
    }
  }

  /** Ends every open stream (the API is shutting down; browsers reconnect to another replica). */
  closeAll(): void {
    for (const close of [...this.closers]) close();
  }
}

/** Last-Event-ID (an ISO time this stream wrote) or a few seconds ago; never more than an hour back. */
export function resumeFrom(header: string | string[] | undefined, now = Date.now()): Date {
  const value = Array.isArray(header) ? header[0] : header;
  const t = value ? Date.parse(value) : NaN;
  if (Number.isFinite(t) && t <= now && t >= now - 3600_000) return new Date(t);
  return new Date(now - FRESH_LOOKBACK_MS);
}
