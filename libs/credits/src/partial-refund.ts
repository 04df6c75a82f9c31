import { creditsNumber, unitsOf } from './credit-units';

/**
 * The partial-refund rule: a job asked for `requested` images and `succeeded` of them were made. The tenant
 * pays for the images made and gets the rest back:
 *
 *   refund = floor₄((credits − fees) × (requested − succeeded) / requested)
 *
 * where `fees` are the job's access-key fees (always kept: the items were used) and floor₄ rounds down to the
 * ledger's 4 decimal places, so the charge is the exact share of the images made or at most 0.0001 over it.
 * succeeded = 0 is a failure (full refund); succeeded ≥ requested is a success (no refund).
 */
export function partialRefundCredits(input: { credits: number; fees: number; requested: number; succeeded: number }): number {
  const requested = Math.max(1, Math.floor(input.requested));
  const succeeded = Math.min(requested, Math.max(0, Math.floor(input.succeeded)));
  if (succeeded === 0) return input.credits;
  const refundable = unitsOf(input.credits) - unitsOf(input.fees);
  if (refundable <= 0n) return 0;
  return creditsNumber((refundable * BigInt(requested - succeeded)) / BigInt(requested));
}
