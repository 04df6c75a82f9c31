'use client';
import { FormEvent, useState } from 'react';
import { api, ApiError, toApiError } from '../lib/api-client';
import type { AdminPlansResponse, AdminTenantRow, TenantLimitsView } from '../lib/api-types';
import { formatCredits } from '../lib/format';
import { useApi } from '../lib/use-api';
import { ErrorNotice, FieldError, Loading } from './states';

/** "" → null (the plan's own value), else the number typed. */
const override = (v: FormDataEntryValue | null) => (v === null || String(v).trim() === '' ? null : Number(v));

/** An admin's controls over one tenant: plan and limit overrides, suspension, and the read-only view of its dashboard. */
export function TenantControls({ tenant, isOwnTenant, onChanged }: { tenant: AdminTenantRow; isOwnTenant: boolean; onChanged: () => void }) {
  const plans = useApi<AdminPlansResponse>('/admin/plans');
  const limits = useApi<TenantLimitsView>(`/admin/tenants/${tenant.id}/limits`);
  const [planError, setPlanError] = useState<ApiError | undefined>();
  const [statusError, setStatusError] = useState<ApiError | undefined>();
  const [saved, setSaved] = useState('');
  const [busy, setBusy] = useState(false);
  const planFields = planError?.fieldErrors() ?? {};
  const statusFields = statusError?.fieldErrors() ?? {};
  const suspended = tenant.status === 'SUSPENDED';

  async function savePlan(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const values = new FormData(event.currentTarget);
    setBusy(true);
    setPlanError(undefined);
    setSaved('');
    try {
      await api(`/admin/tenants/${tenant.id}/plan`, {
        method: 'POST',
        body: { planId: String(values.get('planId') ?? ''), rateLimitPerSec: override(values.get('rateLimitPerSec')), maxConcurrentJobs: override(values.get('maxConcurrentJobs')) },
      });
      setSaved('Plan and limits saved.');
      limits.reload();
      onChanged();
    } catch (e) {
      setPlanError(toApiError(e));
    } finally {
      setBusy(false);
    }
  }

  async function setStatus(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const values = new FormData(form);
    setBusy(true);
    setStatusError(undefined);
    setSaved('');
    try {
      await api(`/admin/tenants/${tenant.id}/status`, { method: 'POST', body: { status: suspended ? 'ACTIVE' : 'SUSPENDED', reason: String(values.get('reason') ?? '') } });
      setSaved(suspended ? 'The tenant is active again.' : 'The tenant is suspended: its keys and dashboard can no longer create jobs.');
      form.reset();
      onChanged();
    } catch (e) {
      setStatusError(toApiError(e));
    } finally {
      setBusy(false);
    }
  }

  async function viewAs() {
    setBusy(true);
    try {
      await api('/admin/impersonation', { method: 'POST', body: { tenantId: tenant.id } });
      window.location.assign('/overview');
    } catch (e) {
      setStatusError(toApiError(e));
      setBusy(false);
    }
  }

  const l = limits.data;
  return (
    <section className="panel" aria-labelledby="controls-heading">
      <div className="row spread">
        <h2 id="controls-heading">Plan, limits and access</h2>
        <button type="button" className="secondary" onClick={viewAs} disabled={busy || isOwnTenant} aria-describedby="view-as-hint">
          View as this tenant
        </button>
      </div>
      <p className="hint" id="view-as-hint">
        {isOwnTenant ? 'This is your own tenant.' : 'Opens its dashboard read-only: you see what it sees; every change is refused until you end the view.'}
      </p>
      {saved && (
        <div className="notice success" role="status">
          {saved}
        </div>
      )}
      <ErrorNotice error={plans.error ?? limits.error} retry={limits.reload} />
      {(plans.loading || limits.loading) && <Loading what="plans and limits" />}
      {plans.data && l && (
        <form className="stack" onSubmit={savePlan} noValidate aria-label="Plan and limits">
          {planError && Object.keys(planFields).length === 0 && (
            <div className="notice error" role="alert">
              {planError.message}
            </div>
          )}
          <div className="form-grid">
            <div className="field">
              <label htmlFor="tenant-plan">Plan</label>
              <select id="tenant-plan" name="planId" defaultValue={l.planId} aria-invalid={planFields.planId ? true : undefined}>
                {plans.data.plans.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name} ({formatCredits(p.monthlyCredits)} credits/month)
                  </option>
                ))}
              </select>
              <FieldError id="tenant-plan-error" message={planFields.planId} />
            </div>
            <div className="field">
              <label htmlFor="tenant-rate">Rate limit (requests/s)</label>
              <input id="tenant-rate" name="rateLimitPerSec" type="number" min={1} step={1} defaultValue={l.rateLimitPerSec ?? ''} placeholder={`plan: ${l.effective.rateLimitPerSec}`} aria-describedby="tenant-rate-hint" aria-invalid={planFields.rateLimitPerSec ? true : undefined} />
              <span className="hint" id="tenant-rate-hint">
                Empty = the plan&apos;s. In force: {l.effective.rateLimitPerSec}.
              </span>
              <FieldError id="tenant-rate-error" message={planFields.rateLimitPerSec} />
            </div>
            <div className="field">
              <label htmlFor="tenant-concurrency">Max concurrent jobs</label>
              <input id="tenant-concurrency" name="maxConcurrentJobs" type="number" min={1} step={1} defaultValue={l.maxConcurrentJobs ?? ''} placeholder={`plan: ${l.effective.maxConcurrentJobs}`} aria-describedby="tenant-concurrency-hint" aria-invalid={planFields.maxConcurrentJobs ? true : undefined} />
              <span className="hint" id="tenant-concurrency-hint">
                Empty = the plan&apos;s. In force: {l.effective.maxConcurrentJobs}; queue weight {l.effective.queueWeight}.
              </span>
              <FieldError id="tenant-concurrency-error" message={planFields.maxConcurrentJobs} />
            </div>
          </div>
          <div>
            <button type="submit" disabled={busy}>
              Save plan and limits
            </button>
          </div>
        </form>
      )}
      <form className="stack" onSubmit={setStatus} noValidate aria-label={suspended ? 'Reactivate' : 'Suspend'} style={{ marginTop: '1.25rem' }}>
        {statusError && !statusFields.reason && (
          <div className="notice error" role="alert">
            {statusError.message}
          </div>
        )}
        <div className="field">
          <label htmlFor="status-reason">{suspended ? 'Reason to reactivate' : 'Reason to suspend'}</label>
          <input id="status-reason" name="reason" required minLength={3} maxLength={200} aria-invalid={statusFields.reason ? true : undefined} aria-describedby={statusFields.reason ? 'status-reason-error' : undefined} />
          <FieldError id="status-reason-error" message={statusFields.reason} />
        </div>
        <div>
          <button type="submit" className={suspended ? undefined : 'danger'} disabled={busy}>
            {suspended ? 'Reactivate tenant' : 'Suspend tenant'}
          </button>
        </div>
      </form>
    </section>
  );
}
