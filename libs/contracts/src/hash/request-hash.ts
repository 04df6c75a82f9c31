import { createHash } from 'node:crypto';

function write(value: unknown, out: string[], parents: Set<object> = new Set()): boolean {
  if (value === null) {
    out.push('null');
    return true;
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      out.push(JSON.stringify(value));
      return true;
    case 'number':
      out.push(Number.isFinite(value) ? JSON.stringify(value) : 'null');
      return true;
    case 'object':
      break;
    case 'bigint':
      throw new TypeError('canonicalJson: BigInt has no JSON form');
    default:
      return false; // undefined, functions, symbols: left out, as JSON.stringify does
  }
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function') return write(withJson.toJSON(), out, parents);
  if (parents.has(value as object)) throw new TypeError('canonicalJson: the value has a cycle');
  parents.add(value as object);
  try {
    writeComposite(value as object, out, parents);
  } finally {
    parents.delete(value as object);
  }
  return true;
}

function writeComposite(value: object, out: string[], parents: Set<object>): void {
  if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item, i) => {
      if (i) out.push(',');
      if (!write(item, out, parents)) out.push('null');
    });
    out.push(']');
    return;
  }
  out.push('{');
  let first = true;
  for (const key of Object.keys(value).sort()) {
    const mark = out.length;
    out.push(first ? '' : ',', JSON.stringify(key), ':');
    if (write((value as Record<string, unknown>)[key], out, parents)) first = false;
    else out.length = mark;
  }
  out.push('}');
}

/**
 * JSON with object keys sorted (by UTF-16 code units) at every level, no whitespace, and JSON.stringify's
 * rules otherwise (undefined left out, non-finite numbers as null). Equal values give equal strings whatever
 * their key order. Throws a TypeError, like JSON.stringify, on cycles and BigInt.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  return write(value, out) ? out.join('') : 'null';
}

/** Drops `false` object fields: in protobuf JSON an absent bool and `false` are the same value. */
function withoutFalseFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutFalseFields);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== false) out[key] = withoutFalseFields(v);
  return out;
}

/**
 * sha256 (hex) of the canonical JSON of a parsed request: the same request gives the same hash, whatever the
 * key order or spelling, and whether a bool is sent as false or left out.
 */
export function requestHash(req: unknown): string {
  return createHash('sha256').update(canonicalJson(withoutFalseFields(req))).digest('hex');
}
