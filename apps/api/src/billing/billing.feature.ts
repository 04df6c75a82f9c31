import type { Provider, Type } from '@nestjs/common';
import type Stripe from 'stripe';
import type { ApiEnv } from '@darkroom/config';
import { PriceBook, priceBookFor } from '@darkroom/credits';
import type { PrismaClient } from '@darkroom/db';
import { CONFIG, PRISMA } from '../platform/tokens';
import { BillingController } from './billing.controller';
import { BillingService } from './billing.service';
import { PRICE_BOOK, STRIPE } from './billing.tokens';
import { createStripeClient } from './stripe-client';
import { StripeWebhookController } from './stripe-webhook.controller';

/**
 * What the app module registers for billing. The PriceBook is the one job creation uses (shared per Prisma
 * client), so that a price version published through the admin API is in force at once in this process.
 */
export const billingFeature: { controllers: Type[]; providers: Provider[] } = {
  controllers: [BillingController, StripeWebhookController],
  providers: [
    { provide: STRIPE, useFactory: (config: ApiEnv) => createStripeClient(config), inject: [CONFIG] },
    { provide: PRICE_BOOK, useFactory: (config: ApiEnv, prisma: PrismaClient) => priceBookFor(prisma, config.PRICE_CACHE_MS), inject: [CONFIG, PRISMA] },
    {
      provide: BillingService,
      useFactory: (prisma: PrismaClient, stripe: Stripe | null, config: ApiEnv, prices: PriceBook) => new BillingService(prisma, stripe, config, prices),
      inject: [PRISMA, STRIPE, CONFIG, PRICE_BOOK],
    },
  ],
};
