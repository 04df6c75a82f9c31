'use client';
import { useRouter, useSearchParams } from 'next/navigation';
import { FormEvent, Suspense, useEffect, useState } from 'react';
import { useSession } from '../../../src/components/session-context';
import { ErrorNotice, FieldError, Loading } from '../../../src/components/states';
import { api, ApiError, toApiError } from '../../../src/lib/api-client';
import type { JobDetailResponse, JobView, PlaygroundOptionsResponse } from '../../../src/lib/api-types';
import { formatCredits } from '../../../src/lib/format';
import { DEFAULT_FORM, formFromRequest, issuesByField, PlaygroundField, PlaygroundForm, playgroundRequest, playgroundStages } from '../../../src/lib/playground-request';
import { useApi } from '../../../src/lib/use-api';

type Estimate = { credits: number } | { error: ApiError } | null;

function Playground() {
  const router = useRouter();
  const params = useSearchParams();
  const session = useSession();
  const options = useApi<PlaygroundOptionsResponse>('/playground/options');
  const [form, setForm] = useState<PlaygroundForm>(DEFAULT_FORM);
  const [estimate, setEstimate] = useState<Estimate>(null);
  const [submitError, setSubmitError] = useState<ApiError | undefined>();
  const [submitting, setSubmitting] = useState(false);
  const from = params.get('from');

  // "Run again": start from the parameters of an earlier job.
  useEffect(() => {
    if (!from) return;
    api<JobDetailResponse>(`/jobs/${encodeURIComponent(from)}`).then(
      (d) => setForm((f) => formFromRequest(d.request, f)),
      () => undefined,
    );
  }, [from]);

  // The estimate follows the form (300 ms after the last change), priced by the API with the job's own function.
  useEffect(() => {
    if (!form.prompt.trim()) {
      setEstimate(null);
      return;
    }
    const ctrl = new AbortController();
    const timer = setTimeout(() => {
      api<{ credits: number }>('/jobs/estimate', { method: 'POST', body: { stages: playgroundStages(form) }, signal: ctrl.signal }).then(
        (r) => setEstimate(r),
        (e) => (e as Error).name !== 'AbortError' && setEstimate({ error: toApiError(e) }),
      );
    }, 300);
    return () => {
      clearTimeout(timer);
      ctrl.abort();
    };
  }, [form]);

  const set = <K extends PlaygroundField>(key: K, value: PlaygroundForm[K]) => setForm((f) => ({ ...f, [key]: value }));
  const num = (key: 'width' | 'height' | 'steps' | 'cfgScale' | 'count') => (e: { target: { value: string } }) => set(key, e.target.value === '' ? 0 : Number(e.target.value));

  const issues = issuesByField((submitError ?? (estimate && 'error' in estimate ? estimate.error : undefined))?.details ?? []);
  const balance = session.me.tenant.balance;
  const price = estimate && 'credits' in estimate ? estimate.credits : null;
  const tooExpensive = price !== null && price > balance;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSubmitting(true);
    setSubmitError(undefined);
    try {
      const { job } = await api<{ job: JobView }>('/jobs', { method: 'POST', body: playgroundRequest(form, `playground-${crypto.randomUUID()}`) });
      session.refresh();
      router.push(`/jobs/${job.id}`);
    } catch (e) {
      setSubmitError(toApiError(e));
      setSubmitting(false);
    }
  }

  const a11y = (field: PlaygroundField) => (issues[field] ? { 'aria-invalid': true as const, 'aria-describedby': `${field}-error` } : {});
  const opts = options.data;
  return (
    <>
      <h1>Playground</h1>
      <p className="muted">Compose a text-to-image job. It runs like a job from the API and is charged to your balance.</p>
      <ErrorNotice error={options.error} retry={options.reload} />
      {options.loading && <Loading what="models and samplers" />}
      {opts && (
        <form className="panel stack" onSubmit={submit} noValidate aria-describedby="estimate">
          {(submitError || issues['']) && (
            <div className="notice error" role="alert">
              {issues[''] ?? submitError?.message}
            </div>
          )}
          <div className="field">
            <label htmlFor="prompt">Prompt</label>
            <textarea id="prompt" required value={form.prompt} onChange={(e) => set('prompt', e.target.value)} placeholder="a lighthouse on a cliff at dusk, oil painting" {...a11y('prompt')} />
            <FieldError id="prompt-error" message={issues.prompt} />
          </div>
          <div className="field">
            <label htmlFor="negativePrompt">Negative prompt</label>
            <input id="negativePrompt" value={form.negativePrompt} onChange={(e) => set('negativePrompt', e.target.value)} placeholder="optional: what to avoid" {...a11y('negativePrompt')} />
            <FieldError id="negativePrompt-error" message={issues.negativePrompt} />
          </div>
          <div className="form-grid">
            <div className="field">
              <label htmlFor="model">Model</label>
              <select id="model" value={form.model} onChange={(e) => set('model', e.target.value)} {...a11y('model')}>
                <option value="">Default checkpoint</option>
                {opts.models.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.name} ({m.baseModel})
                  </option>
                ))}
              </select>
              <FieldError id="model-error" message={issues.model} />
            </div>
            <div className="field">
              <label htmlFor="sampler">Sampler</label>
              <select id="sampler" value={form.sampler} onChange={(e) => set('sampler', e.target.value)} {...a11y('sampler')}>
                <option value="">Default ({opts.defaultSampler})</option>
                {opts.samplers.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
              <FieldError id="sampler-error" message={issues.sampler} />
            </div>
            <div className="field">
              <label htmlFor="width">Width</label>
              <input id="width" type="number" min={opts.sizes.min} max={opts.sizes.max} step={opts.sizes.multipleOf} value={form.width || ''} onChange={num('width')} {...a11y('width')} />
              <FieldError id="width-error" message={issues.width} />
            </div>
            <div className="field">
              <label htmlFor="height">Height</label>
              <input id="height" type="number" min={opts.sizes.min} max={opts.sizes.max} step={opts.sizes.multipleOf} value={form.height || ''} onChange={num('height')} {...a11y('height')} />
              <FieldError id="height-error" message={issues.height} />
            </div>
            <div className="field">
              <label htmlFor="steps">Steps</label>
              <input id="steps" type="number" min={opts.steps.min} max={opts.steps.max} value={form.steps || ''} onChange={num('steps')} {...a11y('steps')} />
              <FieldError id="steps-error" message={issues.steps} />
            </div>
            <div className="field">
              <label htmlFor="cfgScale">Guidance (CFG)</label>
              <input id="cfgScale" type="number" min={0} max={30} step={0.5} value={form.cfgScale || ''} onChange={num('cfgScale')} {...a11y('cfgScale')} />
              <FieldError id="cfgScale-error" message={issues.cfgScale} />
            </div>
            <div className="field">
              <label htmlFor="seed">Seed</label>
              <input id="seed" inputMode="numeric" value={form.seed} onChange={(e) => set('seed', e.target.value)} placeholder="random" aria-describedby={issues.seed ? 'seed-error' : 'seed-hint'} aria-invalid={issues.seed ? true : undefined} />
              <span className="hint" id="seed-hint">
                Empty for a random seed; each image gets the next one.
              </span>
              <FieldError id="seed-error" message={issues.seed} />
            </div>
            <div className="field">
              <label htmlFor="count">Images</label>
              <input id="count" type="number" min={opts.count.min} max={opts.count.max} value={form.count || ''} onChange={num('count')} {...a11y('count')} />
              <FieldError id="count-error" message={issues.count} />
            </div>
          </div>
          <div className="row spread">
            <div id="estimate" role="status" aria-live="polite" data-testid="estimate">
              {price !== null ? (
                <>
                  Estimated cost: <strong>{formatCredits(price)} credits</strong> <span className="muted">(balance {formatCredits(balance)})</span>
                  {tooExpensive && <div className="field-error">Your balance is too low for this job.</div>}
                </>
              ) : estimate && 'error' in estimate ? (
                <span className="field-error">Fix the fields marked above to see the price.</span>
              ) : (
                <span className="muted">Write a prompt to see the price.</span>
              )}
            </div>
            <button type="submit" disabled={submitting || !form.prompt.trim() || tooExpensive}>
              {submitting ? 'Submitting…' : 'Generate'}
            </button>
          </div>
        </form>
      )}
    </>
  );
}

export default function PlaygroundPage() {
  return (
    <Suspense fallback={<Loading what="the playground" />}>
      <Playground />
    </Suspense>
  );
}
