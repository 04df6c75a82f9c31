import type { Redis } from 'ioredis';

/**
 * Idle workers block on a pool's signal list instead of polling. BLPOP holds its connection for the whole wait, so
 * each concurrent wait gets its own connection, duplicated from the queue's client and reused afterwards.
 */
export class WakeSignal {
  private readonly idle: Redis[] = [];
  private readonly open = new Set<Redis>();
  private closed = false;

  constructor(private readonly redis: Redis) {}

  /** true when a token was popped (work may be waiting), false on timeout or when closed meanwhile. */
  async wait(signalKey: string, timeoutMs: number): Promise<boolean> {
    if (this.closed) return false;
    const conn = this.idle.pop() ?? this.connect();
    let reusable = true;
    try {
      // BLPOP with timeout 0 would block forever; a sub-millisecond wait is rounded up to 1 ms.
      const seconds = Math.max(1, Math.ceil(timeoutMs)) / 1000;
      const popped = await conn.blpop(signalKey, seconds);
      return popped !== null;
    } catch (err) {
      reusable = false;
      if (this.closed) return false;
      throw err;
    } finally {
      if (this.closed || !reusable) this.drop(conn);
      else this.idle.push(conn);
    }
  }

  /** Disconnects every blocking connection; waits in flight resolve false. */
  async close(): Promise<void> {
    this.closed = true;
    for (const conn of [...this.open]) this.drop(conn);
    this.idle.length = 0;
  }

  private connect(): Redis {
    // No per-command timeout on a connection meant to block; ioredis' blockingTimeout (BLPOP's own timeout plus a
    // grace) still guards against a connection that died without a close event.
    const conn = this.redis.duplicate({ commandTimeout: undefined, blockingTimeout: 60_000 });
    conn.on('error', () => undefined); // errors surface through the pending BLPOP; avoid unhandled 'error' events
    this.open.add(conn);
    return conn;
  }

  private drop(conn: Redis): void {
    this.open.delete(conn);
    conn.disconnect();
  }
}
