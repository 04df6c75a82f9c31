import { randomInt } from 'node:crypto';

// Time-ordered 63-bit ids (uint64 on the API): 41 bits of milliseconds since EPOCH, 10 bits of a per-process
// random node id, 12 bits of a per-millisecond sequence. Sortable by creation, unguessable enough not to
// reveal volume, and unique across processes unless two pick the same node id in the same millisecond
// (the primary key turns that into a retryable conflict).
const EPOCH = 1_767_225_600_000n; // 2026-01-01T00:00:00Z
const NODE = BigInt(randomInt(0, 1024));
let lastMs = 0n;
let seq = 0n;

export function nextId(): bigint {
  let ms = BigInt(Date.now()) - EPOCH;
  if (ms < lastMs) ms = lastMs; // clock went back: keep monotonic
  if (ms === lastMs) {
    seq = (seq + 1n) & 0xfffn;
    if (seq === 0n) ms = lastMs + 1n; // sequence exhausted: borrow the next millisecond
  } else {
    seq = 0n;
  }
  lastMs = ms;
  return (ms << 22n) | (NODE << 12n) | seq;
}

/** Parses a uint64 id given as a decimal string; null when it is not one. */
export function parseId(text: string): bigint | null {
  if (!/^[0-9]{1,20}$/.test(text)) return null;
  const value = BigInt(text);
  return value > 0n && value <= 0xffff_ffff_ffff_ffffn ? value : null;
}
