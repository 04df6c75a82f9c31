import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { applyLedgerChange, checkLedger } from '@darkroom/credits';
import { ApiHarness, TestTenant } from './api-harness';

const WEBHOOK_SECRET = 'whsec_test_darkroom_billing';

interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  form: URLSearchParams;
}

/** Answers the Stripe API calls the platform makes (Checkout sessions) and records what the library sent. */
class FakeStripeApi {
  readonly requests: RecordedRequest[] = [];
  private server!: http.Server;
  private sessions = 0;

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        this.requests.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization, form: new URLSearchParams(body) });
        res.setHeader('content-type', 'application/json');
        if (req.method === 'POST' && req.url === '/v1/checkout/sessions') {
          const id = `cs_test_${++this.sessions}`;
          res.end(JSON.stringify({ id, object: 'checkout.session', url: `https://checkout.stripe.test/c/pay/${id}`, amount_total: 1000, currency: 'usd', payment_status: 'unpaid', status: 'open' }));
          return;
        }
        res.statusCode = 404;
        res.end(JSON.stringify({ error: { type: 'invalid_request_error', message: `no route ${req.method} ${req.url}` } }));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const event = (id: string, type: string, object: Record<string, unknown>) => JSON.stringify({ id, object: 'event', type, api_version: '2025-01-01', created: Math.floor(Date.now() / 1000), data: { object } });

describe('Stripe credit packs', () => {
  const stripeApi = new FakeStripeApi();
  let h: ApiHarness;
  let unconfigured: ApiHarness;
  let tenant: TestTenant;

  beforeAll(async () => {
    const apiUrl = await stripeApi.start();
    h = await ApiHarness.start({
      STRIPE_SECRET_KEY: 'sk_test_darkroom',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_URL: apiUrl,
      STRIPE_CREDIT_PACKS: 'small=price_small:100;large=price_large:1200',
      STRIPE_SUCCESS_URL: 'http://dashboard.test/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}',
      STRIPE_CANCEL_URL: 'http://dashboard.test/billing?checkout=canceled',
    });
    unconfigured = await ApiHarness.start();
    tenant = await h.createTenant({ credits: 0 });
  });
  afterAll(async () => {
    await h.stop();
    await unconfigured.stop();
    await stripeApi.stop();
  });

  const balance = async () => (await h.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } })).balance.toString();
  const deliver = (payload: string, header = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET })) =>
    h.call('POST', '/stripe/webhook', { rawBody: payload, headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': header } });
  const checkout = async (pack: string) => {
    const r = await h.call('POST', '/v1/billing/checkout', { body: { pack }, headers: tenant.auth });
    expect(r.status).toBe(200);
    return r.json as { sessionId: string; url: string };
  };

  it('creates a Checkout session for a pack with the dashboard URLs and records the payment', async () => {
    expect((await h.call('GET', '/v1/billing/packs', { headers: tenant.auth })).json).toEqual({ configured: true, packs: [{ name: 'small', credits: 100 }, { name: 'large', credits: 1200 }] });
    const session = await checkout('small');
    expect(session.url).toBe(`https://checkout.stripe.test/c/pay/${session.sessionId}`);
    const sent = stripeApi.requests.find((r) => r.path === '/v1/checkout/sessions')!;
    expect(sent.method).toBe('POST');
    expect(sent.authorization).toBe('Bearer sk_test_darkroom');
    expect(Object.fromEntries(sent.form)).toMatchObject({
      mode: 'payment',
      'line_items[0][price]': 'price_small',
      'line_items[0][quantity]': '1',
      success_url: 'http://dashboard.test/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}',
      cancel_url: 'http://dashboard.test/billing?checkout=canceled',
      client_reference_id: tenant.id,
      'metadata[pack]': 'small',
    });
    expect(await h.prisma.payment.findUniqueOrThrow({ where: { checkoutSessionId: session.sessionId } })).toMatchObject({ tenantId: tenant.id, pack: 'small', status: 'PENDING' });
    const unknown = await h.call('POST', '/v1/billing/checkout', { body: { pack: 'huge' }, headers: tenant.auth });
    expect([unknown.status, unknown.json.details[0].field]).toEqual([400, 'pack']);
  });

  it('credits a paid session exactly once under concurrent duplicate deliveries', async () => {
    const { sessionId } = await checkout('small');
    const payload = event('evt_paid_1', 'checkout.session.completed', {
      id: sessionId,
      object: 'checkout.session',
      payment_status: 'paid',
      payment_intent: 'pi_paid_1',
      client_reference_id: tenant.id,
      metadata: { tenantId: tenant.id, pack: 'small' },
      amount_total: 1000,
      currency: 'usd',
    });
    const results = await Promise.all(Array.from({ length: 12 }, () => deliver(payload)));
    expect(results.map((r) => r.status)).toEqual(Array(12).fill(200));
    expect(results.filter((r) => !r.json.duplicate)).toHaveLength(1);
    // The async-success event for the same session (another event id) credits nothing more.
    const again = await deliver(event('evt_paid_2', 'checkout.session.async_payment_succeeded', { id: sessionId, object: 'checkout.session', payment_status: 'paid', payment_intent: 'pi_paid_1', metadata: { pack: 'small' } }));
    expect(again.json).toMatchObject({ duplicate: false, outcome: 'already credited' });
    expect(await balance()).toBe('100');
    expect(await h.prisma.ledgerEntry.count({ where: { tenantId: tenant.id, kind: 'PURCHASE' } })).toBe(1);
    expect(await h.prisma.payment.findUniqueOrThrow({ where: { checkoutSessionId: sessionId } })).toMatchObject({ status: 'PAID', paymentIntentId: 'pi_paid_1' });
  });

  it('waits for asynchronous payments and credits on async_payment_succeeded', async () => {
    const { sessionId } = await checkout('large');
    const pending = await deliver(event('evt_async_1', 'checkout.session.completed', { id: sessionId, object: 'checkout.session', payment_status: 'unpaid', payment_intent: 'pi_async', metadata: { pack: 'large' } }));
    expect(pending.json.outcome).toBe('awaiting asynchronous payment');
    expect(await balance()).toBe('100');
    const paid = await deliver(event('evt_async_2', 'checkout.session.async_payment_succeeded', { id: sessionId, object: 'checkout.session', payment_status: 'paid', payment_intent: 'pi_async', metadata: { pack: 'large' } }));
    expect(paid.json.outcome).toBe('credited 1200.0000');
    expect(await balance()).toBe('1300');
  });

  it('refuses tampered, unsigned, wrongly signed and stale events', async () => {
    const { sessionId } = await checkout('small');
    const genuine = event('evt_tamper', 'checkout.session.completed', { id: sessionId, object: 'checkout.session', payment_status: 'paid', payment_intent: 'pi_t', metadata: { pack: 'small' } });
    const header = Stripe.webhooks.generateTestHeaderString({ payload: genuine, secret: WEBHOOK_SECRET });
    const tampered = genuine.replace('"small"', '"large"');
    const refused = [
      await deliver(tampered, header),
      await deliver(genuine, ''),
      await deliver(genuine, Stripe.webhooks.generateTestHeaderString({ payload: genuine, secret: 'whsec_someone_else' })),
      // A captured delivery replayed an hour later: outside the 5-minute tolerance.
      await deliver(genuine, Stripe.webhooks.generateTestHeaderString({ payload: genuine, secret: WEBHOOK_SECRET, timestamp: Math.floor(Date.now() / 1000) - 3600 })),
    ];
    expect(refused.map((r) => r.status)).toEqual([400, 400, 400, 400]);
    expect(refused[0].json.details[0]).toMatchObject({ field: 'Stripe-Signature', rule: 'signature' });
    expect(await h.prisma.stripeEvent.count({ where: { id: 'evt_tamper' } })).toBe(0);
    expect(await balance()).toBe('1300');
    // A replay with a valid, fresh signature is the same event id: answered, ignored.
    expect((await deliver(genuine)).json.duplicate).toBe(false);
    expect((await deliver(genuine)).json).toMatchObject({ duplicate: true, outcome: 'already handled' });
    expect(await balance()).toBe('1400');
  });

  it('takes back refunded and disputed credits, flagging what was already spent', async () => {
    // A full refund of the first small pack (pi_paid_1): 100 credits back to Stripe.
    const refund = await deliver(event('evt_refund_1', 'charge.refunded', { id: 'ch_1', object: 'charge', payment_intent: 'pi_paid_1', amount: 1000, amount_refunded: 1000, refunded: true }));
    expect(refund.json.outcome).toBe('took back 100.0000');
    expect(await balance()).toBe('1300');
    // The tenant spends almost everything, then disputes the large pack: only what is left can be taken.
    await h.prisma.$transaction((tx) => applyLedgerChange(tx, { tenantId: tenant.id, kind: 'ADJUSTMENT', amount: -1250, idempotencyKey: 'spent-it' }));
    const dispute = await deliver(event('evt_dispute_1', 'charge.dispute.created', { id: 'dp_1', object: 'dispute', charge: 'ch_2', payment_intent: 'pi_async', amount: 12000 }));
    expect(dispute.json.outcome).toBe('took back 50.0000, 1150.0000 short (flagged)');
    expect(await h.prisma.payment.findUniqueOrThrow({ where: { paymentIntentId: 'pi_async' } })).toMatchObject({ status: 'DISPUTED', flagged: true });
    expect(await balance()).toBe('0');
    expect((await checkLedger(h.prisma, tenant.id)).ok).toBe(true);
    // Unrelated events are recorded and ignored.
    expect((await deliver(event('evt_other', 'customer.created', { id: 'cus_1', object: 'customer' }))).json.outcome).toBe('ignored');
  });

  it('runs without Stripe: packs are off and checkout says payments are not configured', async () => {
    const t = await unconfigured.createTenant();
    expect((await unconfigured.call('GET', '/v1/billing/packs', { headers: t.auth })).json).toEqual({ configured: false, packs: [] });
    const r = await unconfigured.call('POST', '/v1/billing/checkout', { body: { pack: 'small' }, headers: t.auth });
    expect([r.status, r.json.code, r.json.message]).toEqual([400, 9, 'payments are not configured']);
    const hook = await unconfigured.call('POST', '/stripe/webhook', { rawBody: '{}', headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=x' } });
    expect([hook.status, hook.json.code]).toEqual([400, 9]);
  });
});
