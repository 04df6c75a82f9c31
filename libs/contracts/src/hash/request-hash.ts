import { hash } from 'node:crypto';

/**
 * The canonical JSON of `value`, or undefined when it has none (undefined, functions, symbols: left out, as
 * JSON.stringify does). `parents` holds the objects being written, to refuse cycles. With `protoJson`, object
 * fields that are `false` are left out and toJSON methods are not called: the request as protobuf JSON reads it.
 */
function encode(value: unknown, parents: object[], protoJson: boolean): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'object':
      break;
    case 'bigint':
      throw new TypeError('canonicalJson: BigInt has no JSON form');
    default:
      return undefined;
  }
  const withJson = value as { toJSON?: () => unknown };
  if (!protoJson && typeof withJson.toJSON === 'function') return encode(withJson.toJSON(), parents, protoJson);
  if (parents.includes(value as object)) throw new TypeError('canonicalJson: the value has a cycle');
  parents.push(value as object);
  let text: string;
  if (Array.isArray(value)) {
    text = '[';
    for (let i = 0; i < value.length; i++) text += (i ? ',' : '') + (encode(value[i], parents, protoJson) ?? 'null');
    text += ']';
  } else {
    text = '{';
    for (const key of Object.keys(value as object).sort()) {
      const field = (value as Record<string, unknown>)[key];
      if (protoJson && field === false) continue;
      const encoded = encode(field, parents, protoJson);
      if (encoded !== undefined) text += (text.length > 1 ? ',' : '') + JSON.stringify(key) + ':' + encoded;
    }
    text += '}';
  }
  parents.pop();
  return text;
}

/**
 * JSON with object keys sorted (by UTF-16 code units) at every level, no whitespace, and JSON.stringify's
 * rules otherwise (undefined left out, non-finite numbers as null). Equal values give equal strings whatever
 * their key order. Throws a TypeError, like JSON.stringify, on cycles and BigInt.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, [], false) ?? 'null';
}

/**
 * sha256 (hex) of the canonical JSON of a parsed request: the same request gives the same hash, whatever the
 * key order or spelling, and whether a bool is sent as false or left out (in protobuf JSON an absent bool and
 * `false` are the same value). Stored with each job, so the text it hashes must never change.
 */
export function requestHash(req: unknown): string {
  return hash('sha256', encode(req, [], true) ?? 'null', 'hex');
}
