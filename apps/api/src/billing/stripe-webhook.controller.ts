import { Controller, Headers, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { BillingService } from './billing.service';

/** POST /stripe/webhook: Stripe's event deliveries, authenticated by their signature (no tenant credentials). */
@Controller('stripe')
export class StripeWebhookController {
  constructor(@Inject(BillingService) private readonly billing: BillingService) {}

  @Post('webhook')
  @HttpCode(200)
  webhook(@Req() req: FastifyRequest, @Headers('stripe-signature') signature: string | undefined) {
    return this.billing.webhook(req.rawBody, signature);
  }
}
