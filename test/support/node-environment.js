// Jest runs each test file in its own realm, whose typed-array constructors differ from Node's
// main realm. Native addons (onnxruntime-node) create their output arrays in the main realm, and
// onnxruntime-common's `instanceof Float32Array` check then fails inside the test realm. Sharing
// the main realm's typed arrays with the test realm makes both agree, as they do in production.
const { TestEnvironment } = require('jest-environment-node');

const TYPED_ARRAYS = [
  'ArrayBuffer',
  'Float32Array',
  'Float64Array',
  'Int8Array',
  'Int16Array',
  'Int32Array',
  'Uint8Array',
  'Uint16Array',
  'Uint32Array',
  'Uint8ClampedArray',
  'BigInt64Array',
  'BigUint64Array',
];

module.exports = class MainRealmTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of TYPED_ARRAYS) this.global[name] = globalThis[name];
  }
};
