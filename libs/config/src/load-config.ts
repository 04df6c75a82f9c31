import { z } from 'zod';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Validates the environment against a schema; every problem is listed with the variable it concerns. */
export function loadConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined> = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`);
  throw new ConfigError(problems);
}

/** Values safe to log: secrets and credentials in URLs are masked. */
export function redactConfig(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (/SECRET|PASSWORD|TOKEN|KEY/i.test(key)) out[key] = '***';
    else if (typeof value === 'string' && /^[a-z]+:\/\/[^/]*@/.test(value)) out[key] = value.replace(/\/\/([^:@/]*)(:[^@/]*)?@/, '//$1:***@');
    else out[key] = value;
  }
  return out;
}
