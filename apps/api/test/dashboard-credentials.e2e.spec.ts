import { createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { startReceiver, waitFor, WebhookReceiver } from '../../../libs/webhooks/test/webhook-receiver';
import { ApiHarness, txt2img } from './api-harness';
import { DashboardClient, uniqueEmail } from './dashboard-client';

const rsaKeys = (bits = 2048) => generateKeyPairSync('rsa', { modulusLength: bits, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });

/** A TAMS-SHA256-RSA request as a tenant's program sends it. */
function signedHeaders(appId: string, privateKey: string, method: string, path: string, body: string) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(8).toString('hex');
  const signature = createSign('RSA-SHA256').update(`${method}\n${path}\n${timestamp}\n${nonce}\n${body}`).sign(privateKey, 'base64');
  return { authorization: `TAMS-SHA256-RSA app_id=${appId},nonce_str=${nonce},timestamp=${timestamp},signature=${signature}`, 'content-type': 'application/json' };
}

describe('dashboard API: RSA app credentials', () => {
  let h: ApiHarness;
  let owner: DashboardClient;
  let other: DashboardClient;

  beforeAll(async () => {
    h = await ApiHarness.start();
    owner = new DashboardClient(h);
    other = new DashboardClient(h);
    await owner.signUp(uniqueEmail('rsa'), 'Signed Apps');
    await other.signUp(uniqueEmail('rsa-other'), 'Someone Else');
  });
  afterAll(() => h.stop());

  it('registers a public key, gives an app id that signs requests, and revoking it stops them', async () => {
    const { publicKey, privateKey } = rsaKeys();
    const created = await owner.call('POST', '/app-credentials', { name: 'render farm', publicKeyPem: `\n${publicKey}\n` });
    expect(created.status).toBe(200);
    const { credential } = created.json;
    expect(credential).toMatchObject({ name: 'render farm', keyBits: 2048, revokedAt: null, lastUsedAt: null });
    expect(credential.appId).toMatch(/^app_[0-9a-f]{16}$/);
    expect(credential.fingerprint).toMatch(/^([0-9a-f]{2}:){31}[0-9a-f]{2}$/);

    const body = JSON.stringify({ stages: txt2img('x').stages });
    const ok = await h.call('POST', '/v1/jobs/credits', { rawBody: body, headers: signedHeaders(credential.appId, privateKey, 'POST', '/v1/jobs/credits', body) });
    expect(ok.status).toBe(200);
    const listed = (await owner.call('GET', '/app-credentials')).json.credentials;
    expect(listed.map((c: { appId: string }) => c.appId)).toEqual([credential.appId]);
    expect(JSON.stringify(listed)).not.toContain('BEGIN');
    expect((await other.call('GET', '/app-credentials')).json.credentials).toEqual([]);
    expect((await other.call('DELETE', `/app-credentials/${credential.id}`)).status).toBe(404);

    expect((await owner.call('DELETE', `/app-credentials/${credential.id}`)).json.credential.revokedAt).not.toBeNull();
    const refused = await h.call('POST', '/v1/jobs/credits', { rawBody: body, headers: signedHeaders(credential.appId, privateKey, 'POST', '/v1/jobs/credits', body) });
    expect(refused.status).toBe(401);
  });

  it('refuses private keys, small keys, other key types and garbage, naming publicKeyPem', async () => {
    const cases: Array<[string, string]> = [
      [rsaKeys().privateKey, 'private_key'],
      [rsaKeys(1024).publicKey, 'key_size'],
      [generateKeyPairSync('ec', { namedCurve: 'P-256', publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } }).publicKey, 'key_type'],
      ['ssh-rsa AAAAB3NzaC1yc2E me@host', 'pem'],
      ['-----BEGIN PUBLIC KEY-----\nnot base64 at all\n-----END PUBLIC KEY-----', 'pem'],
    ];
    for (const [pem, rule] of cases) {
      const res = await owner.call('POST', '/app-credentials', { name: 'bad', publicKeyPem: pem });
      expect({ rule, status: res.status, detail: res.json.details[0] }).toEqual({ rule, status: 400, detail: expect.objectContaining({ field: 'publicKeyPem', rule }) });
    }
    const missing = await owner.call('POST', '/app-credentials', { name: '', publicKeyPem: '' });
    expect(missing.json.details.map((d: { field: string }) => d.field).sort()).toEqual(['name', 'publicKeyPem']);
    expect(await h.prisma.appCredential.count({ where: { name: 'bad' } })).toBe(0);
  });
});

describe('dashboard API: webhooks page', () => {
  let h: ApiHarness;
  let owner: DashboardClient;
  let other: DashboardClient;
  let receiver: WebhookReceiver;
  let failing = true;

  beforeAll(async () => {
    // Two attempts 50 ms apart, then the delivery fails for good.
    h = await ApiHarness.start({ WEBHOOK_ALLOW_LOOPBACK: 'true', WEBHOOK_RETRY_DELAYS_MS: '50' });
    owner = new DashboardClient(h);
    other = new DashboardClient(h);
    await owner.signUp(uniqueEmail('hooks'), 'Hook Shop');
    await other.signUp(uniqueEmail('hooks-other'), 'Nosy Neighbour');
    await h.prisma.tenant.updateMany({ data: { rateLimitPerSec: 1000, planId: 'enterprise' } });
    receiver = await startReceiver(() => ({ status: failing ? 503 : 204 }));
  });
  afterAll(async () => {
    await receiver.close();
    await h.stop();
  });

  it('rotates the signing secret (shown once) and lists deliveries with attempts; retry now sends a failed one again', async () => {
    const rotated = await owner.call('POST', '/webhooks/secret/rotate');
    expect(rotated.status).toBe(200);
    const { secret, secretHint } = rotated.json;
    expect(secret).toMatch(/^whsec_/);
    expect(secretHint).toBe(`whsec_…${secret.slice(-4)}`);
    const page = await owner.call('GET', '/webhooks');
    expect(page.json).toMatchObject({ secretHint, deliveries: [], nextBefore: null, retryDelaysMs: [50] });
    expect(JSON.stringify(page.json)).not.toContain(secret);

    // A job whose notifyUrl answers 503: one delivery (CANCELED), two attempts, then FAILED.
    const job = (await owner.call('POST', '/jobs', { ...txt2img('hook-1'), notifyUrl: receiver.url })).json.job;
    await owner.call('DELETE', `/jobs/${job.id}`);
    const failed = await waitFor(async () => {
      const d = (await owner.call('GET', '/webhooks?status=FAILED')).json.deliveries;
      return d.length === 1 ? d[0] : undefined;
    }, 15_000, 'a failed delivery');
    expect(failed).toMatchObject({ jobId: job.id, status: 'FAILED', attempts: 2, maxAttempts: 2, lastStatus: 503, nextAttemptAt: null, event: 'job.status' });
    const detail = (await owner.call('GET', `/webhooks/deliveries/${failed.id}`)).json;
    expect(detail.attempts.map((a: { attempt: number; statusCode: number }) => [a.attempt, a.statusCode])).toEqual([
      [1, 503],
      [2, 503],
    ]);
    expect((detail.payload as { job: { id: string } }).job.id).toBe(job.id);
    expect((await other.call('GET', `/webhooks/deliveries/${failed.id}`)).status).toBe(404);
    expect((await other.call('POST', `/webhooks/deliveries/${failed.id}/retry`)).status).toBe(404);

    failing = false;
    const retried = await owner.call('POST', `/webhooks/deliveries/${failed.id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.json.outcome).toBe('sent-now');
    const done = await waitFor(async () => {
      const d = (await owner.call('GET', `/webhooks/deliveries/${failed.id}`)).json;
      return d.delivery.status === 'SUCCEEDED' ? d : undefined;
    }, 15_000, 'the retried delivery');
    expect(done.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([503, 503, 204]);
    // The retry was signed with the rotated secret.
    const last = receiver.requests[receiver.requests.length - 1];
    expect(() => new Webhook(secret).verify(last.body, last.headers as Record<string, string>)).not.toThrow();
    const again = await owner.call('POST', `/webhooks/deliveries/${failed.id}/retry`);
    expect([again.status, again.json.details[0].rule]).toEqual([400, 'succeeded']);
    expect((await owner.call('GET', '/webhooks?status=BOGUS')).json.details[0].field).toBe('status');
  });
});
