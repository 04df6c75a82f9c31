import { z } from 'zod';

/**
 * How a field is read from protobuf-style JSON before validation. Kept in its own registry (not zod's global
 * one) so that none of it leaks into the generated JSON Schema.
 */
export interface ProtoMeta {
  /** Values that mean "not set" (proto3 zero values, seed -1): the field is treated as absent, so its default applies. */
  unset?: readonly number[];
  /** A 64-bit integer: documented as number or decimal string. */
  int64?: boolean;
  /** Enum numbers → names, as the proto numbers them. */
  enumNumbers?: Readonly<Record<number, string>>;
  /** Other accepted spellings of enum names (`TERM_SHORT` for `SHORT`). */
  enumAliases?: Readonly<Record<string, string>>;
  /** Longest list accepted; a longer one is reported once and cut, so its tail is never validated. */
  maxItems?: number;
  /** Most keys a free-form object may have. */
  maxKeys?: number;
}

export const protoMeta = z.registry<ProtoMeta>();

/** `base` with the defined values of `extra` on top. */
export function mergeProtoMeta(base: ProtoMeta, extra: ProtoMeta | undefined): ProtoMeta {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra ?? {})) if (value !== undefined) merged[key] = value;
  return merged as ProtoMeta;
}

/** Registers proto reading rules for a schema and returns it. */
export function withProto<T extends z.ZodType>(schema: T, meta: ProtoMeta): T {
  protoMeta.add(schema, mergeProtoMeta(protoMeta.get(schema) ?? {}, meta));
  return schema;
}
