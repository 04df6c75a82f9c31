'use client';
import Link from 'next/link';
import { useParams } from 'next/navigation';
import { FormEvent, useState } from 'react';
import { LedgerTable } from '../../../../../src/components/ledger-table';
import { useSession } from '../../../../../src/components/session-context';
import { TenantControls } from '../../../../../src/components/tenant-controls';
import { Empty, ErrorNotice, FieldError, Loading } from '../../../../../src/components/states';
import { api, ApiError, toApiError } from '../../../../../src/lib/api-client';
import type { AdminTenantResponse, GrantCreditsResponse } from '../../../../../src/lib/api-types';
import { formatChange, formatCredits } from '../../../../../src/lib/format';
import { useApi } from '../../../../../src/lib/use-api';

const newKey = () => crypto.randomUUID().replace(/-/g, '');

export default function AdminTenantPage() {
  const { id } = useParams<{ id: string }>();
  const session = useSession();
  const { data, error, loading, reload } = useApi<AdminTenantResponse>(`/admin/tenants/${encodeURIComponent(id)}`);
  const [grantError, setGrantError] = useState<ApiError | undefined>();
  const [granted, setGranted] = useState<GrantCreditsResponse | undefined>();
  const [busy, setBusy] = useState(false);
  // One key per filled-in form: a double click grants once; a new form after success gets a new key.
  const [idempotencyKey, setIdempotencyKey] = useState(newKey);
  const fields = grantError?.fieldErrors() ?? {};

  async function grant(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const values = new FormData(form);
    setBusy(true);
    setGrantError(undefined);
    setGranted(undefined);
    try {
      const amount = Number(values.get('amount'));
      const res = await api<GrantCreditsResponse>(`/admin/tenants/${encodeURIComponent(id)}/credits`, {
        method: 'POST',
        body: { amount: Number.isFinite(amount) ? amount : 0, reason: String(values.get('reason') ?? ''), idempotencyKey },
      });
      setGranted(res);
      setIdempotencyKey(newKey());
      form.reset();
      reload();
      if (data?.tenant.id === session.me.tenant.id) session.refresh();
    } catch (e) {
      setGrantError(toApiError(e));
    } finally {
      setBusy(false);
    }
  }

  const t = data?.tenant;
  return (
    <>
      <p className="small">
        <Link href="/admin/tenants">← All tenants</Link>
      </p>
      <ErrorNotice error={error} retry={reload} />
      {loading && <Loading what="the tenant" />}
      {t && data && (
        <>
          <h1>{t.name}</h1>
          <div className="grid">
            <section className="panel" aria-labelledby="tenant-balance-label">
              <div className="stat-label" id="tenant-balance-label">
                Balance
              </div>
              <div className="stat-value" data-testid="tenant-balance">
                {formatCredits(t.balance)}
              </div>
              <div className="small muted">
                {t.planName} plan · <span className={`badge ${t.status}`}>{t.status === 'ACTIVE' ? 'active' : 'suspended'}</span> · <span className="mono">{t.id}</span>
              </div>
            </section>
            <section className="panel" aria-labelledby="tenant-users-heading">
              <h2 id="tenant-users-heading">Users</h2>
              <ul style={{ margin: 0, paddingLeft: '1.1rem' }}>
                {t.users.map((u) => (
                  <li key={u.id}>
                    {u.email} <span className="muted small">({u.role.replace('TENANT_', '').toLowerCase()})</span>
                  </li>
                ))}
              </ul>
              <p className="small muted">
                Jobs: {Object.entries(data.jobsByStatus).map(([s, n]) => `${n} ${s.toLowerCase()}`).join(', ') || 'none'}
              </p>
            </section>
          </div>

          <TenantControls tenant={t} isOwnTenant={t.id === session.me.tenant.id} onChanged={reload} />

          <section className="panel" aria-labelledby="grant-heading">
            <h2 id="grant-heading">Grant or adjust credits</h2>
            <form className="stack" onSubmit={grant} noValidate>
              {grantError && !fields.amount && !fields.reason && (
                <div className="notice error" role="alert">
                  {grantError.message}
                </div>
              )}
              {granted && (
                <div className="notice success" role="status">
                  {granted.applied ? `${formatChange(granted.entry?.amount ?? 0)} credits written to the ledger.` : 'This grant was already applied; nothing changed.'} New balance:{' '}
                  {formatCredits(granted.balanceAfter)}.
                </div>
              )}
              <div className="form-grid">
                <div className="field">
                  <label htmlFor="amount">Credits</label>
                  <input id="amount" name="amount" type="number" step="0.0001" required aria-describedby={fields.amount ? 'amount-error' : 'amount-hint'} aria-invalid={fields.amount ? true : undefined} />
                  <span className="hint" id="amount-hint">
                    Negative to take credits back (never below 0).
                  </span>
                  <FieldError id="amount-error" message={fields.amount} />
                </div>
                <div className="field" style={{ gridColumn: 'span 2' }}>
                  <label htmlFor="reason">Reason</label>
                  <input id="reason" name="reason" required minLength={3} maxLength={200} placeholder="shown to the tenant on its ledger" aria-invalid={fields.reason ? true : undefined} aria-describedby={fields.reason ? 'reason-error' : undefined} />
                  <FieldError id="reason-error" message={fields.reason} />
                </div>
              </div>
              <div>
                <button type="submit" disabled={busy}>
                  {busy ? 'Writing…' : 'Write to the ledger'}
                </button>
              </div>
            </form>
          </section>

          <section className="panel" aria-labelledby="tenant-ledger-heading">
            <h2 id="tenant-ledger-heading">Ledger (latest 50)</h2>
            {data.ledger.length === 0 ? <Empty title="No ledger entries" /> : <LedgerTable entries={data.ledger} jobLinks={false} caption={`Ledger of ${t.name}, newest first`} />}
          </section>
        </>
      )}
    </>
  );
}
