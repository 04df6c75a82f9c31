'use client';
import Link from 'next/link';
import { useState } from 'react';
import { Empty, ErrorNotice, Loading } from '../../../../src/components/states';
import type { AdminFailuresResponse } from '../../../../src/lib/api-types';
import { formatCredits, formatTime } from '../../../../src/lib/format';
import { useApi } from '../../../../src/lib/use-api';
import { TableHead } from '../../../../src/components/table-head';

const CODE_LABEL: Record<string, string> = { FATAL_ERROR: 'Fatal (the job cannot succeed)', TRANSITORY_ERROR: 'Transitory (retries used up)' };

export default function AdminFailuresPage() {
  const [days, setDays] = useState(7);
  const [code, setCode] = useState('');
  const { data, error, loading, reload } = useApi<AdminFailuresResponse>(`/admin/failures?days=${days}${code ? `&code=${code}` : ''}`);
  return (
    <>
      <h1>Failing jobs</h1>
      <p className="muted">Failed jobs grouped by error code and reason. A failed job gives its credits back to the tenant when it fails (the refund column shows it).</p>
      <form className="row" onSubmit={(e) => e.preventDefault()} aria-label="Filter failing jobs" style={{ marginBottom: '1rem' }}>
        <div className="field">
          <label htmlFor="failure-days">Period</label>
          <select id="failure-days" value={days} onChange={(e) => setDays(Number(e.target.value))}>
            <option value={1}>last 24 hours</option>
            <option value={7}>last 7 days</option>
            <option value={30}>last 30 days</option>
            <option value={90}>last 90 days</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="failure-code">Error code</label>
          <select id="failure-code" value={code} onChange={(e) => setCode(e.target.value)}>
            <option value="">any</option>
            <option value="FATAL_ERROR">FATAL_ERROR</option>
            <option value="TRANSITORY_ERROR">TRANSITORY_ERROR</option>
          </select>
        </div>
      </form>
      <ErrorNotice error={error} retry={reload} />
      {loading && <Loading what="failing jobs" />}
      {data && data.groups.length === 0 && (
        <Empty title={`No failed jobs in the last ${data.days === 1 ? '24 hours' : `${data.days} days`}`}>
          <span>Nothing to look into. Widen the period to see older failures.</span>
        </Empty>
      )}
      {data?.groups.map((g) => (
        <section key={g.code} className="panel" aria-labelledby={`group-${g.code}`} data-testid="failure-group">
          <h2 id={`group-${g.code}`}>
            {CODE_LABEL[g.code] ?? g.code} <span className="muted small">· {g.count} jobs</span>
          </h2>
          <div className="table-wrap">
            <table>
              <TableHead columns={['Reason', { label: 'Jobs', numeric: true }, 'Latest']} />
              <tbody>
                {g.reasons.map((r) => (
                  <tr key={r.reason} data-testid="failure-reason">
                    <td>{r.reason}</td>
                    <td className="num">{r.count}</td>
                    <td>{formatTime(r.lastAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ))}
      {data && data.recent.length > 0 && (
        <section className="panel" aria-labelledby="recent-failures">
          <h2 id="recent-failures">Latest failed jobs</h2>
          <div className="table-wrap">
            <table>
              <TableHead
                columns={[
                  'Job',
                  'Tenant',
                  'Code',
                  'Reason',
                  { label: 'Tries', numeric: true },
                  { label: 'Charged', numeric: true },
                  { label: 'Refunded', numeric: true },
                  'Failed',
                ]}
              />
              <tbody>
                {data.recent.map((j) => (
                  <tr key={j.jobId} data-testid="failed-job-row">
                    <td className="mono">{j.jobId}</td>
                    <td>
                      <Link href={`/admin/tenants/${j.tenantId}`}>{j.tenantName}</Link>
                    </td>
                    <td className="mono small">{j.code ?? '—'}</td>
                    <td>{j.reason || '—'}</td>
                    <td className="num">{j.attempts}</td>
                    <td className="num">{formatCredits(j.credits)}</td>
                    <td className="num">
                      {j.refunded >= j.credits ? formatCredits(j.refunded) : <span className="field-error">{formatCredits(j.refunded)} (not in full)</span>}
                    </td>
                    <td>{formatTime(j.finishedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </>
  );
}
