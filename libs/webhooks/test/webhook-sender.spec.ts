import { sendWebhook, type AddressPolicy, type HostResolver } from '@darkroom/webhooks';
import { startReceiver, type WebhookReceiver } from './webhook-receiver';

const loopbackOk: AddressPolicy = { allowPrivate: false, allowLoopback: true };
const strict: AddressPolicy = { allowPrivate: false, allowLoopback: false };
const body = JSON.stringify({ id: '7', status: 'RUNNING' });
const headers = { 'webhook-id': 'msg_test' };

describe('sendWebhook', () => {
  let receiver: WebhookReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('posts the body with its headers and treats 2xx as delivered', async () => {
    receiver = await startReceiver(() => ({ status: 204 }));
    const result = await sendWebhook({ url: receiver.url, headers, body, policy: loopbackOk });
    expect(result).toMatchObject({ ok: true, status: 204 });
    expect(result.error).toBeUndefined();
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    const [req] = receiver.requests;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/hooks/darkroom?x=1');
    expect(req.body).toBe(body);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['webhook-id']).toBe('msg_test');
  });

  it('reports a non-2xx answer as a failure with its status', async () => {
    receiver = await startReceiver(() => ({ status: 503, body: 'busy' }));
    expect(await sendWebhook({ url: receiver.url, headers, body, policy: loopbackOk })).toMatchObject({
      ok: false,
      status: 503,
      error: 'HTTP 503',
    });
  });

  it('does not follow redirects', async () => {
    receiver = await startReceiver((n) => (n === 0 ? { status: 302, headers: { location: '/elsewhere' } } : { status: 200 }));
    const result = await sendWebhook({ url: receiver.url, headers, body, policy: loopbackOk });
    expect(result).toMatchObject({ ok: false, status: 302 });
    expect(result.error).toContain('redirects are not followed');
    expect(receiver.requests).toHaveLength(1);
  });

  it('reads at most 64 KiB of a large answer and still reports it', async () => {
    receiver = await startReceiver(() => ({ status: 200, body: Buffer.alloc(8 * 1024 * 1024, 0x61) }));
    expect(await sendWebhook({ url: receiver.url, headers, body, policy: loopbackOk })).toMatchObject({ ok: true, status: 200 });
  });

  it('gives up on a receiver that never answers', async () => {
    receiver = await startReceiver(() => 'hang');
    const result = await sendWebhook({ url: receiver.url, headers, body, policy: loopbackOk, timeoutMs: 300 });
    expect(result.ok).toBe(false);
    expect(result.status).toBeUndefined();
    expect(result.error).toBe('timeout after 300 ms');
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
    expect(result.durationMs).toBeLessThan(3000);
    expect(receiver.requests).toHaveLength(1);
  });

  it('reports a refused connection as a retryable error', async () => {
    receiver = await startReceiver();
    const url = receiver.url;
    await receiver.close();
    receiver = undefined;
    const result = await sendWebhook({ url, headers, body, policy: loopbackOk });
    expect(result.ok).toBe(false);
    expect(result.error).toContain('ECONNREFUSED');
    expect(result.refused).toBeUndefined();
  });

  it('refuses loopback before connecting when the policy forbids it', async () => {
    receiver = await startReceiver();
    const result = await sendWebhook({ url: receiver.url, headers, body, policy: strict });
    expect(result.ok).toBe(false);
    expect(result.refused).toMatchObject({ code: 'ADDRESS_REFUSED', address: '127.0.0.1', rule: '127.0.0.0/8' });
    expect(receiver.requests).toHaveLength(0);
  });

  it('connects to the vetted address, not to a second DNS answer', async () => {
    receiver = await startReceiver();
    // The first lookup answers loopback (allowed here); any later lookup would answer a refused address.
    let lookups = 0;
    const resolver: HostResolver = async () => [{ address: lookups++ === 0 ? '127.0.0.1' : '10.9.9.9', family: 4 }];
    const url = `http://hooks.darkroom.test:${receiver.port}/in`;
    const result = await sendWebhook({ url, headers, body, policy: loopbackOk, resolver, timeoutMs: 2000 });
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(lookups).toBe(1);
    expect(receiver.requests[0].headers.host).toBe(`hooks.darkroom.test:${receiver.port}`);
  });
});
