import { acceptTypedArraysFromAnyRealm } from './tiny-models';

// onnxruntime-node checks tensor data with `instanceof Float32Array`, which fails for arrays made in Jest's test
// realm; let it accept typed arrays from any realm (tests only).
acceptTypedArraysFromAnyRealm();
