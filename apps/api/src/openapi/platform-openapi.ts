import { buildOpenApiDocument, errorResponses, jsonBody } from '@darkroom/contracts';
import { adminCreditChangeSchema, planSchema, publishPricesSchema, tenantPlanSchema } from '../admin/admin.schemas';
import { checkoutSchema } from '../billing/billing.service';
import { mintAccessKeySchema, registerModelSchema, updateModelSchema } from '../catalogue/catalogue.schemas';
import { startModelUploadSchema } from '../catalogue/model-uploads.schemas';

type Json = Record<string, unknown>;

const ok = (description: string) => ({ '200': { description, content: { 'application/json': { schema: { type: 'object' } } } } });
const pathParam = (name: string, description: string, pattern?: string) => ({ name, in: 'path', required: true, schema: { type: 'string', ...(pattern ? { pattern } : {}) }, description });
const tenantId = pathParam('tenantId', 'tenant id (UUID)');
const modelId = pathParam('modelId', 'model id (uint64)', '^[0-9]+$');
const pageQuery = [
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500 } },
  { name: 'before', in: 'query', schema: { type: 'string', pattern: '^[0-9]{1,20}$' }, description: 'the id of the last row of the previous page' },
];
/** Admin routes authenticate with the admin token, not a tenant's key. */
const admin = (op: Json): Json => ({ tags: ['admin'], security: [{ adminToken: [] }], ...op, responses: { ...(op.responses as Json), ...errorResponses(['400', '401', '404', '500']) } });
const tenant = (tag: string, op: Json): Json => ({ tags: [tag], ...op, responses: { ...(op.responses as Json), ...errorResponses(['400', '401', '404', '429', '500']) } });

/** Billing, the tenant catalogue (with uploads) and the admin API, next to the TAMS routes. */
const PATHS: Record<string, Json> = {
  '/v1/files/{key}': {
    get: {
      tags: ['files'],
      operationId: 'downloadFile',
      summary: 'An output image or preview, from the signed, expiring URL a job view hands out (the signature is the credential)',
      security: [],
      parameters: [pathParam('key', 'the file key (slashes included)'), { name: 'exp', in: 'query', required: true, schema: { type: 'string' } }, { name: 'sig', in: 'query', required: true, schema: { type: 'string' } }],
      responses: { '200': { description: 'the bytes', content: { 'image/png': { schema: { type: 'string', contentMediaType: 'image/png' } } } }, ...errorResponses(['403', '404', '500']) },
    },
  },
  '/v1/billing/packs': { get: tenant('billing', { operationId: 'listCreditPacks', summary: 'Credit packs for sale, and whether payments are configured', responses: ok('{configured, packs: [{name, credits}]}') }) },
  '/v1/billing/checkout': {
    post: tenant('billing', { operationId: 'createCheckout', summary: 'A Stripe Checkout session for a pack (FAILED_PRECONDITION "payments are not configured" without Stripe)', requestBody: jsonBody('CheckoutRequest'), responses: ok('{sessionId, url}') }),
  },
  '/v1/billing/balance': { get: tenant('billing', { operationId: 'getBalance', summary: 'Balance, expiring credits and plan limits', responses: ok('the balance') }) },
  '/v1/billing/ledger': { get: tenant('billing', { operationId: 'listLedger', summary: 'Ledger rows, newest first', parameters: pageQuery, responses: ok('{entries, nextBefore}') }) },
  '/v1/billing/prices': { get: tenant('billing', { operationId: 'getPrices', summary: 'The price table in force and the plan multiplier', responses: ok('the price table') }) },
  '/stripe/webhook': {
    post: {
      tags: ['billing'],
      operationId: 'stripeWebhook',
      summary: "Stripe's events (signature in Stripe-Signature): checkout completed, async payment, refunds, disputes; once per event id",
      security: [],
      requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } } } },
      responses: { ...ok('{received, duplicate}'), ...errorResponses(['400', '500']) },
    },
  },
  '/v1/catalogue/models': {
    get: tenant('catalogue', { operationId: 'listOwnModels', summary: "The tenant's own items (uploads with their status)", responses: ok('{models}') }),
    post: tenant('catalogue', { operationId: 'registerModel', summary: "Register an item whose files are already under the tenant's folder of the model store", requestBody: jsonBody('RegisterModelRequest'), responses: ok('{model}') }),
  },
  '/v1/catalogue/models/{modelId}': {
    patch: tenant('catalogue', { operationId: 'updateModel', summary: 'Rename, describe, make PRIVATE or PUBLIC', parameters: [modelId], requestBody: jsonBody('UpdateModelRequest'), responses: ok('{model}') }),
  },
  '/v1/catalogue/uploads': {
    post: tenant('catalogue', {
      operationId: 'startModelUpload',
      summary: 'Declare an item to upload (checkpoint/VAE/ControlNet ONNX folder, or one .safetensors LoRA/embedding) and get a signed PUT URL per file',
      requestBody: jsonBody('StartModelUploadRequest'),
      responses: ok('{model, uploads: [{path, bytes, putUrl, headers}], expiresAt}'),
    }),
  },
  '/v1/catalogue/uploads/{modelId}/{bytes}/{path}': {
    put: {
      tags: ['catalogue'],
      operationId: 'uploadModelFile',
      summary: "One file's bytes to its putUrl (the signature is the credential; exactly the declared size; streamed)",
      security: [],
      parameters: [
        modelId,
        pathParam('bytes', 'the declared size', '^[0-9]+$'),
        pathParam('path', 'the file path inside the item'),
        { name: 'exp', in: 'query', required: true, schema: { type: 'string' } },
        { name: 'sig', in: 'query', required: true, schema: { type: 'string' } },
      ],
      requestBody: { required: true, content: { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } } },
      responses: { ...ok('{modelId, path, bytes, sha256}'), ...errorResponses(['400', '403', '404', '500']) },
    },
  },
  '/v1/catalogue/models/{modelId}/complete': {
    post: tenant('catalogue', { operationId: 'completeModelUpload', summary: 'Check the uploaded files as a worker loads them; the item becomes READY (until then jobs cannot use it)', parameters: [modelId], responses: ok('{model}') }),
  },
  '/v1/catalogue/access-keys': {
    get: tenant('catalogue', { operationId: 'listAccessKeys', summary: 'Access keys with usage, last use and status', responses: ok('{accessKeys}') }),
    post: tenant('catalogue', { operationId: 'mintAccessKey', summary: 'Mint a key for some of your items (shown once)', requestBody: jsonBody('MintAccessKeyRequest'), responses: ok('{key, accessKey}') }),
  },
  '/v1/catalogue/access-keys/{keyId}': {
    delete: tenant('catalogue', { operationId: 'revokeAccessKey', summary: 'Revoke a key', parameters: [pathParam('keyId', 'access key id (UUID)')], responses: ok('{accessKey}') }),
  },
  '/admin/tenants/{tenantId}/credits': { post: admin({ operationId: 'adminChangeCredits', summary: 'Grant or adjust credits (written to the ledger)', parameters: [tenantId], requestBody: jsonBody('AdminCreditChangeRequest'), responses: ok('the ledger change') }) },
  '/admin/tenants/{tenantId}/ledger': { get: admin({ operationId: 'adminTenantLedger', summary: "A tenant's ledger", parameters: [tenantId, ...pageQuery], responses: ok('{entries, nextBefore}') }) },
  '/admin/tenants/{tenantId}/ledger/check': { get: admin({ operationId: 'adminCheckTenantLedger', summary: 'Σ ledger = balance for one tenant', parameters: [tenantId], responses: ok('the check') }) },
  '/admin/tenants/{tenantId}/plan': { put: admin({ operationId: 'adminSetTenantPlan', summary: "A tenant's plan and limit overrides", parameters: [tenantId], requestBody: jsonBody('TenantPlanRequest'), responses: ok('the tenant') }) },
  '/admin/ledger/check': { get: admin({ operationId: 'adminCheckLedgers', summary: 'The ledger check for every tenant', responses: ok('the checks') }) },
  '/admin/plans': { get: admin({ operationId: 'adminListPlans', summary: 'Plans and their limits', responses: ok('{plans}') }) },
  '/admin/plans/{planId}': { put: admin({ operationId: 'adminPutPlan', summary: 'Create or change a plan', parameters: [pathParam('planId', 'plan id')], requestBody: jsonBody('PlanRequest'), responses: ok('the plan') }) },
  '/admin/prices': {
    get: admin({ operationId: 'adminListPrices', summary: 'Price table versions', responses: ok('{current, versions}') }),
    post: admin({ operationId: 'adminPublishPrices', summary: 'Publish the next price version (in force for new jobs at once)', requestBody: jsonBody('PublishPricesRequest'), responses: ok('the version') }),
  },
  '/admin/credits/monthly-grants': { post: admin({ operationId: 'adminMonthlyGrants', summary: "Grant this month's plan credits (idempotent per tenant and month)", responses: ok('what was granted') }) },
  '/admin/credits/expire': { post: admin({ operationId: 'adminExpireCredits', summary: 'Expire due granted credits now', responses: ok('what expired') }) },
  '/admin/payments/flagged': { get: admin({ operationId: 'adminFlaggedPayments', summary: 'Payments whose refund or dispute could not take back every credit', responses: ok('{payments}') }) },
};

const REQUEST_SCHEMAS = {
  CheckoutRequest: checkoutSchema,
  RegisterModelRequest: registerModelSchema,
  UpdateModelRequest: updateModelSchema,
  StartModelUploadRequest: startModelUploadSchema,
  MintAccessKeyRequest: mintAccessKeySchema,
  AdminCreditChangeRequest: adminCreditChangeSchema,
  TenantPlanRequest: tenantPlanSchema,
  PlanRequest: planSchema,
  PublishPricesRequest: publishPricesSchema,
};


/** The document /openapi.json and /docs serve: the TAMS routes plus billing, catalogue and admin. */
export function buildApiDocument(serverUrl?: string): Json {
  const doc = buildOpenApiDocument({
    serverUrl,
    extra: {
      paths: PATHS,
      requestSchemas: REQUEST_SCHEMAS,
      tags: [
        { name: 'billing', description: 'Credits: packs, Stripe Checkout and webhook, balance, ledger, prices' },
        { name: 'catalogue', description: "A tenant's own models, LoRAs, embeddings, VAEs and ControlNets: uploads, registration, access keys" },
        { name: 'admin', description: 'Operators (Authorization: Bearer ADMIN_API_TOKEN)' },
      ],
    },
  });
  const components = doc.components as { securitySchemes: Json };
  components.securitySchemes.adminToken = { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <ADMIN_API_TOKEN>' };
  return doc;
}
