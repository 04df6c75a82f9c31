import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import pino from 'pino';
import { ConfigError, loadConfig, redactConfig, workerEnvSchema } from '@darkroom/config';
import { startWorkerHealthServer } from './worker-health.server';
import { WorkerLoop } from './worker-loop';
import { WorkerMetrics } from './worker-metrics';
import { WorkerModule } from './worker.module';
import { WorkerPresenceReporter } from './worker-presence';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(workerEnvSchema);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  const log = pino({ level: config.LOG_LEVEL, name: 'worker' });
  log.info({ config: redactConfig(config) }, 'starting a worker');
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot({ config, logger: log }), { logger: false });
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  const loop = app.get(WorkerLoop);
  loop.start();
  app.get(WorkerPresenceReporter).start();
  if (config.WORKER_HEALTH_PORT) {
    const server = startWorkerHealthServer(config.WORKER_HEALTH_PORT, app.get(WorkerMetrics), () => loop.isTakingJobs);
    process.once('SIGTERM', () => server.close());
    log.info(`health and metrics on :${config.WORKER_HEALTH_PORT}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
