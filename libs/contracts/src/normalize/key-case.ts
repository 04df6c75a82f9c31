/** `hrResizeX` → `hr_resize_x`, `v1Clip` → `v1_clip`: the proto field name behind a JSON name. */
export function camelToSnake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

const aliasCache = new WeakMap<object, Map<string, string>>();

/**
 * Accepted spellings of an object's keys → the camelCase key: each key as written and its snake_case form,
 * exactly as protobuf JSON parsers accept the json_name and the proto field name.
 */
export function keyAliases(shape: Record<string, unknown>): Map<string, string> {
  let aliases = aliasCache.get(shape);
  if (!aliases) {
    aliases = new Map();
    for (const key of Object.keys(shape)) {
      aliases.set(key, key);
      aliases.set(camelToSnake(key), key);
    }
    aliasCache.set(shape, aliases);
  }
  return aliases;
}
