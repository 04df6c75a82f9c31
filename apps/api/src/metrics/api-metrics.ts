import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The API's Prometheus metrics; gauges that need Postgres/Redis are filled at scrape time by a collector. */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({ name: 'darkroom_http_requests_total', help: 'HTTP requests', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
  readonly httpDuration = new Histogram({
    name: 'darkroom_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly jobsCreated = new Counter({ name: 'darkroom_jobs_created_total', help: 'Jobs created', labelNames: ['pool'], registers: [this.registry] });
  readonly jobsByStatus = new Gauge({ name: 'darkroom_jobs', help: 'Jobs by status (from Postgres)', labelNames: ['status'], registers: [this.registry] });
  readonly queueLength = new Gauge({ name: 'darkroom_queue_length', help: 'Waiting jobs per GPU pool (from the fair queue)', labelNames: ['pool'], registers: [this.registry] });
  readonly jobDuration = new Gauge({
    name: 'darkroom_job_run_seconds_avg',
    help: 'Mean run time of jobs finished in the last 15 minutes, by status',
    labelNames: ['status'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'darkroom_api_' });
  }
}
