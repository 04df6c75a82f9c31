import { apiEnvSchema, ConfigError, loadConfig, redactConfig } from '@darkroom/config';
import pino from 'pino';
import { createApiApp } from './create-api-app';

const SHUTDOWN_DEADLINE_MS = 15_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(apiEnvSchema);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  const log = pino({ level: config.LOG_LEVEL, name: 'api' });
  log.info({ config: redactConfig(config) }, 'starting the API');
  const app = await createApiApp({ config, logger: log });
  // Graceful shutdown (Nest's hooks) gets a deadline: a process that cannot close its connections still exits.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => {
        log.error(`shutdown did not finish within ${SHUTDOWN_DEADLINE_MS} ms after ${signal}; exiting`);
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS).unref();
    });
  }
  await app.listen(config.API_PORT, config.API_HOST);
  log.info(`API listening on ${config.API_HOST}:${config.API_PORT} (docs at ${config.PUBLIC_BASE_URL}/docs)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
