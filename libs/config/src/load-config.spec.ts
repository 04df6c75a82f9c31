import { apiEnvSchema, workerEnvSchema } from './env-schema';
import { ConfigError, loadConfig, redactConfig } from './load-config';

const base = { DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/x', URL_SIGNING_SECRET: 'x'.repeat(32) };

describe('loadConfig', () => {
  it('applies documented defaults', () => {
    const c = loadConfig(apiEnvSchema, base);
    expect(c.API_PORT).toBe(8080);
    expect(c.POOLS).toEqual({ cpu: ['SD1', 'SD2', 'SDXL'] });
    expect(c.WEBHOOK_ALLOW_LOOPBACK).toBe(false);
    expect(c.RATE_LIMIT_PER_SEC).toBe(5);
  });

  it('lists every problem with the variable it concerns', () => {
    try {
      loadConfig(apiEnvSchema, { API_PORT: '70000', URL_SIGNING_SECRET: 'short', POOLS: 'gpu=SD9' });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const text = (e as ConfigError).message;
      expect(text).toContain('DATABASE_URL');
      expect(text).toContain('API_PORT');
      expect(text).toContain('URL_SIGNING_SECRET must be at least 32 characters');
      expect(text).toContain('unknown family "SD9"');
    }
  });

  it('parses several pools and worker settings', () => {
    const c = loadConfig(workerEnvSchema, { ...base, POOLS: 'l4=SD1,SD2; a100=SDXL', WORKER_POOL: 'a100', EXECUTION_PROVIDER: 'cuda' });
    expect(c.POOLS).toEqual({ l4: ['SD1', 'SD2'], a100: ['SDXL'] });
    expect(c.EXECUTION_PROVIDER).toBe('cuda');
    expect(() => loadConfig(workerEnvSchema, { ...base, EXECUTION_PROVIDER: 'tpu' })).toThrow(/EXECUTION_PROVIDER/);
  });

  it('never shows secrets or URL passwords', () => {
    const shown = redactConfig({ URL_SIGNING_SECRET: 'abc', DATABASE_URL: 'postgresql://u:pw@h/db', API_PORT: 1 });
    expect(shown).toEqual({ URL_SIGNING_SECRET: '***', DATABASE_URL: 'postgresql://u:***@h/db', API_PORT: 1 });
  });
});
