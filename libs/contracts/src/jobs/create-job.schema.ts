import { z } from 'zod';
import { list, text } from '../normalize/proto-fields';
import { Stage, stageSchema } from './stage.schema';

export const MAX_STAGES = 10;
export const MAX_REQUEST_ID_CHARS = 128;
export const MAX_NOTIFY_URL_CHARS = 2048;
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]+$/;

/** An absolute http(s) URL. */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

export const stageListSchema = list(stageSchema, { min: 1, max: MAX_STAGES });

export const requestIdSchema = text(MAX_REQUEST_ID_CHARS, 'idempotency key per tenant: 1..128 of A-Z a-z 0-9 . _ : -').regex(REQUEST_ID_PATTERN, {
  message: 'may contain only letters, digits and . _ : -',
});

export const notifyUrlSchema = text(MAX_NOTIFY_URL_CHARS, 'called with the job object on every status change').refine(isHttpUrl, {
  message: 'must be an absolute http or https URL',
  params: { rule: 'url' },
});

export const createJobRequestSchema = z.strictObject({
  requestId: requestIdSchema,
  stages: stageListSchema,
  notifyUrl: notifyUrlSchema.optional(),
});

export const estimateRequestSchema = z.strictObject({
  stages: stageListSchema,
});

export interface CreateJobRequest {
  requestId: string;
  stages: Stage[];
  notifyUrl?: string;
}

export interface EstimateRequest {
  stages: Stage[];
}
