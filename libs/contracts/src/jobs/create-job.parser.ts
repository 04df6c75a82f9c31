import { ParseResult } from '../errors/field-issue';
import { parseProtoJson } from '../normalize/parse-proto-json';
import { CreateJobRequest, createJobRequestSchema, EstimateRequest, estimateRequestSchema } from './create-job.schema';
import { checkStageRules } from './cross-stage.rules';
import { applyStageShapeRules } from './stage-shape.rules';

const stageHooks = {
  beforeValidate: (normalized: Record<string, unknown>, issues: Parameters<typeof applyStageShapeRules>[1]) =>
    applyStageShapeRules(normalized.stages, issues),
  afterValidate: (value: { stages: CreateJobRequest['stages'] }, issues: Parameters<typeof checkStageRules>[1]) =>
    checkStageRules(value.stages, issues),
};

/** `POST /v1/jobs` body → the validated request with defaults applied, or every issue found. Never throws. */
export function parseCreateJobRequest(body: unknown): ParseResult<CreateJobRequest> {
  return parseProtoJson<typeof createJobRequestSchema, CreateJobRequest>(createJobRequestSchema, body, stageHooks);
}

/** `POST /v1/jobs/credits` body (`{stages}`, same stage rules) → the validated stages. Never throws. */
export function parseEstimateRequest(body: unknown): ParseResult<EstimateRequest> {
  return parseProtoJson<typeof estimateRequestSchema, EstimateRequest>(estimateRequestSchema, body, stageHooks);
}
