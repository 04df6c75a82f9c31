'use client';
import { FormEvent, useState } from 'react';
import { ErrorNotice, FieldError, Loading } from '../../../../src/components/states';
import { api, ApiError, toApiError } from '../../../../src/lib/api-client';
import type { AdminPricesResponse, PriceVersionView } from '../../../../src/lib/api-types';
import { formatCredits, formatTime } from '../../../../src/lib/format';
import { useApi } from '../../../../src/lib/use-api';
import { TableHead } from '../../../../src/components/table-head';

const RATES = [
  { id: 'basePer512Image20Steps', label: 'Base: one 512×512 image, 20 steps', hint: 'credits; everything scales from it by pixels × steps' },
  { id: 'controlNetUnitFactor', label: 'ControlNet unit factor', hint: 'extra fraction of a diffusion per unit (0.25 = +25%)' },
  { id: 'modelUpscalePerMegapixel', label: 'Model upscale per megapixel', hint: 'credits per output megapixel' },
  { id: 'minimumPerJob', label: 'Minimum per job', hint: 'no job costs less' },
] as const;

/** "pro=0.8, enterprise=0.6" ↔ {pro: 0.8, enterprise: 0.6}; a malformed part is kept as NaN so that the API names it. */
const formatMultipliers = (m: Record<string, number>) => Object.entries(m).map(([k, v]) => `${k}=${v}`).join(', ');
function parseMultipliers(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [k, v] = part.split('=').map((s) => s.trim());
    out[k] = v === undefined || v === '' ? Number.NaN : Number(v);
  }
  return out;
}

function PublishForm({ current, onPublished }: { current: PriceVersionView; onPublished: (v: PriceVersionView) => void }) {
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const fields = error?.fieldErrors() ?? {};
  const multipliersError = Object.entries(fields).find(([f]) => f.startsWith('rates.planMultipliers'));

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const values = new FormData(event.currentTarget);
    const rates: Record<string, unknown> = { planMultipliers: parseMultipliers(String(values.get('planMultipliers') ?? '')) };
    for (const r of RATES) rates[r.id] = Number(values.get(r.id));
    setBusy(true);
    setError(undefined);
    try {
      const res = await api<{ version: PriceVersionView }>('/admin/prices', { method: 'POST', body: { rates, reason: String(values.get('reason') ?? '') } });
      onPublished(res.version);
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="stack" onSubmit={submit} noValidate>
      {error && Object.keys(fields).length === 0 && (
        <div className="notice error" role="alert">
          {error.message}
        </div>
      )}
      <div className="form-grid">
        {RATES.map((r) => (
          <div className="field" key={r.id}>
            <label htmlFor={`rate-${r.id}`}>{r.label}</label>
            <input id={`rate-${r.id}`} name={r.id} type="number" step="any" min={0} required defaultValue={current[r.id]} aria-describedby={`rate-${r.id}-hint${fields[`rates.${r.id}`] ? ` rate-${r.id}-error` : ''}`} aria-invalid={fields[`rates.${r.id}`] ? true : undefined} />
            <span className="hint" id={`rate-${r.id}-hint`}>
              {r.hint}
            </span>
            <FieldError id={`rate-${r.id}-error`} message={fields[`rates.${r.id}`]} />
          </div>
        ))}
      </div>
      <div className="field">
        <label htmlFor="rate-multipliers">Plan multipliers</label>
        <input id="rate-multipliers" name="planMultipliers" defaultValue={formatMultipliers(current.planMultipliers)} placeholder="pro=0.9, enterprise=0.8" aria-describedby="rate-multipliers-hint" aria-invalid={multipliersError ? true : undefined} />
        <span className="hint" id="rate-multipliers-hint">
          plan=factor, comma-separated; a plan not listed pays 1×.
        </span>
        <FieldError id="rate-multipliers-error" message={multipliersError && `${multipliersError[0].replace('rates.planMultipliers.', '')}: ${multipliersError[1]}`} />
      </div>
      <div className="field">
        <label htmlFor="price-reason">Reason</label>
        <input id="price-reason" name="reason" required minLength={3} maxLength={200} placeholder="kept with the version" aria-invalid={fields.reason ? true : undefined} aria-describedby={fields.reason ? 'price-reason-error' : undefined} />
        <FieldError id="price-reason-error" message={fields.reason} />
      </div>
      <p className="hint">New jobs are priced with the new version at once (within the API&apos;s price cache); jobs already created keep theirs.</p>
      <div>
        <button type="submit" disabled={busy}>
          {busy ? 'Publishing…' : 'Publish a new version'}
        </button>
      </div>
    </form>
  );
}

export default function AdminPricesPage() {
  const { data, error, loading, reload } = useApi<AdminPricesResponse>('/admin/prices');
  const [published, setPublished] = useState<PriceVersionView | undefined>();
  const current = data?.versions.find((v) => v.current);
  return (
    <>
      <h1>Price table</h1>
      <p className="muted">What a job costs in credits. Every change is a new version with its reason and author; the newest is in force.</p>
      <ErrorNotice error={error} retry={reload} />
      {loading && <Loading what="the price table" />}
      {published && (
        <div className="notice success" role="status" data-testid="price-published">
          Version {published.version} is in force.
        </div>
      )}
      {current && (
        <section className="panel" aria-labelledby="publish-heading">
          <h2 id="publish-heading">
            Change the prices <span className="muted small">(now: version {current.version})</span>
          </h2>
          <PublishForm
            key={current.version}
            current={current}
            onPublished={(v) => {
              setPublished(v);
              reload();
            }}
          />
        </section>
      )}
      {data && (
        <section className="panel" aria-labelledby="versions-heading">
          <h2 id="versions-heading">Versions</h2>
          <div className="table-wrap">
            <table>
              <TableHead
                columns={[
                  'Version',
                  { label: 'Base', numeric: true },
                  { label: 'ControlNet', numeric: true },
                  { label: 'Upscale/MP', numeric: true },
                  { label: 'Minimum', numeric: true },
                  'Plans',
                  'Reason',
                  'Published',
                ]}
              />
              <tbody>
                {data.versions.map((v) => (
                  <tr key={v.version} data-testid="price-version-row">
                    <td>
                      {v.version} {v.current && <span className="badge SUCCESS">in force</span>}
                    </td>
                    <td className="num">{formatCredits(v.basePer512Image20Steps)}</td>
                    <td className="num">{v.controlNetUnitFactor}</td>
                    <td className="num">{formatCredits(v.modelUpscalePerMegapixel)}</td>
                    <td className="num">{formatCredits(v.minimumPerJob)}</td>
                    <td className="small">{formatMultipliers(v.planMultipliers) || '—'}</td>
                    <td>{v.reason || '—'}</td>
                    <td className="small">
                      {formatTime(v.createdAt)}
                      <div className="muted mono">{v.actor}</div>
                    </td>
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
