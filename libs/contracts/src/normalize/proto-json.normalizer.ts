import type { z } from 'zod';
import { appendIndex, appendKey } from './field-path';
import { IssueList } from './issue-list';
import { keyAliases } from './key-case';
import { mergeProtoMeta, ProtoMeta, protoMeta } from './proto-meta';

/** The parts of a zod definition the walk reads. */
interface LooseDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  entries?: Record<string, string | number>;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'nonoptional', 'catch']);
const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Longer unknown keys are cut in answers, so that a huge key cannot make a huge error body. */
const MAX_KEY_SHOWN = 128;
/** Keys that would reach an object's prototype if copied by assignment. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const defOf = (schema: z.ZodType): LooseDef => schema._zod.def as unknown as LooseDef;

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const unwrapped = new WeakMap<z.ZodType, { def: LooseDef; meta: ProtoMeta }>();

/** Peels optional/default/... wrappers, gathering the proto metadata registered at any layer (cached per schema). */
function unwrap(schema: z.ZodType): { def: LooseDef; meta: ProtoMeta } {
  let found = unwrapped.get(schema);
  if (!found) {
    found = peel(schema);
    unwrapped.set(schema, found);
  }
  return found;
}

function peel(schema: z.ZodType): { def: LooseDef; meta: ProtoMeta } {
  let s = schema;
  let meta: ProtoMeta = {};
  for (let depth = 0; depth < 32; depth++) {
    meta = mergeProtoMeta(protoMeta.get(s) ?? {}, meta); // outer layers win
    const def = defOf(s);
    if (WRAPPERS.has(def.type) && def.innerType) s = def.innerType;
    else if (def.type === 'pipe' && def.in) s = def.in;
    else return { def, meta };
  }
  return { def: defOf(s), meta };
}

/**
 * Reads a protobuf-style JSON value into the canonical shape the zod schema validates, walking the schema and the
 * value together:
 * - object keys in camelCase or snake_case become camelCase; both spellings at once → `duplicate_field`;
 *   keys the schema does not know → `unknown_field` (and are dropped);
 * - `null` and proto3 "unset" values (see ProtoMeta.unset, and `''` for strings and enums) become absent;
 * - numeric strings become numbers; enum numbers and aliases become names;
 * - lists longer than their maximum are reported once and cut.
 * Only the schema's depth is walked, so a deep or huge value costs no more than its known part. Type errors are
 * left for zod to report; the walk never throws on JSON input.
 */
export function normalizeProtoJson(schema: z.ZodType, value: unknown, path: string, issues: IssueList): unknown {
  const { def, meta } = unwrap(schema);
  switch (def.type) {
    case 'object':
      return isPlainObject(value) && def.shape ? normalizeObject(def.shape, value, path, issues) : value;
    case 'array':
      return Array.isArray(value) && def.element ? normalizeArray(def.element, meta, value, path, issues) : value;
    case 'record':
      return isPlainObject(value) ? copyRecord(meta, value, path, issues) : value;
    case 'number':
      return readNumber(value, meta);
    case 'enum':
      return readEnum(value, meta);
    case 'string':
      return value === '' ? undefined : value;
    default:
      return value;
  }
}

function normalizeObject(shape: Record<string, z.ZodType>, value: Record<string, unknown>, path: string, issues: IssueList) {
  const aliases = keyAliases(shape);
  const out: Record<string, unknown> = {};
  const spelledAs = new Map<string, string>();
  for (const key of Object.keys(value)) {
    const name = aliases.get(key);
    if (name === undefined) {
      const shown = key.length > MAX_KEY_SHOWN ? `${key.slice(0, MAX_KEY_SHOWN)}…` : key;
      issues.add(appendKey(path, shown), 'unknown_field', `unknown field "${shown}"`);
      continue;
    }
    const fieldPath = appendKey(path, name);
    const earlier = spelledAs.get(name);
    if (earlier !== undefined) {
      issues.add(fieldPath, 'duplicate_field', `"${earlier}" and "${key}" are the same field`);
      continue;
    }
    spelledAs.set(name, key);
    const raw = value[key];
    if (raw === null || raw === undefined) continue;
    const read = normalizeProtoJson(shape[name], raw, fieldPath, issues);
    if (read !== undefined) out[name] = read;
  }
  return out;
}

function normalizeArray(element: z.ZodType, meta: ProtoMeta, value: unknown[], path: string, issues: IssueList) {
  let items = value;
  if (meta.maxItems !== undefined && items.length > meta.maxItems) {
    issues.add(path, 'max_items', `must have at most ${meta.maxItems} items`);
    items = items.slice(0, meta.maxItems);
  }
  const out: unknown[] = [];
  for (let i = 0; i < items.length; i++) {
    // An absent element (null) stays null so that zod reports it at its index.
    const read = items[i] === null ? null : normalizeProtoJson(element, items[i], appendIndex(path, i), issues);
    out.push(read === undefined ? items[i] : read);
  }
  return out;
}

/** Free-form objects keep their keys as sent; copied with defineProperty so no key can reach a prototype. */
function copyRecord(meta: ProtoMeta, value: Record<string, unknown>, path: string, issues: IssueList) {
  const out: Record<string, unknown> = {};
  let keys = Object.keys(value);
  if (meta.maxKeys !== undefined && keys.length > meta.maxKeys) {
    issues.add(path, 'max_items', `must have at most ${meta.maxKeys} keys`);
    keys = keys.slice(0, meta.maxKeys);
  }
  for (const key of keys) {
    if (RESERVED_KEYS.has(key)) {
      issues.add(appendKey(path, key), 'format', `"${key}" is not allowed as a key`);
      continue;
    }
    Object.defineProperty(out, key, { value: value[key], enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function readNumber(value: unknown, meta: ProtoMeta): unknown {
  let n = value;
  if (typeof value === 'string') {
    if (value === '') return undefined;
    if (value.length <= 64 && NUMERIC.test(value)) n = Number(value);
  }
  if (typeof n !== 'number') return n;
  if (meta.unset?.includes(n)) return undefined;
  return Object.is(n, -0) ? 0 : n; // JSON has no -0; keep the canonical form stable
}

function readEnum(value: unknown, meta: ProtoMeta): unknown {
  if (value === '') return undefined;
  if (typeof value === 'number' && meta.unset?.includes(value)) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && meta.enumNumbers) {
    return Object.prototype.hasOwnProperty.call(meta.enumNumbers, value) ? meta.enumNumbers[value] : value;
  }
  if (typeof value === 'string' && meta.enumAliases && Object.prototype.hasOwnProperty.call(meta.enumAliases, value)) {
    return meta.enumAliases[value];
  }
  return value;
}
