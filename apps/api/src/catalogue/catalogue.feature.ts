import type { Provider, Type } from '@nestjs/common';
import type { PrismaClient } from '@darkroom/db';
import { PRISMA } from '../platform/tokens';
import { CatalogueController } from './catalogue.controller';
import { CatalogueService } from './catalogue.service';
import { CatalogueModelsController } from './models.controller';

/** What the app module registers for the catalogue (GET /v1/models/{id} included). */
export const catalogueFeature: { controllers: Type[]; providers: Provider[] } = {
  controllers: [CatalogueController, CatalogueModelsController],
  providers: [{ provide: CatalogueService, useFactory: (prisma: PrismaClient) => new CatalogueService(prisma), inject: [PRISMA] }],
};
