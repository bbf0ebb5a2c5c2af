import { parentPort, workerData } from 'node:worker_threads';
import { UseLiteModel } from './use-lite.model';
import type { EmbedRequest, UseLiteWorkerData, WorkerReply } from './use-lite.protocol';

/** Entry of one model worker thread: loads USE-lite once, then embeds the batches the pool sends. */

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function serve(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('use-lite.worker must run in a worker thread');
  const reply = (message: WorkerReply, transfer: ArrayBuffer[] = []): void =>
    port.postMessage(message, transfer);

  let model: UseLiteModel;
  try {
    model = await UseLiteModel.load(workerData as UseLiteWorkerData);
  } catch (error) {
    // Nothing else holds the thread open, so it ends once this reply is sent.
    reply({ type: 'failed', message: messageOf(error) });
    return;
  }
  port.on('message', (request: EmbedRequest) => {
    model.embedBatch(request.texts).then(
      (vectors) => reply({ type: 'result', id: request.id, vectors }, [vectors.buffer as ArrayBuffer]),
      (error: unknown) => reply({ type: 'error', id: request.id, message: messageOf(error) }),
    );
  });
  reply({ type: 'ready' });
}

void serve();
