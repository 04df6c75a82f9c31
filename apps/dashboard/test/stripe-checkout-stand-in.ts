// A local stand-in for Stripe in browser tests: the API calls it to create Checkout sessions (STRIPE_API_URL), and
// the browser is sent to its payment page. "Pay" does what Stripe does after a payment: it delivers a signed
// checkout.session.completed webhook to the API, then sends the browser to the session's success URL.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

interface Session {
  id: string;
  successUrl: string;
  cancelUrl: string;
  tenantId: string;
  metadata: Record<string, string>;
  amountTotal: number;
}

export class StripeCheckoutStandIn {
  readonly sessions = new Map<string, Session>();
  /** Webhook deliveries and the API's answers. */
  readonly deliveries: Array<{ eventId: string; status: number }> = [];
  private server!: http.Server;
  private base = '';
  private count = 0;

  constructor(private readonly opts: { webhookSecret: string; webhookUrl: () => string }) {}

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => void this.handle(req, res, body).catch((e) => res.writeHead(500).end(String(e))));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.base;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
    const url = new URL(req.url ?? '/', this.base);
    if (req.method === 'POST' && url.pathname === '/v1/checkout/sessions') {
      const form = new URLSearchParams(body);
      const id = `cs_test_browser_${++this.count}`;
      const metadata: Record<string, string> = {};
      for (const [k, v] of form) if (k.startsWith('metadata[')) metadata[k.slice(9, -1)] = v;
      this.sessions.set(id, { id, successUrl: form.get('success_url') ?? '', cancelUrl: form.get('cancel_url') ?? '', tenantId: form.get('client_reference_id') ?? '', metadata, amountTotal: 1000 });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ id, object: 'checkout.session', url: `${this.base}/pay/${id}`, amount_total: 1000, currency: 'usd', payment_status: 'unpaid', status: 'open' }));
      return;
    }
    const pay = /^\/pay\/(cs_test_browser_\d+)$/.exec(url.pathname);
    const session = pay ? this.sessions.get(pay[1]) : undefined;
    if (session && req.method === 'GET') {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><html lang="en"><head><title>Test checkout</title></head><body><main><h1>Test checkout</h1><p>Session ${session.id}: $10.00</p>
        <form method="post"><button type="submit">Pay $10.00</button></form><a href="${session.cancelUrl}">Cancel</a></main></body></html>`);
      return;
    }
    if (session && req.method === 'POST') {
      const eventId = `evt_${session.id}`;
      const payload = JSON.stringify({
        id: eventId,
        object: 'event',
        type: 'checkout.session.completed',
        api_version: '2025-01-01',
        created: Math.floor(Date.now() / 1000),
        data: { object: { id: session.id, object: 'checkout.session', payment_status: 'paid', payment_intent: `pi_${session.id}`, client_reference_id: session.tenantId, metadata: session.metadata, amount_total: session.amountTotal, currency: 'usd' } },
      });
      const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: this.opts.webhookSecret });
      const delivered = await fetch(this.opts.webhookUrl(), { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': header }, body: payload });
      this.deliveries.push({ eventId, status: delivered.status });
      res.writeHead(303, { location: session.successUrl.replace('{CHECKOUT_SESSION_ID}', session.id) }).end();
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { type: 'invalid_request_error', message: `no route ${req.method} ${url.pathname}` } }));
  }
}
