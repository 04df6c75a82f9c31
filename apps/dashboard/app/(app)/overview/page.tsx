'use client';
import Link from 'next/link';
import { SpendChart } from '../../../src/components/spend-chart';
import { Empty, ErrorNotice, Loading } from '../../../src/components/states';
import { StatusBadge } from '../../../src/components/status-badge';
import type { OverviewResponse } from '../../../src/lib/api-types';
import { formatCredits } from '../../../src/lib/format';
import { useApi } from '../../../src/lib/use-api';
import { TableHead } from '../../../src/components/table-head';

const STATUS_ORDER = ['WAITING', 'RUNNING', 'SUCCESS', 'FAILED', 'CANCELED'];

export default function OverviewPage() {
  // While jobs wait, their places in the queue move: ask again every 3 s.
  const { data, error, loading, reload } = useApi<OverviewResponse>('/overview', (d) => (d && d.waiting.length ? 3000 : null));
  return (
    <>
      <h1>Overview</h1>
      <ErrorNotice error={error} retry={reload} />
      {loading && !data && <Loading what="the overview" />}
      {data && (
        <>
          <div className="grid">
            <section className="panel" aria-labelledby="balance-label">
              <div className="stat-label" id="balance-label">
                Credit balance
              </div>
              <div className="stat-value" data-testid="balance">
                {formatCredits(data.tenant.balance)}
              </div>
              <div className="small muted">
                {data.tenant.planName} plan · <Link href="/billing">ledger</Link>
              </div>
            </section>
            <section className="panel" aria-labelledby="jobs-label">
              <div className="stat-label" id="jobs-label">
                Jobs by status
              </div>
              {Object.keys(data.jobsByStatus).length === 0 ? (
                <Empty title="No jobs yet">
                  <span>
                    Try one in the <Link href="/playground">playground</Link>, or <Link href="/keys">create an API key</Link> for your program.
                  </span>
                </Empty>
              ) : (
                <ul className="stack" style={{ listStyle: 'none', padding: 0, margin: 0, gap: '0.35rem' }}>
                  {STATUS_ORDER.filter((s) => data.jobsByStatus[s] || (s === 'WAITING' && (data.jobsByStatus.CREATED || data.jobsByStatus.PENDING))).map((s) => (
                    <li key={s} className="row spread">
                      <Link href={`/jobs?status=${s}`}>
                        <StatusBadge status={s} />
                      </Link>
                      <span className="mono" data-testid={`count-${s}`}>
                        {s === 'WAITING' ? (data.jobsByStatus.WAITING ?? 0) + (data.jobsByStatus.CREATED ?? 0) + (data.jobsByStatus.PENDING ?? 0) : data.jobsByStatus[s]}
                      </span>
                    </li>
                  ))}
                </ul>
              )}
            </section>
          </div>
          <section className="panel" aria-labelledby="spend-heading">
            <h2 id="spend-heading">Credits spent, last 14 days</h2>
            {data.spendByDay.every((d) => d.credits === 0) ? <Empty title="Nothing spent in the last 14 days" /> : <SpendChart days={data.spendByDay} />}
          </section>
          <section className="panel" aria-labelledby="waiting-heading">
            <h2 id="waiting-heading">Waiting jobs</h2>
            {data.waiting.length === 0 ? (
              <p className="muted">None of your jobs are waiting.</p>
            ) : (
              <div className="table-wrap">
                <table>
                  <TableHead columns={['Job', 'Pool', { label: 'Place in queue', numeric: true }]} />
                  <tbody>
                    {data.waiting.map((w) => (
                      <tr key={w.jobId}>
                        <td>
                          <Link href={`/jobs/${w.jobId}`} className="mono">
                            {w.jobId}
                          </Link>
                        </td>
                        <td>{w.pool}</td>
                        <td className="num">{w.queueRank === null ? 'next' : `${w.queueRank} of ${w.queueLen}`}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      )}
    </>
  );
}
