import Stripe from 'stripe';
import type { ApiEnv } from '@darkroom/config';

/**
 * The Stripe client, or null when payments are not configured (no STRIPE_SECRET_KEY). STRIPE_API_URL points it
 * elsewhere than api.stripe.com (the tests' local server).
 */
export function createStripeClient(config: Pick<ApiEnv, 'STRIPE_SECRET_KEY' | 'STRIPE_API_URL'>): Stripe | null {
  if (!config.STRIPE_SECRET_KEY) return null;
  const api = config.STRIPE_API_URL ? new URL(config.STRIPE_API_URL) : null;
  const protocol = api?.protocol === 'http:' ? 'http' : 'https';
  return new Stripe(config.STRIPE_SECRET_KEY, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    telemetry: false,
    ...(api ? { host: api.hostname, port: api.port || (protocol === 'http' ? 80 : 443), protocol } : {}),
  });
}

/** Verifies a webhook's `Stripe-Signature` (HMAC of the raw body, 5-minute tolerance) and parses the event. */
export function verifyStripeEvent(rawBody: Buffer, signature: string, secret: string, toleranceSec = 300): Stripe.Event {
  return Stripe.webhooks.constructEvent(rawBody, signature, secret, toleranceSec);
}
