import { z } from 'zod';
import { withProto } from './proto-meta';

interface NumberBounds {
  min?: number;
  max?: number;
  /** Exclusive lower bound. */
  gt?: number;
  multipleOf?: number;
  /** Values read as "not set" (see ProtoMeta.unset). */
  unset?: readonly number[];
  description?: string;
}

function bounded<T extends z.ZodNumber>(schema: T, b: NumberBounds): T {
  let s: z.ZodNumber = schema;
  if (b.min !== undefined) s = s.min(b.min);
  if (b.gt !== undefined) s = s.gt(b.gt);
  if (b.max !== undefined) s = s.max(b.max);
  if (b.multipleOf !== undefined) s = s.multipleOf(b.multipleOf);
  if (b.description) s = s.describe(b.description);
  return s as T;
}

/** int32: a JSON number (or decimal string) that is an integer within the bounds. */
export function int32(b: NumberBounds = {}): z.ZodNumber {
  const s = bounded(z.int(), { min: -2_147_483_648, max: 2_147_483_647, ...b });
  return withProto(s, { unset: b.unset });
}

/** int64: like int32, and documented as accepted in string form too (protobuf JSON writes int64 as strings). */
export function int64(b: NumberBounds = {}): z.ZodNumber {
  return withProto(bounded(z.int(), b), { unset: b.unset, int64: true });
}

/** float/double: a finite JSON number (or numeric string); NaN and Infinity are refused. */
export function float(b: NumberBounds = {}): z.ZodNumber {
  return withProto(bounded(z.number(), b), { unset: b.unset });
}

/** A string of at most `max` characters. The empty string is proto3's "not set". */
export function text(max: number, description?: string): z.ZodString {
  const s = z.string().max(max);
  return description ? s.describe(description) : s;
}

/** A proto enum: names, or their numbers in the order the spec lists them (or as given). */
export function protoEnum<const T extends readonly [string, ...string[]]>(
  names: T,
  opts: { numbers?: Readonly<Record<number, T[number]>>; aliases?: Readonly<Record<string, T[number]>>; unset?: readonly number[] } = {},
) {
  const numbers: Record<number, string> = opts.numbers ?? Object.fromEntries(names.map((n, i) => [i, n]));
  return withProto(z.enum(names), { enumNumbers: numbers, enumAliases: opts.aliases, unset: opts.unset });
}

/** A repeated field with at most `max` items. */
export function list<T extends z.ZodType>(element: T, b: { min?: number; max: number }): z.ZodArray<T> {
  let s = z.array(element).max(b.max);
  if (b.min !== undefined) s = s.min(b.min);
  return withProto(s, { maxItems: b.max });
}
