import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { ApiHarness } from './api-harness';
import { DashboardClient, uniqueEmail } from './dashboard-client';

const WEBHOOK_SECRET = 'whsec_test_dashboard_billing';

/** The Stripe API's Checkout endpoint as the platform calls it (a local stand-in). */
async function startFakeStripe(): Promise<{ url: string; close: () => Promise<void> }> {
  let n = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST' && req.url === '/v1/checkout/sessions') {
        const id = `cs_test_dash_${++n}`;
        res.end(JSON.stringify({ id, object: 'checkout.session', url: `https://checkout.stripe.test/pay/${id}`, amount_total: 900, currency: 'eur', status: 'open' }));
        return;
      }
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { message: 'no route' } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

describe('dashboard API: buying credits, payments, ledger filters and CSV', () => {
  let h: ApiHarness;
  let stripe: { url: string; close: () => Promise<void> };
  let owner: DashboardClient;
  let tenantId: string;

  beforeAll(async () => {
    stripe = await startFakeStripe();
    h = await ApiHarness.start({
      STRIPE_SECRET_KEY: 'sk_test_dashboard',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_URL: stripe.url,
      STRIPE_CREDIT_PACKS: 'starter=price_starter:100;studio=price_studio:1500',
    });
    owner = new DashboardClient(h);
    tenantId = (await owner.signUp(uniqueEmail('buyer'), 'Buyer Ltd')).json.tenant.id;
  });
  afterAll(async () => {
    await h.stop();
    await stripe.close();
  });

  it('offers the packs, opens Checkout, lists the payment and credits it when Stripe says it is paid', async () => {
    expect((await owner.call('GET', '/billing/status')).json).toEqual({
      purchasesEnabled: true,
      packs: [
        { name: 'starter', credits: 100 },
        { name: 'studio', credits: 1500 },
      ],
    });
    const checkout = await owner.call('POST', '/billing/checkout', { pack: 'studio' });
    expect(checkout.status).toBe(200);
    expect(checkout.json).toEqual({ sessionId: 'cs_test_dash_1', url: 'https://checkout.stripe.test/pay/cs_test_dash_1' });
    const unknown = await owner.call('POST', '/billing/checkout', { pack: 'huge' });
    expect([unknown.status, unknown.json.details[0].field]).toEqual([400, 'pack']);
    expect((await owner.call('POST', '/billing/checkout', {})).json.details[0].field).toBe('pack');
    expect((await owner.call('GET', '/billing/payments')).json.payments).toEqual([expect.objectContaining({ pack: 'studio', credits: 1500, status: 'PENDING', amountTotal: 900, currency: 'eur', paidAt: null })]);

    const payload = JSON.stringify({
      id: 'evt_dash_paid',
      object: 'event',
      type: 'checkout.session.completed',
      api_version: '2025-01-01',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'cs_test_dash_1', object: 'checkout.session', payment_status: 'paid', payment_intent: 'pi_dash', client_reference_id: tenantId, metadata: { tenantId, pack: 'studio' }, amount_total: 900, currency: 'eur' } },
    });
    const hook = await h.call('POST', '/stripe/webhook', { rawBody: payload, headers: { 'content-type': 'application/json', 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }) } });
    expect(hook.status).toBe(200);
    const payments = (await owner.call('GET', '/billing/payments')).json.payments;
    expect(payments[0]).toMatchObject({ status: 'PAID', credits: 1500 });
    expect(payments[0].paidAt).not.toBeNull();
    const ledger = (await owner.call('GET', '/ledger?kind=PURCHASE')).json;
    expect(ledger.balance).toBe(1510);
    expect(ledger.entries.map((e: { kind: string; amount: number }) => [e.kind, e.amount])).toEqual([['PURCHASE', 1500]]);
  });

  it('filters the ledger by day and exports the same rows as CSV', async () => {
    const today = new Date().toISOString().slice(0, 10);
    expect((await owner.call('GET', `/ledger?from=${today}&to=${today}`)).json.entries).toHaveLength(2);
    expect((await owner.call('GET', '/ledger?from=2001-01-01&to=2001-01-31')).json.entries).toEqual([]);
    const backwards = await owner.call('GET', '/ledger?from=2030-01-02&to=2030-01-01');
    expect([backwards.status, backwards.json.details[0].field]).toEqual([400, 'to']);
    expect((await owner.call('GET', '/ledger?from=yesterday')).json.details[0].field).toBe('from');

    // A reason that a spreadsheet would run as a formula, with a comma and a quote.
    await h.prisma.ledgerEntry.updateMany({ where: { tenantId, kind: 'GRANT' }, data: { reason: '=HYPERLINK("x"), free' } });
    const csv = await owner.call('GET', `/ledger.csv?from=${today}`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="darkroom-ledger-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,createdAt,kind,amount,balanceAfter,jobId,paymentRef,actor,reason');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^\d+,[^,]+,PURCHASE,1500,1510,,cs_test_dash_1,stripe,/);
    expect(lines[2]).toContain(`,GRANT,10,10,,,`);
    expect(lines[2].endsWith(`"'=HYPERLINK(""x""), free"`)).toBe(true);
    expect((await owner.call('GET', '/ledger.csv?kind=PURCHASE')).text.trimEnd().split('\r\n')).toHaveLength(2);
    const bad = await owner.call('GET', '/ledger.csv?kind=NOPE');
    expect([bad.status, bad.json.details[0].field]).toEqual([400, 'kind']);
    expect((await new DashboardClient(h).call('GET', '/ledger.csv')).status).toBe(401);
  });
});

describe('dashboard API: buying credits without Stripe', () => {
  it('says payments are not configured', async () => {
    const h = await ApiHarness.start();
    try {
      const owner = new DashboardClient(h);
      await owner.signUp(uniqueEmail('nostripe'), 'No Stripe');
      expect((await owner.call('GET', '/billing/status')).json).toEqual({ purchasesEnabled: false, packs: [] });
      const res = await owner.call('POST', '/billing/checkout', { pack: 'small' });
      expect([res.status, res.json.message]).toEqual([400, 'payments are not configured']);
    } finally {
      await h.stop();
    }
  });
});
