import type { Provider, Type } from '@nestjs/common';
import type { PriceBook } from '@darkroom/credits';
import type { PrismaClient } from '@darkroom/db';
import { Authenticator } from '../auth/authenticator';
import { PRICE_BOOK } from '../billing/billing.tokens';
import { PRISMA } from '../platform/tokens';
import { AdminTokenGuard } from './admin-token.guard';
import { AdminController } from './admin.controller';
import { AdminService } from './admin.service';

/** What the app module registers for the token-authenticated admin API. */
export const adminFeature: { controllers: Type[]; providers: Provider[] } = {
  controllers: [AdminController],
  providers: [
    AdminTokenGuard,
    {
      provide: AdminService,
      useFactory: (prisma: PrismaClient, prices: PriceBook, auth: Authenticator) => new AdminService(prisma, prices, () => auth.forget()),
      inject: [PRISMA, PRICE_BOOK, Authenticator],
    },
  ],
};
