'use client';
import { useSearchParams } from 'next/navigation';
import { Suspense, useEffect, useRef, useState } from 'react';
import { LedgerTable } from '../../../src/components/ledger-table';
import { useSession } from '../../../src/components/session-context';
import { Empty, ErrorNotice, FieldError, Loading } from '../../../src/components/states';
import { api, API_BASE, ApiError, toApiError } from '../../../src/lib/api-client';
import type { BillingStatusResponse, CheckoutResponse, LedgerEntryView, LedgerResponse, PaymentsResponse } from '../../../src/lib/api-types';
import { formatCredits, formatTime } from '../../../src/lib/format';
import { useApi } from '../../../src/lib/use-api';
import { TableHead } from '../../../src/components/table-head';

const KINDS = ['', 'GRANT', 'PURCHASE', 'RESERVE', 'SETTLE', 'REFUND', 'ADJUSTMENT', 'EXPIRY', 'REVENUE_SHARE', 'PAYMENT_REVERSAL'];
const PAYMENT_LABELS: Record<string, string> = { PENDING: 'Waiting for payment', PAID: 'Paid', PARTIALLY_REFUNDED: 'Partly refunded', REFUNDED: 'Refunded', DISPUTED: 'Disputed' };

const money = (cents: number | null, currency: string | null) =>
  cents === null || !currency ? '—' : (cents / 100).toLocaleString('en-US', { style: 'currency', currency: currency.toUpperCase() });
const kindLabel = (k: string) => (k ? (k.charAt(0) + k.slice(1).toLowerCase()).replace('_', ' ') : 'All');

function BuyCredits({ onPaidSeen }: { onPaidSeen: () => void }) {
  const { me } = useSession();
  const params = useSearchParams();
  const billing = useApi<BillingStatusResponse>('/billing/status');
  const returned = params.get('checkout');
  // Back from Checkout: the payment is credited when Stripe's webhook arrives, usually within seconds.
  const payments = useApi<PaymentsResponse>('/billing/payments', (d) => (returned === 'success' && !d?.payments.some((p) => p.status === 'PAID' && isRecent(p.paidAt)) ? 2000 : null));
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState<string | null>(null);
  const canBuy = me.user.role !== 'TENANT_MEMBER' && !me.impersonating;
  const justPaid = returned === 'success' && payments.data?.payments.some((p) => p.status === 'PAID' && isRecent(p.paidAt));

  // Once the payment shows as paid, the balance and ledger are asked again (once).
  const told = useRef(false);
  useEffect(() => {
    if (justPaid && !told.current) {
      told.current = true;
      onPaidSeen();
    }
  }, [justPaid, onPaidSeen]);

  async function buy(pack: string) {
    setBusy(pack);
    setError(undefined);
    try {
      const session = await api<CheckoutResponse>('/billing/checkout', { method: 'POST', body: { pack } });
      window.location.assign(session.url);
    } catch (e) {
      setError(toApiError(e));
      setBusy(null);
    }
  }

  return (
    <>
      <section className="panel" aria-labelledby="buy-heading">
        <h2 id="buy-heading">Buy credits</h2>
        {returned === 'success' && (
          <div className={`notice ${justPaid ? 'success' : 'warn'}`} role="status" data-testid="checkout-result">
            {justPaid ? 'Payment received: the credits are on your balance.' : 'Thank you! Waiting for the payment to be confirmed… this page updates by itself.'}
          </div>
        )}
        {returned === 'canceled' && (
          <div className="notice" role="status">
            Checkout was canceled; nothing was charged.
          </div>
        )}
        <ErrorNotice error={error ?? billing.error} />
        <FieldError id="pack-error" message={error?.fieldErrors().pack} />
        {billing.loading ? (
          <Loading what="payment options" />
        ) : billing.data?.purchasesEnabled ? (
          <div className="row">
            {billing.data.packs.map((p) => (
              <button key={p.name} type="button" onClick={() => buy(p.name)} disabled={!canBuy || busy !== null} aria-describedby="buy-hint">
                {busy === p.name ? 'Opening checkout…' : `Buy ${formatCredits(p.credits)} credits (${p.name})`}
              </button>
            ))}
            <span className="hint" id="buy-hint">
              {canBuy ? 'You pay on Stripe’s page and come back here.' : 'Only the account owner can buy credits.'}
            </span>
          </div>
        ) : (
          <p className="muted" data-testid="purchases-disabled">
            Payments are not configured on this darkroom, so credits cannot be bought online. Ask an administrator to grant credits to your account.
          </p>
        )}
      </section>
      <section className="panel" aria-labelledby="payments-heading">
        <h2 id="payments-heading">Payments</h2>
        <ErrorNotice error={payments.error} retry={payments.reload} />
        {payments.loading && <Loading what="your payments" />}
        {!payments.loading && !payments.error && (payments.data?.payments.length ?? 0) === 0 && <Empty title="No payments yet">{billing.data?.purchasesEnabled && <span>Buy a credit pack above.</span>}</Empty>}
        {(payments.data?.payments.length ?? 0) > 0 && (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Payments, newest first</caption>
              <TableHead
                columns={[
                  'Started',
                  'Pack',
                  { label: 'Credits', numeric: true },
                  { label: 'Amount', numeric: true },
                  'Status',
                  'Paid',
                ]}
              />
              <tbody>
                {payments.data!.payments.map((p) => (
                  <tr key={p.id} data-testid="payment-row" data-status={p.status}>
                    <td>{formatTime(p.createdAt)}</td>
                    <td>{p.pack}</td>
                    <td className="num">
                      {formatCredits(p.credits)}
                      {p.reversedCredits > 0 && <div className="small muted">−{formatCredits(p.reversedCredits)} taken back</div>}
                    </td>
                    <td className="num">{money(p.amountTotal, p.currency)}</td>
                    <td>
                      <span className={`badge ${p.status}`}>{PAYMENT_LABELS[p.status] ?? p.status}</span>
                    </td>
                    <td>{formatTime(p.paidAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

const isRecent = (iso: string | null) => !!iso && Date.now() - new Date(iso).getTime() < 3600_000;

function Billing() {
  const session = useSession();
  const [kind, setKind] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const filter = new URLSearchParams({ ...(kind ? { kind } : {}), ...(from ? { from } : {}), ...(to ? { to } : {}) }).toString();
  const query = `/ledger?limit=50${filter ? `&${filter}` : ''}`;
  const ledger = useApi<LedgerResponse>(query);
  const [older, setOlder] = useState<{ entries: LedgerEntryView[]; cursor: string | null } | null>(null);
  const [olderError, setOlderError] = useState<ApiError | undefined>();
  const fields = ledger.error?.fieldErrors() ?? {};

  useEffect(() => setOlder(null), [query]);
  const entries = [...(ledger.data?.entries ?? []), ...(older?.entries ?? [])];
  const cursor = older ? older.cursor : (ledger.data?.nextCursor ?? null);

  async function loadOlder() {
    if (!cursor) return;
    try {
      const page = await api<LedgerResponse>(`${query}&cursor=${cursor}`);
      setOlder({ entries: [...(older?.entries ?? []), ...page.entries], cursor: page.nextCursor });
    } catch (e) {
      setOlderError(toApiError(e));
    }
  }

  return (
    <>
      <h1>Credits &amp; billing</h1>
      <section className="panel" aria-labelledby="balance-label">
        <div className="stat-label" id="balance-label">
          Available credits
        </div>
        <div className="stat-value" data-testid="billing-balance">
          {ledger.data ? formatCredits(ledger.data.balance) : '…'}
        </div>
        <div className="small muted">Credits reserved by waiting and running jobs are already taken off.</div>
      </section>
      <BuyCredits
        onPaidSeen={() => {
          ledger.reload();
          session.refresh();
        }}
      />
      <section className="panel" aria-labelledby="ledger-heading">
        <h2 id="ledger-heading">Ledger</h2>
        <div className="form-grid" style={{ marginBottom: '0.75rem', alignItems: 'end' }}>
          <div className="field">
            <label htmlFor="kind-filter">Kind</label>
            <select id="kind-filter" value={kind} onChange={(e) => setKind(e.target.value)}>
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {kindLabel(k)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="from-filter">From (UTC day)</label>
            <input id="from-filter" type="date" value={from} onChange={(e) => setFrom(e.target.value)} aria-invalid={fields.from ? true : undefined} aria-describedby={fields.from ? 'from-error' : undefined} />
            <FieldError id="from-error" message={fields.from} />
          </div>
          <div className="field">
            <label htmlFor="to-filter">To (UTC day)</label>
            <input id="to-filter" type="date" value={to} onChange={(e) => setTo(e.target.value)} aria-invalid={fields.to ? true : undefined} aria-describedby={fields.to ? 'to-error' : undefined} />
            <FieldError id="to-error" message={fields.to} />
          </div>
          <div>
            <a className="button secondary" href={`${API_BASE}/ledger.csv${filter ? `?${filter}` : ''}`} download data-testid="csv-export">
              Export CSV
            </a>
          </div>
        </div>
        <ErrorNotice error={!fields.from && !fields.to ? (ledger.error ?? olderError) : olderError} retry={ledger.reload} />
        {ledger.loading && <Loading what="the ledger" />}
        {!ledger.loading && !ledger.error && entries.length === 0 && <Empty title={filter ? 'No entries match these filters' : 'No ledger entries yet'}>{filter && <span>Widen the dates or pick another kind.</span>}</Empty>}
        {entries.length > 0 && <LedgerTable entries={entries} caption="Credit ledger, newest first" />}
        {cursor && (
          <button type="button" className="secondary" onClick={loadOlder} style={{ marginTop: '0.75rem' }}>
            Load older entries
          </button>
        )}
      </section>
    </>
  );
}

export default function BillingPage() {
  return (
    <Suspense fallback={<Loading what="billing" />}>
      <Billing />
    </Suspense>
  );
}
