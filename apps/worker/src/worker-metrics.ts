import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The worker's Prometheus metrics, served on WORKER_HEALTH_PORT with /healthz and /readyz. */
export class WorkerMetrics {
  readonly registry = new Registry();
  readonly jobsFinished = new Counter({ name: 'darkroom_worker_jobs_total', help: 'Jobs this worker finished, by outcome', labelNames: ['pool', 'outcome'], registers: [this.registry] });
  readonly jobSeconds = new Histogram({
    name: 'darkroom_worker_job_seconds',
    help: 'Run time of the jobs this worker ran (claim to finish)',
    labelNames: ['pool', 'outcome'],
    buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });
  readonly running = new Gauge({ name: 'darkroom_worker_running_jobs', help: 'Jobs running on this worker now', labelNames: ['pool'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'darkroom_worker_' });
  }
}
