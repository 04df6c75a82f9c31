import { Queue } from 'bullmq';
import { Webhook } from 'standardwebhooks';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@darkroom/testing';
import {
  DEFAULT_RETRY_DELAYS_MS,
  JOB_STATUS_EVENT,
  notifyJobStatus,
  requeuePendingDeliveries,
  WEBHOOK_QUEUE,
  WebhookDispatcher,
  type AddressPolicy,
  type WebhookDispatcherOptions,
} from '@darkroom/webhooks';
import type { WebhookDelivery } from '@darkroom/db';
import { seedTenant, type SeededTenant } from './fixtures';
import { startReceiver, waitFor, type ReceiverScript, type WebhookReceiver } from './webhook-receiver';

const loopbackOk: AddressPolicy = { allowPrivate: false, allowLoopback: true };

describe('WebhookDispatcher', () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let tenant: SeededTenant;
  let dispatcher: WebhookDispatcher | undefined;
  let receiver: WebhookReceiver | undefined;
  let run = 0;
  let prefix = '';

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = await createTestRedis();
    tenant = await seedTenant(db.prisma);
  });
  afterAll(async () => {
    await redis.cleanup();
    await db.drop();
  });
  afterEach(async () => {
    await dispatcher?.close();
    await receiver?.close();
    dispatcher = undefined;
    receiver = undefined;
  });

  /** A dispatcher with its worker, under a prefix of its own so no test sees another's jobs. */
  async function start(options: Partial<WebhookDispatcherOptions> = {}): Promise<WebhookDispatcher> {
    prefix = `${redis.prefix}-${run++}`;
    dispatcher = new WebhookDispatcher({
      connection: redis.url,
      prefix,
      prisma: db.prisma,
      policy: loopbackOk,
      delaysMs: [50, 50],
      timeoutMs: 2000,
      ...options,
    });
    await dispatcher.startWorker({ concurrency: 2 });
    return dispatcher;
  }

  const payload = (status: string) => ({ id: String(tenant.jobId), status, credits: '1.5', waitingInfo: { queueRank: '1', queueLen: '3' } });

  async function notify(d: WebhookDispatcher, url: string, status = 'RUNNING'): Promise<string> {
    return notifyJobStatus(
      { deliveries: d.deliveries, dispatcher: d },
      { tenantId: tenant.tenantId, jobId: tenant.jobId, url, event: JOB_STATUS_EVENT, payload: payload(status) },
    );
  }

  const finished = (id: string, timeoutMs = 10_000) =>
    waitFor<WebhookDelivery>(
      async () => {
        const row = await db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id } });
        return row.status === 'PENDING' ? undefined : row;
      },
      timeoutMs,
      `delivery ${id} to finish`,
    );
  const attemptsOf = (deliveryId: string) => db.prisma.webhookAttempt.findMany({ where: { deliveryId }, orderBy: { attempt: 'asc' } });

  it('delivers a signed job status that the receiver verifies', async () => {
    const verified: unknown[] = [];
    receiver = await startReceiver((_n, req) => {
      verified.push(new Webhook(tenant.secret).verify(req.body, req.headers as Record<string, string>));
      return { status: 200 };
    });
    const d = await start();
    const id = await notify(d, receiver.url, 'SUCCESS');
    const row = await finished(id);
    expect(row.status).toBe('SUCCEEDED');
    expect(row.attempts).toBe(1);
    expect(row.lastStatus).toBe(200);
    expect(verified).toEqual([payload('SUCCESS')]);
    const [req] = receiver.requests;
    expect(JSON.parse(req.body)).toEqual(payload('SUCCESS'));
    expect(req.headers['webhook-id']).toBe(row.messageId);
    expect(Number(req.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -1);
    expect(req.headers['webhook-signature']).toMatch(/^v1,/);
    expect((await attemptsOf(id)).map((a) => [a.attempt, a.statusCode, a.error])).toEqual([[1, 200, null]]);
  });

  it('retries 500, 500 and succeeds on the third attempt with the same message id', async () => {
    receiver = await startReceiver((n) => ({ status: n < 2 ? 500 : 200 }));
    const d = await start({ delaysMs: [50, 50, 50] });
    const id = await notify(d, receiver.url);
    const row = await finished(id);
    expect(row.status).toBe('SUCCEEDED');
    expect(row.attempts).toBe(3);
    expect(row.deliveredAt).toBeInstanceOf(Date);
    expect((await attemptsOf(id)).map((a) => [a.attempt, a.statusCode])).toEqual([
      [1, 500],
      [2, 500],
      [3, 200],
    ]);
    const ids = receiver.requests.map((r) => r.headers['webhook-id']);
    expect(ids).toEqual([row.messageId, row.messageId, row.messageId]);
    for (const r of receiver.requests) {
      expect(() => new Webhook(tenant.secret).verify(r.body, r.headers as Record<string, string>)).not.toThrow();
    }
  });

  it('fails a delivery after the last attempt of its delay list', async () => {
    receiver = await startReceiver(() => ({ status: 500 }));
    const d = await start({ delaysMs: [50, 50] });
    expect(d.maxAttempts).toBe(3);
    const id = await notify(d, receiver.url);
    const row = await finished(id);
    expect(row).toMatchObject({ status: 'FAILED', attempts: 3, lastStatus: 500, lastError: 'HTTP 500' });
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.requests).toHaveLength(3);
    expect((await attemptsOf(id)).map((a) => a.statusCode)).toEqual([500, 500, 500]);
  });

  it('refuses loopback when it is not allowed: no request, no retry, the reason recorded', async () => {
    receiver = await startReceiver();
    const d = await start({ policy: { allowPrivate: false, allowLoopback: false } });
    const id = await notify(d, receiver.url);
    const row = await finished(id);
    expect(row.status).toBe('FAILED');
    expect(row.attempts).toBe(1);
    expect(row.lastError).toContain('127.0.0.1');
    expect(row.lastError).toContain('loopback');
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.requests).toHaveLength(0);
    expect(await attemptsOf(id)).toHaveLength(1);
    const queue = new Queue(WEBHOOK_QUEUE, { connection: { url: redis.url }, prefix });
    try {
      const job = await queue.getJob(id);
      expect(await job?.getState()).toBe('failed');
      expect(job?.attemptsMade).toBe(1);
    } finally {
      await queue.close();
    }
  });

  it.each([
    ['http://10.0.0.1/hook', 'private'],
    ['http://169.254.169.254/latest/meta-data/', 'link-local'],
    ['http://[fd00::1]/hook', 'private'],
    ['http://[::ffff:192.168.1.1]/hook', 'IPv4-mapped'],
    ['ftp://127.0.0.1/hook', 'scheme'],
  ])('refuses %s for good', async (url, reason) => {
    const d = await start();
    const id = await notify(d, url);
    const row = await finished(id);
    expect(row).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(row.lastError).toContain(reason);
    const [attempt] = await attemptsOf(id);
    expect(attempt).toMatchObject({ attempt: 1, statusCode: null });
  });

  it('records a timeout when the receiver never answers', async () => {
    receiver = await startReceiver(() => 'hang');
    const d = await start({ delaysMs: [50], timeoutMs: 300 });
    const id = await notify(d, receiver.url);
    const row = await finished(id);
    expect(row.status).toBe('FAILED');
    const attempts = await attemptsOf(id);
    expect(attempts).toHaveLength(2);
    for (const a of attempts) {
      expect(a.error).toBe('timeout after 300 ms');
      expect(a.statusCode).toBeNull();
      expect(a.durationMs).toBeGreaterThanOrEqual(290);
    }
  });

  it('waits the configured delays between attempts', async () => {
    receiver = await startReceiver(() => ({ status: 503 }));
    const delays = [300, 600];
    const d = await start({ delaysMs: delays });
    const id = await notify(d, receiver.url);
    await finished(id);
    const at = receiver.requests.map((r) => r.at);
    expect(at).toHaveLength(3);
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(delays[0]);
    expect(at[2] - at[1]).toBeGreaterThanOrEqual(delays[1]);
    // ... and not the defaults (10 s and more) or anything far beyond the list plus its 10% jitter.
    expect(at[1] - at[0]).toBeLessThan(delays[0] * 1.1 + 1000);
    expect(at[2] - at[1]).toBeLessThan(delays[1] * 1.1 + 1000);
    const logged = (await attemptsOf(id)).map((a) => a.createdAt.getTime());
    expect(logged[1] - logged[0]).toBeGreaterThanOrEqual(delays[0]);
    expect(logged[2] - logged[1]).toBeGreaterThanOrEqual(delays[1]);
  });

  it('sends a delivery once however often it is enqueued', async () => {
    receiver = await startReceiver();
    const d = await start();
    const id = await notify(d, receiver.url);
    await d.enqueue(id);
    await finished(id);
    await d.enqueue(id);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.requests).toHaveLength(1);
  });

  it('re-enqueues a pending delivery whose enqueue was lost, without doubling one still queued', async () => {
    receiver = await startReceiver((n) => ({ status: n === 0 ? 500 : 200 }));
    const d = await start({ delaysMs: [400] });
    const queued = await notify(d, receiver.url); // fails once, then waits 400 ms in BullMQ's delayed set
    const lost = (
      await d.deliveries.create({ tenantId: tenant.tenantId, jobId: tenant.jobId, url: receiver.url, event: JOB_STATUS_EVENT, payload: payload('FAILED') })
    ).id;
    await waitFor(async () => (receiver!.requests.length >= 1 ? true : undefined));
    const offered = await requeuePendingDeliveries({ deliveries: d.deliveries, dispatcher: d }, { olderThanMs: 0, limit: 100, now: new Date(Date.now() + 1000) });
    expect(offered).toBeGreaterThanOrEqual(2);
    expect((await finished(lost)).status).toBe('SUCCEEDED');
    expect((await finished(queued)).status).toBe('SUCCEEDED');
    await new Promise((r) => setTimeout(r, 200));
    const byId = (id: string) => db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id } });
    expect((await byId(queued)).attempts).toBe(2);
    expect((await byId(lost)).attempts).toBe(1);
    expect(receiver.requests).toHaveLength(3);
  });

  it('defaults to 9 attempts over about 8 hours', () => {
    const d = new WebhookDispatcher({ connection: redis.url, prefix: `${redis.prefix}-defaults`, prisma: db.prisma, policy: loopbackOk });
    dispatcher = d;
    expect(d.maxAttempts).toBe(9);
    const total = DEFAULT_RETRY_DELAYS_MS.reduce((a, b) => a + b, 0);
    expect(total / 3_600_000).toBeGreaterThan(7.5);
    expect(total / 3_600_000).toBeLessThan(8.5);
    for (let attempt = 1; attempt <= 8; attempt++) {
      const delay = d.delayAfter(attempt);
      expect(delay).toBeGreaterThanOrEqual(DEFAULT_RETRY_DELAYS_MS[attempt - 1]);
      expect(delay).toBeLessThanOrEqual(DEFAULT_RETRY_DELAYS_MS[attempt - 1] * 1.1);
    }
    expect(d.delayAfter(1)).toBeLessThanOrEqual(11_000);
  });
});
