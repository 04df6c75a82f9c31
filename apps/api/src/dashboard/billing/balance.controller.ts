import { Readable } from 'node:stream';
import { Body, Controller, Get, HttpCode, Inject, Post, Query, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { DashboardSession } from '../session/dashboard-session';
import { CurrentSession, SessionGuard } from '../session/session.guard';
import { BalanceService } from './balance.service';

@Controller('dashboard-api')
@UseGuards(SessionGuard)
export class BalanceController {
  constructor(@Inject(BalanceService) private readonly balance: BalanceService) {}

  @Get('overview')
  overview(@CurrentSession() s: DashboardSession) {
    return this.balance.overview(s.user);
  }

  @Get('ledger')
  ledger(@CurrentSession() s: DashboardSession, @Query() query: Record<string, string>) {
    return this.balance.ledger(s.user, query);
  }

  /** The ledger as a CSV download, with the same filters as GET /ledger. */
  @Get('ledger.csv')
  async ledgerCsv(@CurrentSession() s: DashboardSession, @Query() query: Record<string, string>, @Res() reply: FastifyReply): Promise<void> {
    const lines = this.balance.ledgerCsv(s.user, query);
    // The first line comes after validation: a bad filter is still a JSON error, not half a file.
    const first = await lines.next();
    const day = new Date().toISOString().slice(0, 10);
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="darkroom-ledger-${day}.csv"`)
      .header('cache-control', 'no-store');
    await reply.send(Readable.from((async function* () {
      if (!first.done) yield first.value;
      yield* lines;
    })()));
  }

  @Get('billing/status')
  status() {
    return this.balance.status();
  }

  @Post('billing/checkout')
  @HttpCode(200)
  checkout(@CurrentSession() s: DashboardSession, @Body() body: unknown) {
    return this.balance.checkout(s.user, body);
  }

  @Get('billing/payments')
  payments(@CurrentSession() s: DashboardSession) {
    return this.balance.payments(s.user);
  }
}
