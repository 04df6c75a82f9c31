import type { z } from 'zod';
import { addZodIssues, DomainError, IssueList } from '@darkroom/contracts';

/** Validates a body or query with a dashboard schema; failures are INVALID_ARGUMENT with field paths. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issues = new IssueList();
  addZodIssues(result.error.issues, input, issues);
  throw DomainError.invalid(issues.toArray());
}
