import { Webhook } from 'standardwebhooks';
import { startReceiver, waitFor, WebhookReceiver } from '../../../libs/webhooks/test/webhook-receiver';
import { ApiHarness, TestTenant, txt2img } from './api-harness';

describe('job status webhooks', () => {
  let h: ApiHarness;
  let tenant: TestTenant;
  let secret: string;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    h = await ApiHarness.start({ WEBHOOK_ALLOW_LOOPBACK: 'true', WEBHOOK_RETRY_DELAYS_MS: '100,200,300' });
    tenant = await h.createTenant();
    secret = (await h.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } })).webhookSecret;
    // The second delivery is refused once with a 500, to show the retry.
    receiver = await startReceiver((n) => ({ status: n === 1 ? 500 : 200 }));
  });
  afterAll(async () => {
    await receiver.close();
    await h.stop();
  });

  it('posts the signed job object on every status change after creation, retrying failures', async () => {
    const created = await h.call('POST', '/v1/jobs', { body: { ...txt2img('wh-1'), notifyUrl: `${new URL(receiver.url).origin}/hooks?x=1` }, headers: tenant.auth });
    expect(created.status).toBe(200);
    h.startWorker();
    await h.waitForStatus(tenant, created.json.job.id, ['SUCCESS']);
    const deliveries = await waitFor(async () => {
      const rows = await h.prisma.webhookDelivery.findMany({ where: { jobId: BigInt(created.json.job.id) }, include: { attemptLog: true } });
      return rows.length === 2 && rows.every((r) => r.status === 'SUCCEEDED') ? rows : undefined;
    }, 15_000, 'two delivered webhooks');
    expect(deliveries.map((d) => d.attemptLog.length).sort()).toEqual([1, 2]);

    const verifier = new Webhook(secret);
    const bodies = receiver.requests.map((r) => {
      expect(r.path).toBe('/hooks?x=1');
      return verifier.verify(r.body, r.headers as Record<string, string>) as { job: { id: string; status: string; successInfo?: { images: unknown[] } } };
    });
    expect(bodies.every((b) => b.job.id === created.json.job.id)).toBe(true);
    const last = bodies.find((b) => b.job.status === 'SUCCESS');
    expect(last?.job.successInfo?.images).toHaveLength(1);
    // The retried delivery kept its webhook-id.
    const ids = receiver.requests.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(2);
    expect(() => new Webhook(`whsec_${Buffer.from('other'.repeat(7)).toString('base64')}`).verify(receiver.requests[0].body, receiver.requests[0].headers as Record<string, string>)).toThrow();
  });

  it('notifies a cancel', async () => {
    const before = receiver.requests.length;
    const created = await h.call('POST', '/v1/jobs', { body: { ...txt2img('wh-2', { steps: 60 }), notifyUrl: receiver.url }, headers: tenant.auth });
    // No worker takes it (the one above is busy-free but we cancel at once): the cancel is the only change.
    await h.call('DELETE', `/v1/jobs/${created.json.job.id}`, { headers: tenant.auth });
    await waitFor(async () => (receiver.requests.slice(before).some((r) => JSON.parse(r.body).job.status === 'CANCELED') ? true : undefined), 10_000, 'a CANCELED webhook');
  });

  it('refuses notifyUrls that could reach private networks, before creating anything', async () => {
    for (const url of ['http://10.0.0.1/hook', 'http://169.254.169.254/latest/meta-data', 'http://[fd00::1]/x', 'ftp://example.com/x', 'http://user:pw@example.com/']) {
      const res = await h.call('POST', '/v1/jobs', { body: { ...txt2img(`wh-bad-${url.length}`), notifyUrl: url }, headers: tenant.auth });
      expect({ url, status: res.status, field: res.json.details[0].field }).toEqual({ url, status: 400, field: 'notifyUrl' });
    }
    expect(await h.prisma.job.count({ where: { requestId: { startsWith: 'wh-bad' } } })).toBe(0);
  });
});

describe('webhooks without loopback allowed', () => {
  it('refuses a loopback notifyUrl at creation', async () => {
    const h = await ApiHarness.start();
    try {
      const tenant = await h.createTenant();
      const res = await h.call('POST', '/v1/jobs', { body: { ...txt2img('wh-loop'), notifyUrl: 'http://127.0.0.1:9/x' }, headers: tenant.auth });
      expect([res.status, res.json.details[0].field, res.json.details[0].rule]).toEqual([400, 'notifyUrl', 'address_refused']);
    } finally {
      await h.stop();
    }
  });
});
