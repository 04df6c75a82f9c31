import { Inject, Injectable } from '@nestjs/common';
import type { DashboardModelsResponse, MintModelAccessKeyResponse, ModelAccessKeyView, ModelFileReceived, OwnModelView, StartModelUploadResponse } from '@darkroom/contracts';
import { UPLOAD_PREFIX } from '../../catalogue/model-uploads.service';
import { DashboardPlatform } from '../dashboard.platform';
import type { DashboardUser } from '../session/dashboard-session';
import { assertCanManageTenant } from '../session/roles';

/** The dashboard's path for a file PUT: the same signed path under /dashboard-api, which its proxy forwards. */
export const DASHBOARD_UPLOAD_PREFIX = '/dashboard-api/models/uploads/';

/**
 * The Models page: the tenant's items (uploaded or registered) and access keys, through the same catalogue services
 * as /v1/catalogue. Members see them; owners (and admins) change them.
 */
@Injectable()
export class DashboardModelsService {
  constructor(@Inject(DashboardPlatform) private readonly platform: DashboardPlatform) {}

  async list(user: DashboardUser): Promise<DashboardModelsResponse> {
    const { catalogue } = this.platform;
    const [models, accessKeys] = await Promise.all([catalogue.listModels(user.tenantId), catalogue.listAccessKeys(user.tenantId)]);
    return { models, accessKeys };
  }

  /** Starts an upload; the putUrls are dashboard-relative, so that the browser sends the files to its own origin. */
  async startUpload(user: DashboardUser, body: unknown): Promise<StartModelUploadResponse> {
    assertCanManageTenant(user);
    const started = await this.platform.modelUploads.start(user.tenantId, body);
    const uploads = started.uploads.map((u) => {
      const url = new URL(u.putUrl);
      return { ...u, putUrl: `${DASHBOARD_UPLOAD_PREFIX}${url.pathname.slice(UPLOAD_PREFIX.length)}${url.search}` };
    });
    return { ...started, uploads };
  }

  /** A file's bytes sent to the dashboard path: checked against the signature of the /v1 path it stands for. */
  receive(pathname: string, exp: string | undefined, sig: string | undefined, body: unknown): Promise<ModelFileReceived> {
    const canonical = pathname.startsWith(DASHBOARD_UPLOAD_PREFIX) ? UPLOAD_PREFIX + pathname.slice(DASHBOARD_UPLOAD_PREFIX.length) : pathname;
    return this.platform.modelUploads.receive(canonical, exp, sig, body);
  }

  complete(user: DashboardUser, modelId: string): Promise<OwnModelView> {
    assertCanManageTenant(user);
    return this.platform.modelUploads.complete(user.tenantId, modelId);
  }

  register(user: DashboardUser, body: unknown): Promise<OwnModelView> {
    assertCanManageTenant(user);
    return this.platform.catalogue.registerModel(user.tenantId, body);
  }

  update(user: DashboardUser, modelId: string, body: unknown): Promise<OwnModelView> {
    assertCanManageTenant(user);
    return this.platform.catalogue.updateModel(user.tenantId, modelId, body);
  }

  mintKey(user: DashboardUser, body: unknown): Promise<MintModelAccessKeyResponse> {
    assertCanManageTenant(user);
    return this.platform.catalogue.mintAccessKey(user.tenantId, body);
  }

  revokeKey(user: DashboardUser, keyId: string): Promise<ModelAccessKeyView> {
    assertCanManageTenant(user);
    return this.platform.catalogue.revokeAccessKey(user.tenantId, keyId);
  }
}
