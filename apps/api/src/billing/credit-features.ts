import type { Provider, Type } from '@nestjs/common';
import { adminFeature } from '../admin/admin.feature';
import { catalogueFeature } from '../catalogue/catalogue.feature';
import { billingFeature } from './billing.feature';

/**
 * Credits, payments, the admin API and the tenant catalogue, as the app module registers them. The
 * catalogue's controller serves GET /v1/models/{id} (public, own, or through an access key).
 */
export const creditFeatures: { controllers: Type[]; providers: Provider[] } = {
  controllers: [...billingFeature.controllers, ...adminFeature.controllers, ...catalogueFeature.controllers],
  providers: [...billingFeature.providers, ...adminFeature.providers, ...catalogueFeature.providers],
};
