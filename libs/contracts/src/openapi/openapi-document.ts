import { z } from 'zod';
import { createJobRequestSchema, estimateRequestSchema } from '../jobs/create-job.schema';
import { stageSchema } from '../jobs/stage.schema';
import { controlnetUnitSchema } from '../jobs/controlnet.schema';
import { diffusionSchema } from '../jobs/diffusion.schema';
import { imageToAdetailerSchema, adetailerArgSchema } from '../jobs/image-to-adetailer.schema';
import { imageToInpaintSchema } from '../jobs/image-to-inpaint.schema';
import { imageToUpscalerSchema } from '../jobs/image-to-upscaler.schema';
import { inputInitializeSchema } from '../jobs/input-initialize.schema';
import { loraItemSchema } from '../jobs/lora.schema';
import { promptSchema } from '../jobs/prompt.schema';
import { protoMeta } from '../normalize/proto-meta';
import { createResourceRequestSchema } from '../resources/create-resource.schema';
import { apiErrorBodySchema } from '../responses/error.schema';
import {
  cancelJobResponseSchema,
  createJobResponseSchema,
  estimateResponseSchema,
  getJobResponseSchema,
  jobViewSchema,
  resourceImageSchema,
} from '../responses/job-view.schema';
import { getModelResponseSchema, modelViewSchema } from '../responses/model-view.schema';
import { createResourceResponseSchema } from '../responses/resource.schema';
import { errorResponses, jsonBody, ref } from './openapi-parts';

export interface OpenApiOptions {
  /** Where the API is served, e.g. https://api.example.com. */
  serverUrl?: string;
  /** Path template of the signed upload URL that POST /v1/resource/image answers. */
  uploadPath?: string;
  /**
   * The platform's other routes (billing, catalogue, admin), documented by the app that serves them, with the zod
   * schemas it validates them with: merged into paths and components.
   */
  extra?: { paths: Record<string, JsonObject>; requestSchemas?: Record<string, z.ZodType>; tags?: Array<{ name: string; description: string }> };
}

/** Request-side schemas: read as input (fields with defaults are optional). */
const REQUEST_SCHEMAS: Record<string, z.ZodType> = {
  CreateJobRequest: createJobRequestSchema,
  EstimateRequest: estimateRequestSchema,
  Stage: stageSchema,
  InputInitialize: inputInitializeSchema,
  Diffusion: diffusionSchema,
  ImageToUpscaler: imageToUpscalerSchema,
  ImageToAdetailer: imageToAdetailerSchema,
  AdetailerArg: adetailerArgSchema,
  ImageToInpaint: imageToInpaintSchema,
  Prompt: promptSchema,
  LoraItem: loraItemSchema,
  ControlnetUnit: controlnetUnitSchema,
  CreateResourceRequest: createResourceRequestSchema,
};

/** Answer schemas: read as output. */
const RESPONSE_SCHEMAS: Record<string, z.ZodType> = {
  Job: jobViewSchema,
  ResourceImage: resourceImageSchema,
  CreateJobResponse: createJobResponseSchema,
  GetJobResponse: getJobResponseSchema,
  CancelJobResponse: cancelJobResponseSchema,
  EstimateResponse: estimateResponseSchema,
  Model: modelViewSchema,
  GetModelResponse: getModelResponseSchema,
  CreateResourceResponse: createResourceResponseSchema,
  ApiError: apiErrorBodySchema,
};

type JsonObject = Record<string, unknown>;

/** int64 fields are documented as a number or a decimal string, as protobuf JSON reads them. */
function int64Override(ctx: { zodSchema: unknown; jsonSchema: JsonObject }): void {
  if (!protoMeta.get(ctx.zodSchema as z.ZodType)?.int64) return;
  const { description, default: dflt, ...numberSchema } = ctx.jsonSchema;
  for (const key of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[key];
  Object.assign(ctx.jsonSchema, {
    ...(description === undefined ? {} : { description }),
    ...(dflt === undefined ? {} : { default: dflt }),
    anyOf: [numberSchema, { type: 'string', pattern: '^-?[0-9]+$' }],
  });
}

function componentSchemas(schemas: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const generated = z.toJSONSchema(registry, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
    override: (ctx) => int64Override(ctx as unknown as { zodSchema: unknown; jsonSchema: JsonObject }),
  }).schemas as Record<string, JsonObject>;
  const out: Record<string, JsonObject> = {};
  for (const [id, schema] of Object.entries(generated)) {
    const { $schema: _s, $id: _i, ...rest } = schema;
    out[id] = rest;
  }
  return out;
}

const jobIdParam = { name: 'jobId', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9]+$' }, description: 'job id (uint64)' };

/**
 * The OpenAPI 3.1 document of the TAMS-compatible API, with request and answer schemas generated from the same
 * zod schemas that validate them.
 */
export function buildOpenApiDocument(options: OpenApiOptions = {}): JsonObject {
  const uploadPath = options.uploadPath ?? '/v1/resource/upload/{resourceId}';
  return {
    openapi: '3.1.0',
    info: {
      title: 'darkroom API (TAMS-compatible)',
      version: '1.0.0',
      description:
        'Stable Diffusion jobs behind the TAMS API. Request keys are accepted in lowerCamelCase or snake_case; ' +
        '64-bit integers as numbers or decimal strings; enums as names or numbers. Unknown fields are refused.',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    ...(options.extra?.tags ? { tags: options.extra.tags } : {}),
    security: [{ bearerAuth: [] }, { tamsSignature: [] }],
    paths: {
      '/v1/jobs': {
        post: {
          operationId: 'createJob',
          summary: 'Create a job (idempotent per requestId)',
          requestBody: jsonBody('CreateJobRequest'),
          responses: { '200': { description: 'the job', content: { 'application/json': { schema: ref('CreateJobResponse') } } }, ...errorResponses(['400', '401', '403', '404', '409', '429', '500']) },
        },
      },
      '/v1/jobs/credits': {
        post: {
          operationId: 'estimateJobCredits',
          summary: 'What a job would cost, without creating it',
          requestBody: jsonBody('EstimateRequest'),
          responses: { '200': { description: 'the price', content: { 'application/json': { schema: ref('EstimateResponse') } } }, ...errorResponses(['400', '401', '404', '429', '500']) },
        },
      },
      '/v1/jobs/{jobId}': {
        get: {
          operationId: 'getJob',
          summary: 'A job: status, progress, outputs',
          parameters: [jobIdParam],
          responses: { '200': { description: 'the job', content: { 'application/json': { schema: ref('GetJobResponse') } } }, ...errorResponses(['401', '404', '429', '500']) },
        },
        delete: {
          operationId: 'cancelJob',
          summary: 'Cancel a job; a finished job keeps its status',
          parameters: [jobIdParam],
          responses: { '200': { description: 'canceled', content: { 'application/json': { schema: ref('CancelJobResponse') } } }, ...errorResponses(['401', '404', '429', '500']) },
        },
      },
      '/v1/models/{modelId}': {
        get: {
          operationId: 'getModel',
          summary: 'A catalogue model',
          parameters: [{ name: 'modelId', in: 'path', required: true, schema: { type: 'string' }, description: 'model id (uint64)' }],
          responses: { '200': { description: 'the model', content: { 'application/json': { schema: ref('GetModelResponse') } } }, ...errorResponses(['401', '404', '429', '500']) },
        },
      },
      '/v1/resource/image': {
        post: {
          operationId: 'createImageResource',
          summary: 'Reserve an input image and get a signed URL to PUT its bytes to',
          requestBody: { ...jsonBody('CreateResourceRequest'), required: false },
          responses: {
            '200': { description: 'the resource and its upload URL', content: { 'application/json': { schema: ref('CreateResourceResponse') } } },
            ...errorResponses(['400', '401', '429', '500']),
          },
        },
      },
      [uploadPath]: {
        put: {
          operationId: 'uploadImage',
          summary: 'Upload the image bytes to the putUrl (its signature is the credential)',
          security: [],
          parameters: [
            { name: 'resourceId', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'exp', in: 'query', required: true, schema: { type: 'string' }, description: 'expiry, unix seconds' },
            { name: 'sig', in: 'query', required: true, schema: { type: 'string' }, description: 'signature' },
          ],
          requestBody: {
            required: true,
            content: { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } },
          },
          responses: { '200': { description: 'stored' }, ...errorResponses(['400', '403', '404', '500']) },
        },
      },
      ...(options.extra?.paths ?? {}),
    },
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <api key>' },
        tamsSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description:
            'TAMS-SHA256-RSA app_id=<app id>,nonce_str=<nonce>,timestamp=<unix seconds>,signature=<base64>: RSA-SHA256 ' +
            '(PKCS#1 v1.5, 2048-bit key) over METHOD\\nPATH_WITH_QUERY\\nTIMESTAMP\\nNONCE\\nBODY. Timestamps more than 5 ' +
            'minutes off and repeated nonces are refused.',
        },
      },
      schemas: {
        ...componentSchemas(REQUEST_SCHEMAS, 'input'),
        ...componentSchemas(RESPONSE_SCHEMAS, 'output'),
        ...(options.extra?.requestSchemas ? componentSchemas(options.extra.requestSchemas, 'input') : {}),
      },
    },
  };
}
export { errorResponses, jsonBody, ref } from './openapi-parts';
