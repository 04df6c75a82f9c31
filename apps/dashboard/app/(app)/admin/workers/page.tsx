'use client';
import { Empty, ErrorNotice, Loading } from '../../../../src/components/states';
import type { AdminWorkersResponse } from '../../../../src/lib/api-types';
import { formatTime } from '../../../../src/lib/format';
import { useApi } from '../../../../src/lib/use-api';
import { TableHead } from '../../../../src/components/table-head';

const STATE_LABEL = { ONLINE: 'Online', STOPPING: 'Stopping', LOST: 'Lost' } as const;

export default function AdminWorkersPage() {
  // Workers report every few seconds: refresh every 3 s.
  const { data, error, loading, reload } = useApi<AdminWorkersResponse>('/admin/workers', () => 3000);
  return (
    <>
      <h1>Workers and GPU pools</h1>
      <p className="muted small">Workers report themselves every 5 seconds; one silent for 15 seconds shows as lost, and disappears after a minute. Refreshes every 3 seconds.</p>
      <ErrorNotice error={error} retry={reload} />
      {loading && <Loading what="the workers" />}
      {data && (
        <>
          <section className="panel" aria-labelledby="pools-heading">
            <h2 id="pools-heading">Pools</h2>
            <div className="table-wrap">
              <table>
                <TableHead
                  columns={[
                    'Pool',
                    'Families',
                    { label: 'Workers', numeric: true },
                    { label: 'Running', numeric: true },
                    { label: 'Waiting', numeric: true },
                  ]}
                />
                <tbody>
                  {data.pools.map((p) => (
                    <tr key={p.pool} data-testid="pool-row">
                      <td className="mono">{p.pool}</td>
                      <td>{p.families.join(', ')}</td>
                      <td className="num">{p.workers}</td>
                      <td className="num">{p.running}</td>
                      <td className="num">{p.waiting}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {data.pools.some((p) => p.waiting > 0 && p.workers === 0) && (
              <div className="notice warn" role="status">
                A pool has waiting jobs and no worker: start one (<code>WORKER_POOL=&lt;pool&gt;</code>) or check the autoscaler.
              </div>
            )}
          </section>
          <section className="panel" aria-labelledby="workers-heading">
            <h2 id="workers-heading">Workers</h2>
            {data.workers.length === 0 ? (
              <Empty title="No worker has reported in the last minute">
                <span>Start one with <code>npm start</code> locally, or check the worker deployments of each pool.</span>
              </Empty>
            ) : (
              <div className="table-wrap">
                <table>
                  <TableHead
                    columns={[
                      'Worker',
                      'Pool',
                      'State',
                      'Engine',
                      'Models held',
                      'Current job',
                      'Heartbeat',
                    ]}
                  />
                  <tbody>
                    {data.workers.map((w) => (
                      <tr key={w.workerId} data-testid="worker-row">
                        <td>
                          <span className="mono">{w.workerId}</span>
                          <div className="small muted">
                            {w.hostname} · pid {w.pid} · up since {formatTime(w.startedAt)}
                          </div>
                        </td>
                        <td className="mono">{w.pool}</td>
                        <td>
                          <span className={`badge ${w.state}`}>{STATE_LABEL[w.state]}</span>
                        </td>
                        <td>
                          {w.runner} <span className="muted small">× {w.concurrency}</span>
                        </td>
                        <td className="mono small">{w.heldModels.length ? w.heldModels.join(', ') : <span className="muted">none loaded</span>}</td>
                        <td>
                          {w.currentJobs.length === 0 ? (
                            <span className="muted">idle</span>
                          ) : (
                            w.currentJobs.map((j) => (
                              <div key={j.jobId}>
                                <span className="mono">{j.jobId}</span> <span className="small muted">({j.tenantName})</span>
                                {j.progress !== null && <progress max={1} value={j.progress} aria-label={`Job ${j.jobId} progress`} />}
                              </div>
                            ))
                          )}
                        </td>
                        <td>{w.ageSec} s ago</td>
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
