import type { z } from 'zod';
import { addZodIssues, DomainError, IssueList } from '@darkroom/contracts';

/** Validates a body or query with a schema; failures are INVALID_ARGUMENT with field paths. */
export function validateInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issues = new IssueList();
  addZodIssues(result.error.issues, input, issues);
  throw DomainError.invalid(issues.toArray());
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
