'use strict';
// One ONNX Runtime session per piscina worker thread (onnx-session.pool.ts). Plain JavaScript, so the
// same file runs under jest (from libs/) and from dist/ (the build copies it: allowJs).
const { move, transferableSymbol, valueSymbol, workerData } = require('piscina');
const ort = require('onnxruntime-node');

const session = ort.InferenceSession.create(workerData.model, workerData.options);
// Until a task awaits it, a failed load must not count as an unhandled rejection (it would kill the worker).
session.catch(() => {});

/** `{ names: true }`: the session's input and output names; otherwise one padded batch through the model. */
module.exports = async function run(task) {
  const loaded = await session;
  if (task.names) return { inputNames: loaded.inputNames, outputNames: loaded.outputNames };
  const shape = [task.batch, task.sequence];
  const feeds = {};
  for (const [name, data] of Object.entries(task.inputs)) feeds[name] = new ort.Tensor('int64', data, shape);
  const outputs = await loaded.run(feeds, [task.output]);
  try {
    const output = outputs[task.output];
    const data = Float32Array.from(output.data);
    // The vectors' buffer is moved, not copied, back to the main thread.
    return move({
      [transferableSymbol]: [data.buffer],
      [valueSymbol]: { data, dims: output.dims.map(Number) },
    });
  } finally {
    for (const tensor of Object.values(outputs)) if (tensor.dispose) tensor.dispose();
  }
};
