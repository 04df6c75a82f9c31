import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** The three Standard Webhooks headers a delivery carries. */
export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** A fresh tenant signing secret in the Standard Webhooks form: "whsec_" + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * Signs one attempt of a message. `messageId` stays the same on every retry (receivers deduplicate on it);
 * `timestamp` is the attempt's own, so a receiver's replay window does not reject late retries.
 */
export function signPayload(secret: string, messageId: string, timestamp: Date, body: string): SignedHeaders {
  const signature = new Webhook(secret).sign(messageId, timestamp, body);
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': signature,
  };
}
