import type { Provider, Type } from '@nestjs/common';
import type { ApiEnv } from '@darkroom/config';
import type { PrismaClient } from '@darkroom/db';
import type { UrlSigner } from '@darkroom/storage';
import { CONFIG, PRISMA, URL_SIGNER } from '../platform/tokens';
import { CatalogueController } from './catalogue.controller';
import { CatalogueService } from './catalogue.service';
import { ModelUploadsController } from './model-uploads.controller';
import { ModelUploadsService } from './model-uploads.service';
import { CatalogueModelsController } from './models.controller';

/** What the app module registers for the catalogue (GET /v1/models/{id} and model uploads included). */
export const catalogueFeature: { controllers: Type[]; providers: Provider[] } = {
  controllers: [CatalogueController, CatalogueModelsController, ModelUploadsController],
  providers: [
    { provide: CatalogueService, useFactory: (prisma: PrismaClient) => new CatalogueService(prisma), inject: [PRISMA] },
    {
      provide: ModelUploadsService,
      useFactory: (prisma: PrismaClient, config: ApiEnv, signer: UrlSigner) => new ModelUploadsService(prisma, config.STORAGE_DIR, signer),
      inject: [PRISMA, CONFIG, URL_SIGNER],
    },
  ],
};
