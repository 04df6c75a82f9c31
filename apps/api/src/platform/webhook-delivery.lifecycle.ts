import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { ApiEnv } from '@darkroom/config';
import type { WebhookDispatcher } from '@darkroom/webhooks';
import { CONFIG, WEBHOOKS } from './tokens';

/** Runs the webhook delivery worker in this API process (unless WEBHOOK_DELIVERY_WORKER=false) and closes the dispatcher. */
@Injectable()
export class WebhookDeliveryLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(CONFIG) private readonly config: ApiEnv,
    @Inject(WEBHOOKS) private readonly dispatcher: WebhookDispatcher,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.WEBHOOK_DELIVERY_WORKER) this.dispatcher.startWorker({ concurrency: this.config.WEBHOOK_DELIVERY_CONCURRENCY });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.dispatcher.close();
  }
}
