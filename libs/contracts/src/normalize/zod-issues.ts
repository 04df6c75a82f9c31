import type { z } from 'zod';
import { formatPath } from './field-path';
import { IssueList } from './issue-list';

type ZodIssue = z.core.$ZodIssue;

const UNITS: Record<string, [string, string, string]> = {
  // origin → [rule suffix, noun phrase before, noun phrase after]
  string: ['length', 'have', 'characters'],
  array: ['items', 'have', 'items'],
  set: ['items', 'have', 'items'],
  file: ['size', 'be', 'bytes'],
};

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v: unknown = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = Object.prototype.hasOwnProperty.call(v, seg) ? (v as Record<PropertyKey, unknown>)[seg] : undefined;
  }
  return v;
}

function expectedWord(expected: string): string {
  switch (expected) {
    case 'int':
      return 'an integer';
    case 'number':
      return 'a finite number';
    case 'array':
      return 'a list';
    case 'object':
      return 'an object';
    case 'boolean':
      return 'true or false';
    default:
      return `a ${expected}`;
  }
}

function bound(origin: string, kind: 'min' | 'max', limit: unknown, inclusive: boolean): [string, string] {
  const unit = UNITS[origin];
  const word = kind === 'min' ? (inclusive ? 'at least' : 'more than') : inclusive ? 'at most' : 'less than';
  if (unit) {
    const noun = Number(limit) === 1 ? unit[2].replace(/s$/, '') : unit[2];
    return [`${kind}_${unit[0]}`, `must ${unit[1]} ${word} ${String(limit)} ${noun}`];
  }
  const cmp = kind === 'min' ? (inclusive ? 'at least' : 'greater than') : inclusive ? 'at most' : 'less than';
  return [kind, `must be ${cmp} ${String(limit)}`];
}

/**
 * Turns zod's issues into field issues with stable rule names and plain messages. `input` is the normalized
 * value zod checked, used to tell a missing field from a wrong one.
 */
export function addZodIssues(zodIssues: readonly ZodIssue[], input: unknown, issues: IssueList, base: ReadonlyArray<PropertyKey> = []): void {
  for (const issue of zodIssues) {
    if (issues.full) return;
    const segments = [...base, ...issue.path];
    const field = formatPath(segments);
    switch (issue.code) {
      case 'invalid_type': {
        const actual = valueAt(input, issue.path);
        if (actual === undefined) issues.add(field, 'required', 'is required');
        else if (issue.expected === 'int' && typeof actual === 'number' && Number.isFinite(actual)) {
          if (Number.isInteger(actual)) issues.add(field, actual < 0 ? 'min' : 'max', 'is out of range');
          else issues.add(field, 'integer', 'must be an integer');
        } else issues.add(field, 'type', `must be ${expectedWord(issue.expected)}`);
        break;
      }
      case 'too_small': {
        const [rule, message] = bound(issue.origin, 'min', issue.minimum, issue.inclusive !== false);
        issues.add(field, rule, message);
        break;
      }
      case 'too_big': {
        const [rule, message] = bound(issue.origin, 'max', issue.maximum, issue.inclusive !== false);
        issues.add(field, rule, message);
        break;
      }
      case 'not_multiple_of':
        issues.add(field, 'multiple_of', `must be a multiple of ${String(issue.divisor)}`);
        break;
      case 'invalid_value':
        issues.add(field, 'enum', `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`);
        break;
      case 'unrecognized_keys':
        for (const key of issue.keys) issues.add(formatPath([...segments, key]), 'unknown_field', `unknown field "${key}"`);
        break;
      case 'invalid_format':
        issues.add(field, 'format', issue.message);
        break;
      case 'invalid_union':
        issues.add(field, 'type', 'has a value of the wrong type');
        break;
      case 'invalid_key':
        issues.add(field, 'format', 'has an invalid key');
        break;
      case 'custom': {
        const rule = typeof issue.params?.rule === 'string' ? issue.params.rule : 'invalid';
        issues.add(field, rule, issue.message);
        break;
      }
      default:
        issues.add(field, 'invalid', issue.message);
    }
  }
}
