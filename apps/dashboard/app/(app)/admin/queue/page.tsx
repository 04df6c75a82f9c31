'use client';
import { useState } from 'react';
import { Empty, ErrorNotice, Loading } from '../../../../src/components/states';
import { api, ApiError, toApiError } from '../../../../src/lib/api-client';
import type { AdminQueueResponse } from '../../../../src/lib/api-types';
import { formatTime } from '../../../../src/lib/format';
import { useApi } from '../../../../src/lib/use-api';
import { TableHead } from '../../../../src/components/table-head';

export default function AdminQueuePage() {
  // The queue moves constantly: refresh every 2 s.
  const { data, error, loading, reload } = useApi<AdminQueueResponse>('/admin/queue', () => 2000);
  const [actionError, setActionError] = useState<ApiError | undefined>();
  const [done, setDone] = useState('');

  async function act(what: string, path: string) {
    setActionError(undefined);
    setDone('');
    try {
      await api(path, { method: 'POST' });
      setDone(what);
    } catch (e) {
      setActionError(toApiError(e));
    } finally {
      reload();
    }
  }
  const cancel = (jobId: string, tenantName: string) => {
    if (window.confirm(`Cancel job ${jobId} of ${tenantName}? Its credits go back to the tenant.`)) void act(`Job ${jobId} was canceled and refunded.`, `/admin/jobs/${jobId}/cancel`);
  };
  const runNext = (jobId: string) => act(`Job ${jobId} is now first in its pool.`, `/admin/jobs/${jobId}/prioritize`);

  return (
    <>
      <h1>Live queue</h1>
      <p className="muted small">Refreshes every 2 seconds. Ranks are the order in which workers of the pool take jobs (fair share per tenant).</p>
      {done && (
        <div className="notice success" role="status" data-testid="queue-action-done">
          {done}
        </div>
      )}
      <ErrorNotice error={error ?? actionError} retry={reload} />
      {loading && <Loading what="the queue" />}
      {data?.pools.map((p) => {
        const total = p.byTenant.reduce((a, t) => a + t.waiting, 0);
        return (
          <section key={p.pool} className="panel" aria-labelledby={`pool-${p.pool}`} data-testid="queue-pool">
            <div className="row spread">
              <h2 id={`pool-${p.pool}`}>
                Pool <span className="mono">{p.pool}</span> <span className="muted small">({p.families.join(', ')})</span>
              </h2>
              <span>
                <strong data-testid={`queue-length-${p.pool}`}>{p.length}</strong> waiting · <strong>{p.running.length}</strong> running
              </span>
            </div>
            {p.length === 0 && p.running.length === 0 && <Empty title="Nothing waiting or running in this pool" />}
            {p.byTenant.length > 0 && (
              <>
                <h3 className="small muted">Share of the waiting jobs</h3>
                <ul style={{ listStyle: 'none', padding: 0, margin: '0 0 1rem' }}>
                  {p.byTenant.map((t) => (
                    <li key={t.tenantId} className="row" style={{ marginBottom: '0.3rem' }}>
                      <span style={{ minWidth: '12rem' }}>{t.tenantName}</span>
                      <meter min={0} max={total} value={t.waiting} aria-label={`${t.tenantName}: ${t.waiting} of ${total} waiting jobs`} style={{ flex: 1, maxWidth: '20rem' }} />
                      <span className="mono">{t.waiting}</span>
                    </li>
                  ))}
                </ul>
              </>
            )}
            {p.head.length > 0 && (
              <div className="table-wrap">
                <table>
                  <caption className="visually-hidden">Waiting jobs of pool {p.pool} in the order workers take them</caption>
                  <TableHead columns={[{ label: 'Rank', numeric: true }, 'Job', 'Tenant', 'Model']} actions />
                  <tbody>
                    {p.head.map((j) => (
                      <tr key={j.jobId} data-testid="queue-row">
                        <td className="num">{j.rank}</td>
                        <td className="mono">{j.jobId}</td>
                        <td>{j.tenantName}</td>
                        <td className="mono">{j.modelKey || '—'}</td>
                        <td className="actions">
                          {j.rank > 1 && (
                            <button type="button" className="secondary" onClick={() => runNext(j.jobId)} aria-label={`Run job ${j.jobId} next`}>
                              Run next
                            </button>
                          )}
                          <button type="button" className="danger" onClick={() => cancel(j.jobId, j.tenantName)} aria-label={`Cancel job ${j.jobId}`}>
                            Cancel
                          </button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                {p.length > p.head.length && <p className="small muted">… and {p.length - p.head.length} more.</p>}
              </div>
            )}
            {p.running.length > 0 && (
              <>
                <h3 className="small muted">Running</h3>
                <div className="table-wrap">
                  <table>
                    <TableHead columns={['Job', 'Tenant', 'Worker', 'Started']} actions />
                    <tbody>
                      {p.running.map((j) => (
                        <tr key={j.jobId}>
                          <td className="mono">{j.jobId}</td>
                          <td>{j.tenantName}</td>
                          <td className="mono">{j.worker ?? '—'}</td>
                          <td>{formatTime(j.startedAt)}</td>
                          <td>
                            <button type="button" className="danger" onClick={() => cancel(j.jobId, j.tenantName)} aria-label={`Cancel running job ${j.jobId}`}>
                              Cancel
                            </button>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </>
            )}
          </section>
        );
      })}
    </>
  );
}
