'use client';
import Link from 'next/link';
import { Fragment, useState } from 'react';
import { OneTimeSecret } from '../../../src/components/one-time-secret';
import { useSession } from '../../../src/components/session-context';
import { Empty, ErrorNotice, Loading } from '../../../src/components/states';
import { api, ApiError, toApiError } from '../../../src/lib/api-client';
import type { RotateWebhookSecretResponse, WebhookDeliveryResponse, WebhookDeliveryView, WebhooksResponse } from '../../../src/lib/api-types';
import { formatTime } from '../../../src/lib/format';
import { useApi } from '../../../src/lib/use-api';
import { TableHead } from '../../../src/components/table-head';

const STATUS_LABELS: Record<string, string> = { PENDING: 'Retrying', SUCCEEDED: 'Delivered', FAILED: 'Failed' };
const FILTERS = [
  { value: '', label: 'All' },
  { value: 'PENDING', label: 'Retrying' },
  { value: 'SUCCEEDED', label: 'Delivered' },
  { value: 'FAILED', label: 'Failed' },
];

function Attempts({ delivery }: { delivery: WebhookDeliveryView }) {
  const detail = useApi<WebhookDeliveryResponse>(`/webhooks/deliveries/${delivery.id}`);
  if (detail.loading) return <Loading what="the attempts" />;
  if (detail.error) return <ErrorNotice error={detail.error} retry={detail.reload} />;
  const d = detail.data!;
  return (
    <div className="stack" style={{ gap: '0.5rem' }}>
      <table>
        <caption className="visually-hidden">Attempts of delivery {delivery.messageId}</caption>
        <TableHead
          columns={[
            { label: 'Attempt', numeric: true },
            'When',
            'Answer',
            { label: 'Time', numeric: true },
          ]}
        />
        <tbody>
          {d.attempts.map((a) => (
            <tr key={`${a.attempt}-${a.createdAt}`} data-testid="attempt-row">
              <td className="num">{a.attempt}</td>
              <td>{formatTime(a.createdAt)}</td>
              <td>{a.statusCode ? `HTTP ${a.statusCode}` : ''} {a.error && <span className="muted small">{a.error}</span>}</td>
              <td className="num">{a.durationMs} ms</td>
            </tr>
          ))}
        </tbody>
      </table>
      <details>
        <summary>Body sent</summary>
        <pre className="payload mono small">{JSON.stringify(d.payload, null, 2)}</pre>
      </details>
    </div>
  );
}

export default function WebhooksPage() {
  const { me } = useSession();
  const canManage = me.user.role !== 'TENANT_MEMBER' && !me.impersonating;
  const [status, setStatus] = useState('');
  const query = `/webhooks?limit=25${status ? `&status=${status}` : ''}`;
  // Deliveries that are still retrying change on their own: look again every 5 s while any is pending.
  const page = useApi<WebhooksResponse>(query, (d) => (d?.deliveries.some((x) => x.status === 'PENDING') ? 5000 : null));
  const [secret, setSecret] = useState<RotateWebhookSecretResponse | undefined>();
  const [open, setOpen] = useState<string | null>(null);
  const [actionError, setActionError] = useState<ApiError | undefined>();
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState<string | null>(null);

  async function rotate() {
    if (!window.confirm('Rotate the signing secret? Deliveries from now on (retries too) are signed with the new one; update your receiver right away.')) return;
    setBusy('rotate');
    setActionError(undefined);
    try {
      setSecret(await api<RotateWebhookSecretResponse>('/webhooks/secret/rotate', { method: 'POST' }));
      page.reload();
    } catch (e) {
      setActionError(toApiError(e));
    } finally {
      setBusy(null);
    }
  }

  async function retry(d: WebhookDeliveryView) {
    setBusy(d.id);
    setActionError(undefined);
    setNotice('');
    try {
      await api(`/webhooks/deliveries/${d.id}/retry`, { method: 'POST' });
      setNotice(`Delivery for job ${d.jobId} is being sent again.`);
      page.reload();
    } catch (e) {
      setActionError(toApiError(e));
    } finally {
      setBusy(null);
    }
  }

  const deliveries = page.data?.deliveries ?? [];
  return (
    <>
      <h1>Webhooks</h1>
      <p className="muted">
        When a job has a <code>notifyUrl</code>, darkroom posts the job to it on every status change, signed with your secret (Standard Webhooks headers{' '}
        <code>webhook-id</code>, <code>webhook-timestamp</code>, <code>webhook-signature</code>). Failed deliveries are retried
        {page.data ? ` ${page.data.retryDelaysMs.length} times` : ''} with growing waits.
      </p>

      {secret && (
        <OneTimeSecret title="Your new signing secret" value={secret.secret} testId="webhook-secret" onDone={() => setSecret(undefined)}>
          <p>Copy it into your receiver now: it is shown only once. The old secret no longer signs anything.</p>
        </OneTimeSecret>
      )}

      <section className="panel" aria-labelledby="secret-heading">
        <h2 id="secret-heading">Signing secret</h2>
        <div className="row spread">
          <span>
            Current secret: <span className="mono" data-testid="secret-hint">{page.data?.secretHint ?? '…'}</span>
          </span>
          {canManage && (
            <button type="button" className="secondary" onClick={rotate} disabled={busy === 'rotate'}>
              {busy === 'rotate' ? 'Rotating…' : 'Rotate secret'}
            </button>
          )}
        </div>
        <p className="small muted">Only the end is shown. Lost it? Rotate to get a new one.</p>
      </section>

      <section className="panel" aria-labelledby="deliveries-heading">
        <div className="row spread">
          <h2 id="deliveries-heading">Delivery log</h2>
          <div className="row">
            <label htmlFor="delivery-filter">Status</label>
            <select id="delivery-filter" value={status} onChange={(e) => setStatus(e.target.value)} style={{ width: 'auto' }}>
              {FILTERS.map((f) => (
                <option key={f.value} value={f.value}>
                  {f.label}
                </option>
              ))}
            </select>
          </div>
        </div>
        <ErrorNotice error={page.error ?? actionError} retry={page.reload} />
        {notice && (
          <div className="notice success" role="status">
            {notice}
          </div>
        )}
        {page.loading && <Loading what="the deliveries" />}
        {!page.loading && !page.error && deliveries.length === 0 && (
          <Empty title={status ? 'No deliveries with this status' : 'No webhook deliveries yet'}>
            <span>
              Add <code>notifyUrl</code> to a job (see the <Link href="/jobs">jobs</Link> API) and its status changes show up here.
            </span>
          </Empty>
        )}
        {deliveries.length > 0 && (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Webhook deliveries, newest first</caption>
              <TableHead
                columns={[
                  'Created',
                  'Job',
                  'URL',
                  'Status',
                  'Last answer',
                  { label: 'Attempts', numeric: true },
                  'Next try',
                ]}
                actions
              />
              <tbody>
                {deliveries.map((d) => (
                  <Fragment key={d.id}>
                    <tr data-testid="delivery-row" data-status={d.status}>
                      <td>{formatTime(d.createdAt)}</td>
                      <td>
                        <Link href={`/jobs/${d.jobId}`} className="mono">
                          …{d.jobId.slice(-6)}
                        </Link>
                      </td>
                      <td className="prompt-cell mono small" title={d.url}>
                        {d.url}
                      </td>
                      <td>
                        <span className={`badge ${d.status}`}>{STATUS_LABELS[d.status]}</span>
                      </td>
                      <td>
                        {d.lastStatus ? `HTTP ${d.lastStatus}` : '—'}
                        {d.lastError && <div className="muted small">{d.lastError}</div>}
                      </td>
                      <td className="num">
                        {d.attempts} / {d.maxAttempts}
                      </td>
                      <td>{d.nextAttemptAt ? formatTime(d.nextAttemptAt) : '—'}</td>
                      <td>
                        <div className="actions">
                          <button type="button" className="secondary" aria-expanded={open === d.id} onClick={() => setOpen(open === d.id ? null : d.id)} aria-label={`Attempts of the delivery for job ${d.jobId}`}>
                            Attempts
                          </button>
                          {canManage && d.status !== 'SUCCEEDED' && (
                            <button type="button" onClick={() => retry(d)} disabled={busy === d.id} aria-label={`Retry now the delivery for job ${d.jobId}`}>
                              {busy === d.id ? 'Sending…' : 'Retry now'}
                            </button>
                          )}
                        </div>
                      </td>
                    </tr>
                    {open === d.id && (
                      <tr>
                        <td colSpan={8}>
                          <Attempts delivery={d} />
                        </td>
                      </tr>
                    )}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
