import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { generateWebhookSecret, signPayload } from '@darkroom/webhooks';

describe('webhook signer', () => {
  it('makes whsec_ secrets of 32 random bytes', () => {
    const a = generateWebhookSecret();
    const b = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(a.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(a).not.toBe(b);
  });

  it('signs so that a Standard Webhooks receiver verifies it', () => {
    const secret = generateWebhookSecret();
    const body = JSON.stringify({ id: '42', status: 'SUCCESS' });
    const now = new Date();
    const headers = signPayload(secret, 'msg_abc', now, body);
    expect(headers['webhook-id']).toBe('msg_abc');
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(now.getTime() / 1000)));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual({ id: '42', status: 'SUCCESS' });
  });

  it('fails verification with another secret or a changed body', () => {
    const secret = generateWebhookSecret();
    const body = '{"id":"1"}';
    const headers = { ...signPayload(secret, 'msg_1', new Date(), body) };
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow(WebhookVerificationError);
    expect(() => new Webhook(secret).verify('{"id":"2"}', headers)).toThrow(WebhookVerificationError);
  });

  it('signs each attempt with its own timestamp but the same id', () => {
    const secret = generateWebhookSecret();
    const first = signPayload(secret, 'msg_same', new Date(Date.now() - 60_000), '{}');
    const second = signPayload(secret, 'msg_same', new Date(), '{}');
    expect(first['webhook-id']).toBe(second['webhook-id']);
    expect(first['webhook-signature']).not.toBe(second['webhook-signature']);
  });
});
