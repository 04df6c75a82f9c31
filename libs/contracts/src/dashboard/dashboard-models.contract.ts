// A tenant's own catalogue items (uploads and registrations) and the access keys that share them: the shapes of
// /v1/catalogue/* and of the dashboard's Models page.

export type ModelUploadStatus = 'PENDING_UPLOAD' | 'UPLOADING' | 'READY';

/** A catalogue item as its owner sees it. */
export interface OwnModelView {
  id: string;
  name: string;
  description: string;
  modelType: string;
  baseModel: string;
  visibility: string;
  storagePath: string;
  projectName: string;
  showcaseImageUrls: string[];
  /** PENDING_UPLOAD → UPLOADING → READY for uploads; registered items are READY at once. Only READY items run. */
  status: ModelUploadStatus;
  /** Uploads: the bytes declared and, once READY, stored; what the last completion check found wrong. */
  uploadBytes: number | null;
  fileBytes: number | null;
  uploadError: string;
  uploadedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ModelAccessKeyView {
  id: string;
  name: string;
  prefix: string;
  modelIds: string[];
  feePerJob: number;
  usageLimit: number | null;
  usageCount: number;
  status: 'active' | 'revoked' | 'expired' | 'used_up';
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** One file of an upload and where to PUT it (the URL's signature is the credential; send these headers). */
export interface ModelUploadTarget {
  path: string;
  bytes: number;
  putUrl: string;
  headers: Record<string, string>;
}

/** POST /v1/catalogue/uploads (and the dashboard's POST /models/uploads, whose putUrls are dashboard paths). */
export interface StartModelUploadResponse {
  model: OwnModelView;
  uploads: ModelUploadTarget[];
  expiresAt: string;
}

/** A PUT of one file. */
export interface ModelFileReceived {
  modelId: string;
  path: string;
  bytes: number;
  sha256: string;
}

/** GET /dashboard-api/models */
export interface DashboardModelsResponse {
  models: OwnModelView[];
  accessKeys: ModelAccessKeyView[];
}

/** POST /v1/catalogue/access-keys, /dashboard-api/models/access-keys: the key is in this answer only. */
export interface MintModelAccessKeyResponse {
  key: string;
  accessKey: ModelAccessKeyView;
}
