import type { z } from 'zod';
import { FieldIssue, ParseResult } from '../errors/field-issue';
import { IssueList } from './issue-list';
import { isPlainObject, normalizeProtoJson } from './proto-json.normalizer';
import { addZodIssues } from './zod-issues';

export interface ParseHooks<T> {
  /** Rules on the normalized (pre-validation) value; may fill in inferred fields. */
  beforeValidate?(normalized: Record<string, unknown>, issues: IssueList): void;
  /** Rules across fields of the validated value; run only when every field rule passed. */
  afterValidate?(value: T, issues: IssueList): void;
}

const fail = (issues: FieldIssue[]): { ok: false; issues: FieldIssue[] } => ({ ok: false, issues });

/**
 * normalize (protobuf JSON → canonical) → validate with zod → cross-field rules. Never throws: any input, even
 * one that is not JSON at all, ends as a result with issues.
 */
export function parseProtoJson<S extends z.ZodType, T = z.output<S>>(schema: S, body: unknown, hooks: ParseHooks<T> = {}): ParseResult<T> {
  if (!isPlainObject(body)) return fail([{ field: '', rule: 'type', message: 'the body must be a JSON object' }]);
  try {
    const issues = new IssueList();
    const normalized = normalizeProtoJson(schema, body, '', issues) as Record<string, unknown>;
    hooks.beforeValidate?.(normalized, issues);
    // Messages come from addZodIssues; a constant error map spares zod formatting its own (schema-level messages still win).
    const result = schema.safeParse(normalized, { error: () => 'invalid' });
    if (!result.success) addZodIssues(result.error.issues, normalized, issues);
    if (issues.length || !result.success) return fail(issues.length ? issues.toArray() : [{ field: '', rule: 'invalid', message: 'invalid request' }]);
    const value = result.data as T;
    hooks.afterValidate?.(value, issues);
    return issues.length ? fail(issues.toArray()) : { ok: true, value };
  } catch {
    return fail([{ field: '', rule: 'invalid', message: 'the request could not be read' }]);
  }
}
