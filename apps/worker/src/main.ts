import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import pino from 'pino';
import { ConfigError, loadConfig, redactConfig, workerEnvSchema } from '@darkroom/config';
import { WorkerLoop } from './worker-loop';
import { WorkerModule } from './worker.module';

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
  app.get(WorkerLoop).start();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
