'use client';
import { useEffect, useState } from 'react';
import { LedgerTable } from '../../../src/components/ledger-table';
import { Empty, ErrorNotice, Loading } from '../../../src/components/states';
import { api, ApiError, toApiError } from '../../../src/lib/api-client';
import type { BillingStatusResponse, LedgerEntryView, LedgerResponse } from '../../../src/lib/api-types';
import { formatCredits } from '../../../src/lib/format';
import { useApi } from '../../../src/lib/use-api';

const KINDS = ['', 'GRANT', 'PURCHASE', 'RESERVE', 'SETTLE', 'REFUND', 'ADJUSTMENT', 'EXPIRY'];

export default function BillingPage() {
  const [kind, setKind] = useState('');
  const query = `/ledger?limit=50${kind ? `&kind=${kind}` : ''}`;
  const ledger = useApi<LedgerResponse>(query);
  const billing = useApi<BillingStatusResponse>('/billing/status');
  const [older, setOlder] = useState<{ entries: LedgerEntryView[]; cursor: string | null } | null>(null);
  const [olderError, setOlderError] = useState<ApiError | undefined>();

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
      <div className="grid">
        <section className="panel" aria-labelledby="balance-label">
          <div className="stat-label" id="balance-label">
            Available credits
          </div>
          <div className="stat-value" data-testid="billing-balance">
            {ledger.data ? formatCredits(ledger.data.balance) : '…'}
          </div>
          <div className="small muted">Credits reserved by waiting and running jobs are already taken off.</div>
        </section>
        <section className="panel" aria-labelledby="buy-heading">
          <h2 id="buy-heading">Buy credits</h2>
          {billing.loading ? (
            <Loading what="payment options" />
          ) : billing.data?.purchasesEnabled ? (
            <p>Online purchases are available.</p>
          ) : (
            <p className="muted" data-testid="purchases-disabled">
              Buying credits online is not configured yet on this darkroom. Ask an administrator to grant credits to your account.
            </p>
          )}
        </section>
      </div>
      <section className="panel" aria-labelledby="ledger-heading">
        <div className="row spread">
          <h2 id="ledger-heading">Ledger</h2>
          <div className="row">
            <label htmlFor="kind-filter">Kind</label>
            <select id="kind-filter" value={kind} onChange={(e) => setKind(e.target.value)} style={{ width: 'auto' }}>
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {k ? k.charAt(0) + k.slice(1).toLowerCase() : 'All'}
                </option>
              ))}
            </select>
          </div>
        </div>
        <ErrorNotice error={ledger.error ?? olderError} retry={ledger.reload} />
        {ledger.loading && <Loading what="the ledger" />}
        {!ledger.loading && !ledger.error && entries.length === 0 && <Empty title={kind ? 'No entries of this kind' : 'No ledger entries yet'} />}
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
