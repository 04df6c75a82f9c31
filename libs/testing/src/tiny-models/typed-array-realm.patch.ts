/**
 * Inside Jest each test file runs in its own V8 context with its own typed-array constructors, while a native addon
 * such as onnxruntime-node creates its output arrays in the main context. onnxruntime-common then rejects them
 * (`A float32 tensor's data must be type of function Float32Array()`) because `instanceof` compares constructors
 * of different realms. This makes `instanceof` on the current realm's typed-array constructors check the array's
 * kind instead of its realm. Idempotent; harmless outside Jest (one realm, same answers).
 */

const TYPED_ARRAYS = [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
] as const;

export function acceptTypedArraysFromAnyRealm(): void {
  const toString = Object.prototype.toString;
  for (const name of TYPED_ARRAYS) {
    const ctor = globalThis[name];
    if (Object.prototype.hasOwnProperty.call(ctor, Symbol.hasInstance)) continue;
    const tag = `[object ${name}]`;
    const original = Function.prototype[Symbol.hasInstance];
    Object.defineProperty(ctor, Symbol.hasInstance, {
      // The same answer for arrays of this realm; arrays (and Buffers) of other realms are judged by their kind.
      value(this: typeof ctor, value: unknown): boolean {
        return original.call(this, value) || (ArrayBuffer.isView(value) && toString.call(value) === tag);
      },
    });
  }
}
