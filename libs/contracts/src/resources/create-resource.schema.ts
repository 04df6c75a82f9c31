import { z } from 'zod';
import { ParseResult } from '../errors/field-issue';
import { int64, protoEnum } from '../normalize/proto-fields';
import { parseProtoJson } from '../normalize/parse-proto-json';

export const RESOURCE_TERMS = ['SHORT', 'LONG'] as const;
export type ResourceTerm = (typeof RESOURCE_TERMS)[number];
/** How long a SHORT resource is kept; LONG ones are kept until deleted. */
export const SHORT_TERM_DAYS = 7;
export const DEFAULT_PUT_URL_SECONDS = 3600;

/** Term: 1 / "SHORT" / "TERM_SHORT" = short; 2 / "LONG" / "TERM_LONG" = long; 0 or absent = short. */
export const resourceTermSchema = protoEnum(RESOURCE_TERMS, {
  numbers: { 1: 'SHORT', 2: 'LONG' },
  aliases: { TERM_SHORT: 'SHORT', TERM_LONG: 'LONG' },
  unset: [0],
});

export const createResourceRequestSchema = z.strictObject({
  expireSec: int64({ min: 60, max: 604_800, unset: [0], description: 'seconds the putUrl works; 0 or absent = 3600' }).default(DEFAULT_PUT_URL_SECONDS),
  term: resourceTermSchema.describe('SHORT (1): kept 7 days; LONG (2): kept until deleted').default('SHORT'),
});

export interface CreateResourceRequest {
  expireSec: number;
  term: ResourceTerm;
}

/** `POST /v1/resource/image` body → `{expireSec, term}` with defaults applied; no body reads as `{}`. Never throws. */
export function parseCreateResourceRequest(body: unknown): ParseResult<CreateResourceRequest> {
  return parseProtoJson<typeof createResourceRequestSchema, CreateResourceRequest>(createResourceRequestSchema, body ?? {});
}
