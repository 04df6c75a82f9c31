import { FieldIssue } from '../errors/field-issue';
import { isWithin } from './field-path';

/** Enough to fix a request; more only makes a huge answer out of a huge bad body. */
export const MAX_ISSUES = 100;

/**
 * Collects issues up to MAX_ISSUES, drops exact repeats, and lets a rule "claim" a subtree so that later,
 * more generic issues inside it (zod's) are not reported twice.
 */
export class IssueList {
  private readonly items: FieldIssue[] = [];
  private readonly seen = new Set<string>();
  private readonly claimed: string[] = [];

  add(field: string, rule: string, message: string): void {
    if (this.items.length >= MAX_ISSUES) return;
    if (this.claimed.some((c) => isWithin(field, c))) return;
    const key = `${field}\u0000${rule}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.items.push({ field, rule, message });
  }

  /** Adds the issue and hides any later issue at or under `field`. */
  addAndClaim(field: string, rule: string, message: string): void {
    this.add(field, rule, message);
    this.claimed.push(field);
  }

  get full(): boolean {
    return this.items.length >= MAX_ISSUES;
  }

  get length(): number {
    return this.items.length;
  }

  toArray(): FieldIssue[] {
    return [...this.items];
  }
}
