import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * A faster BatchMatMul for tfjs's WASM backend.
 *
 * The stock kernel hands a product to XNNPACK only when neither side is transposed and both have a batch
 * of one; every other case runs a scalar triple loop. USE-lite's attention (QKᵀ and PV per sequence and
 * head) is exactly such a batched product and ran about ten times slower per multiply-add than the dense
 * layers, a third of the whole model's time. This kernel transposes b once (cheap) and then hands XNNPACK
 * one batch slice at a time through view tensors registered straight onto the slices' bytes in the WASM
 * heap, so nothing is copied. Results equal the stock kernel's within float32 rounding.
 */

const BATCH_MAT_MUL = 'BatchMatMul';
const TRANSPOSE = 'Transpose';
const FLOAT_BYTES = 4;
/**
 * Below this many multiply-adds per slice, setting up an XNNPACK operator for every slice costs more than
 * the stock loop saves (measured: 8-piece sequences ran ~5× slower sliced, 16-piece ones broke even).
 */
const MIN_SLICE_MULTIPLY_ADDS = 16 * 16 * 64;

type WasmBatchMatMul = (
  aId: number,
  aShape: Uint8Array,
  aShapeLength: number,
  bId: number,
  bShape: Uint8Array,
  bShapeLength: number,
  transposeA: boolean,
  transposeB: boolean,
  outId: number,
) => void;

/** What the kernel needs of the backend beyond its typed surface. */
interface BackendInternals {
  dataIdNextNumber?: number;
  wasm: {
    cwrap(name: string, returns: null, argumentTypes: string[]): unknown;
    tfjs: {
      registerTensor(id: number, size: number, memoryOffset: number): void;
      disposeData(id: number): void;
    };
  };
}

let installed = false;

const product = (dims: number[]): number => dims.reduce((size, dim) => size * dim, 1);
const shapeBytes = (shape: number[]): Uint8Array => new Uint8Array(new Int32Array(shape).buffer);

/** Replaces the WASM backend's BatchMatMul; call after importing the backend and before running a model. */
export function installFastWasmBatchMatMul(): void {
  if (installed) return;
  const stock = tf.getKernel(BATCH_MAT_MUL, 'wasm');
  const transpose = tf.getKernel(TRANSPOSE, 'wasm');
  if (!stock || !transpose) {
    throw new Error('the tfjs WASM backend must be imported before its kernels are replaced');
  }
  let wasmBatchMatMul: WasmBatchMatMul | undefined;

  const kernelFunc: tf.KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    const backend = args.backend as BackendWasm;
    const internals = backend as unknown as BackendInternals;
    const rank = a.shape.length;
    const batch = product(a.shape.slice(0, -2));
    const stockIsFast = batch === 1 && !transposeB;
    const sliceMultiplyAdds =
      product(a.shape.slice(-2)) * (transposeB ? b.shape[rank - 2] : b.shape[rank - 1]);
    if (
      stockIsFast ||
      sliceMultiplyAdds < MIN_SLICE_MULTIPLY_ADDS ||
      transposeA ||
      rank < 3 ||
      b.shape.length !== rank ||
      a.dtype !== 'float32' ||
      b.dtype !== 'float32' ||
      product(b.shape.slice(0, -2)) !== batch ||
      typeof internals.dataIdNextNumber !== 'number'
    ) {
      return stock.kernelFunc(args);
    }

    wasmBatchMatMul ??= internals.wasm.cwrap(BATCH_MAT_MUL, null, [
      'number',
      'array',
      'number',
      'number',
      'array',
      'number',
      'number',
      'number',
      'number',
    ]) as WasmBatchMatMul;

    const perm = [...Array(rank).keys()];
    [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
    const bT = transposeB
      ? (transpose.kernelFunc({ inputs: { x: b }, backend, attrs: { perm } }) as tf.TensorInfo)
      : undefined;
    const right = bT ?? b;

    const m = a.shape[rank - 2];
    const k = a.shape[rank - 1];
    const n = right.shape[rank - 1];
    const out = backend.makeOutput([...a.shape.slice(0, -2), m, n], 'float32');
    const aOffset = backend.getMemoryOffset(a.dataId);
    const bOffset = backend.getMemoryOffset(right.dataId);
    const outOffset = backend.getMemoryOffset(out.dataId);
    const aShape = shapeBytes([1, m, k]);
    const bShape = shapeBytes([1, k, n]);
    const registry = internals.wasm.tfjs;
    for (let slice = 0; slice < batch; slice++) {
      // Ids come from the backend's own counter so they can never collide with a live tensor. Disposing a
      // view only unregisters it (the bytes belong to a, b and out) and drops XNNPACK's operator cached on it.
      const aView = internals.dataIdNextNumber++;
      const bView = internals.dataIdNextNumber++;
      const outView = internals.dataIdNextNumber++;
      registry.registerTensor(aView, m * k, aOffset + slice * m * k * FLOAT_BYTES);
      registry.registerTensor(bView, k * n, bOffset + slice * k * n * FLOAT_BYTES);
      registry.registerTensor(outView, m * n, outOffset + slice * m * n * FLOAT_BYTES);
      wasmBatchMatMul(aView, aShape, 3, bView, bShape, 3, false, false, outView);
      registry.disposeData(aView);
      registry.disposeData(bView);
      registry.disposeData(outView);
    }
    if (bT) backend.disposeData(bT.dataId);
    return out;
  };

  tf.unregisterKernel(BATCH_MAT_MUL, 'wasm');
  tf.registerKernel({ ...stock, kernelFunc });
  installed = true;
}
