'use client';
import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { Suspense, useEffect, useState } from 'react';
import { Empty, ErrorNotice, Loading } from '../../../src/components/states';
import { StatusBadge } from '../../../src/components/status-badge';
import { api, ApiError, toApiError } from '../../../src/lib/api-client';
import type { JobsResponse, JobSummary } from '../../../src/lib/api-types';
import { formatCredits, formatTime, LIVE_STATUSES } from '../../../src/lib/format';
import { useApi } from '../../../src/lib/use-api';
import { TableHead } from '../../../src/components/table-head';

const FILTERS = [
  { value: '', label: 'All statuses' },
  { value: 'WAITING', label: 'Waiting' },
  { value: 'RUNNING', label: 'Running' },
  { value: 'SUCCESS', label: 'Done' },
  { value: 'FAILED', label: 'Failed' },
  { value: 'CANCELED', label: 'Canceled' },
];
const PAGE = 25;

function JobsList() {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const status = params.get('status') ?? '';
  const query = `/jobs?limit=${PAGE}${status ? `&status=${status}` : ''}`;
  // The first page is live: while any of its jobs can still change, ask again every 2 s.
  const first = useApi<JobsResponse>(query, (d) => (d?.jobs.some((j) => LIVE_STATUSES.has(j.status)) ? 2000 : null));
  const [more, setMore] = useState<{ jobs: JobSummary[]; cursor: string | null } | null>(null);
  const [moreError, setMoreError] = useState<ApiError | undefined>();
  const [loadingMore, setLoadingMore] = useState(false);

  useEffect(() => setMore(null), [query]);

  const firstIds = new Set(first.data?.jobs.map((j) => j.id));
  const jobs = [...(first.data?.jobs ?? []), ...(more?.jobs ?? []).filter((j) => !firstIds.has(j.id))];
  const cursor = more ? more.cursor : (first.data?.nextCursor ?? null);

  async function loadMore() {
    if (!cursor) return;
    setLoadingMore(true);
    setMoreError(undefined);
    try {
      const page = await api<JobsResponse>(`${query}&cursor=${cursor}`);
      setMore({ jobs: [...(more?.jobs ?? []), ...page.jobs], cursor: page.nextCursor });
    } catch (e) {
      setMoreError(toApiError(e));
    } finally {
      setLoadingMore(false);
    }
  }

  return (
    <>
      <div className="row spread">
        <h1>Jobs</h1>
        <Link className="button" href="/playground">
          New job
        </Link>
      </div>
      <div className="row" style={{ marginBottom: '1rem' }}>
        <label htmlFor="status-filter">Status</label>
        <select id="status-filter" value={status} style={{ width: 'auto' }} onChange={(e) => router.replace(e.target.value ? `${pathname}?status=${e.target.value}` : pathname)}>
          {FILTERS.map((f) => (
            <option key={f.value} value={f.value}>
              {f.label}
            </option>
          ))}
        </select>
      </div>
      <ErrorNotice error={first.error} retry={first.reload} />
      {first.loading && <Loading what="your jobs" />}
      {!first.loading && !first.error && jobs.length === 0 && (
        <Empty title={status ? 'No jobs with this status' : 'No jobs yet'}>
          <span>
            Compose one in the <Link href="/playground">playground</Link> or send <code>POST /v1/jobs</code> with an <Link href="/keys">API key</Link>.
          </span>
        </Empty>
      )}
      {jobs.length > 0 && (
        <div className="panel table-wrap">
          <table>
            <caption className="visually-hidden">Your jobs, newest first{status ? `, status ${status}` : ''}</caption>
            <TableHead
              columns={[
                'Job',
                'Status',
                'Prompt',
                'Size',
                { label: 'Steps', numeric: true },
                { label: 'Images', numeric: true },
                { label: 'Credits', numeric: true },
                'Created',
              ]}
            />
            <tbody>
              {jobs.map((j) => (
                <tr key={j.id} data-testid="job-row" data-job-id={j.id}>
                  <td>
                    <Link href={`/jobs/${j.id}`} className="mono" aria-label={`Job ${j.id}`}>
                      …{j.id.slice(-6)}
                    </Link>
                  </td>
                  <td>
                    <StatusBadge status={j.status} />
                  </td>
                  <td className="prompt-cell" title={j.prompt}>
                    {j.prompt || <span className="muted">{j.stageTypes.join(' → ')}</span>}
                  </td>
                  <td>{j.width && j.height ? `${j.width}×${j.height}` : '—'}</td>
                  <td className="num">{j.steps ?? '—'}</td>
                  <td className="num">{j.count}</td>
                  <td className="num">{formatCredits(j.credits)}</td>
                  <td>{formatTime(j.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <ErrorNotice error={moreError} retry={loadMore} />
          {cursor && (
            <div style={{ marginTop: '0.75rem' }}>
              <button type="button" className="secondary" onClick={loadMore} disabled={loadingMore}>
                {loadingMore ? 'Loading…' : 'Load older jobs'}
              </button>
            </div>
          )}
        </div>
      )}
    </>
  );
}

export default function JobsPage() {
  return (
    <Suspense fallback={<Loading what="your jobs" />}>
      <JobsList />
    </Suspense>
  );
}
