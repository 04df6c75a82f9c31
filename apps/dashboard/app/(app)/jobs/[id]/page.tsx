'use client';
import Link from 'next/link';
import { useParams } from 'next/navigation';
import { useState } from 'react';
import { useSession } from '../../../../src/components/session-context';
import { ErrorNotice, Loading } from '../../../../src/components/states';
import { StatusBadge } from '../../../../src/components/status-badge';
import { api, ApiError, toApiError } from '../../../../src/lib/api-client';
import type { JobDetailResponse, ResourceImageView } from '../../../../src/lib/api-types';
import { formatCredits, formatDuration, formatTime, LIVE_STATUSES } from '../../../../src/lib/format';
import { useApi } from '../../../../src/lib/use-api';

function Gallery({ images, label }: { images: ResourceImageView[]; label: string }) {
  return (
    <div className="gallery" aria-label={label} role="list">
      {images.map((img, i) => (
        <figure key={img.id} role="listitem" data-testid="output-image">
          <a href={img.url} target="_blank" rel="noreferrer">
            <img src={img.url} alt={`Output ${i + 1} of ${images.length}${img.meta.seed ? `, seed ${img.meta.seed}` : ''}`} width={img.meta.image.width} height={img.meta.image.height} loading="lazy" />
          </a>
          <figcaption>
            <span>
              {img.meta.image.width}×{img.meta.image.height} {img.meta.image.format.toUpperCase()}
              {img.meta.seed && <span className="muted"> · seed {img.meta.seed}</span>}
            </span>
            <a href={img.url} download={`darkroom-${img.id}.${img.meta.image.format}`}>
              Download<span className="visually-hidden"> output {i + 1}</span>
            </a>
          </figcaption>
        </figure>
      ))}
    </div>
  );
}

export default function JobDetailPage() {
  const { id } = useParams<{ id: string }>();
  const session = useSession();
  // Live status: every second while the job can still change.
  const { data, error, loading, reload } = useApi<JobDetailResponse>(`/jobs/${encodeURIComponent(id)}`, (d) => (d && LIVE_STATUSES.has(d.job.status) ? 1000 : null));
  const [cancelError, setCancelError] = useState<ApiError | undefined>();
  const [canceling, setCanceling] = useState(false);

  async function cancel() {
    setCanceling(true);
    setCancelError(undefined);
    try {
      await api(`/jobs/${encodeURIComponent(id)}`, { method: 'DELETE' });
      reload();
      session.refresh();
    } catch (e) {
      setCancelError(toApiError(e));
    } finally {
      setCanceling(false);
    }
  }

  const job = data?.job;
  const summary = data?.summary;
  const running = job?.runningInfo?.processingImages ?? [];
  const progress = running.length ? running.reduce((a, p) => a + p.progress, 0) / running.length : 0;
  const previews = running.map((p) => p.resourceImage).filter((r): r is ResourceImageView => !!r);

  return (
    <>
      <p className="small">
        <Link href="/jobs">← All jobs</Link>
      </p>
      <h1>
        Job <span className="mono">{id}</span>
      </h1>
      <ErrorNotice error={error} retry={reload} />
      {loading && <Loading what="the job" />}
      {job && summary && (
        <>
          <section className="panel" aria-labelledby="status-heading">
            <div className="row spread">
              <h2 id="status-heading" className="row">
                Status <StatusBadge status={job.status} />
              </h2>
              <div className="row">
                {LIVE_STATUSES.has(job.status) && (
                  <button type="button" className="danger" onClick={cancel} disabled={canceling}>
                    {canceling ? 'Canceling…' : 'Cancel job'}
                  </button>
                )}
                <Link className="button secondary" href={`/playground?from=${job.id}`}>
                  Run again
                </Link>
              </div>
            </div>
            <ErrorNotice error={cancelError} />
            <div role="status" aria-live="polite" data-testid="job-status" data-status={job.status}>
              {job.waitingInfo && (
                <p>
                  Waiting: place {job.waitingInfo.queueRank} of {job.waitingInfo.queueLen} in the {summary.pool} queue.
                </p>
              )}
              {job.status === 'RUNNING' && (
                <div className="stack">
                  <label htmlFor="job-progress">Progress: {Math.round(progress)}%</label>
                  <progress id="job-progress" max={100} value={progress} />
                </div>
              )}
              {job.status === 'SUCCESS' && (
                <p>
                  Finished in {formatDuration(summary.startedAt, summary.finishedAt)} · {formatCredits(job.credits)} credits charged.
                </p>
              )}
              {job.status === 'FAILED' && job.failedInfo && (
                <p className="field-error">
                  Failed ({job.failedInfo.code === 'TRANSITORY_ERROR' ? 'temporary, safe to retry' : 'permanent'}): {job.failedInfo.reason || 'no reason given'}. The credits were refunded.
                </p>
              )}
              {job.status === 'CANCELED' && <p>Canceled. The credits were refunded.</p>}
            </div>
            {previews.length > 0 && <Gallery images={previews} label="Previews" />}
          </section>

          {job.successInfo && (
            <section className="panel" aria-labelledby="outputs-heading">
              <h2 id="outputs-heading">Outputs</h2>
              {job.successInfo.images.length === 0 && job.successInfo.videos.length === 0 ? (
                <p className="muted">This job produced no files.</p>
              ) : (
                <Gallery images={[...job.successInfo.images, ...job.successInfo.videos]} label="Output images" />
              )}
            </section>
          )}

          <section className="panel" aria-labelledby="params-heading">
            <h2 id="params-heading">Parameters</h2>
            <dl className="params">
              <dt>Prompt</dt>
              <dd>{summary.prompt || '—'}</dd>
              <dt>Stages</dt>
              <dd>{summary.stageTypes.join(' → ')}</dd>
              <dt>Size</dt>
              <dd>{summary.width && summary.height ? `${summary.width}×${summary.height}` : '—'}</dd>
              <dt>Steps</dt>
              <dd>{summary.steps ?? '—'}</dd>
              <dt>Sampler</dt>
              <dd>{summary.sampler ?? 'default'}</dd>
              <dt>Seed</dt>
              <dd>{summary.seed ?? 'random'}</dd>
              <dt>Images</dt>
              <dd>{summary.count}</dd>
              <dt>Credits</dt>
              <dd>{formatCredits(job.credits)}</dd>
              <dt>Request id</dt>
              <dd className="mono">{summary.requestId}</dd>
              <dt>Created</dt>
              <dd>{formatTime(summary.createdAt)}</dd>
              <dt>Finished</dt>
              <dd>{formatTime(summary.finishedAt)}</dd>
            </dl>
            <details style={{ marginTop: '0.75rem' }}>
              <summary>Request as the API received it</summary>
              <pre className="mono small" style={{ overflowX: 'auto' }}>
                {JSON.stringify(data.request, null, 2)}
              </pre>
            </details>
          </section>
        </>
      )}
    </>
  );
}
