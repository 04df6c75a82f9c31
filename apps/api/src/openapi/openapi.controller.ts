import { Controller, Get, Inject } from '@nestjs/common';
import type { ApiEnv } from '@darkroom/config';
import { CONFIG } from '../platform/tokens';
import { buildApiDocument } from './platform-openapi';

@Controller()
export class OpenApiController {
  private document?: object;
  constructor(@Inject(CONFIG) private readonly config: ApiEnv) {}

  /** The OpenAPI 3 document, generated from the same zod schemas that validate the requests. */
  @Get('openapi.json')
  openapi() {
    this.document ??= buildApiDocument(this.config.PUBLIC_BASE_URL);
    return this.document;
  }
}
