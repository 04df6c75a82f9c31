const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const SEGMENT = String.raw`(?:\[\d+\]|\["(?:[^"\\\u0000-\u001f]|\\.)*"\])`;
const VALID_PATH = new RegExp(String.raw`^(?:|(?:[A-Za-z_$][A-Za-z0-9_$]*|${SEGMENT})(?:\.[A-Za-z_$][A-Za-z0-9_$]*|${SEGMENT})*)$`);

/** `base.key`, or `base["odd key"]` when the key is not an identifier. */
export function appendKey(base: string, key: string): string {
  if (IDENTIFIER.test(key)) return base ? `${base}.${key}` : key;
  return `${base}[${JSON.stringify(key)}]`;
}

export function appendIndex(base: string, index: number): string {
  return `${base}[${index}]`;
}

/** Path segments (as zod reports them) to a field path string. */
export function formatPath(segments: ReadonlyArray<PropertyKey>): string {
  let path = '';
  for (const s of segments) {
    if (typeof s === 'number') path = appendIndex(path, s);
    else path = appendKey(path, typeof s === 'symbol' ? (s.description ?? '') : s);
  }
  return path;
}

/** True for '' and for paths that appendKey/appendIndex can produce. */
export function isValidFieldPath(path: string): boolean {
  return VALID_PATH.test(path);
}

/** True when `path` is `prefix` or lies inside it. */
export function isWithin(path: string, prefix: string): boolean {
  if (prefix === '') return true;
  if (!path.startsWith(prefix)) return false;
  const next = path.charAt(prefix.length);
  return next === '' || next === '.' || next === '[';
}
