import type { QuarryConfig } from '@quarry/config';
import { startServer, type RunningServer } from '../../apps/server/src/server';
import { fakeEmbedder } from './fake-embedder';

/**
 * A real server on the real Elasticsearch and Redis whose embedder is the fake one: for tests
 * whose subject is not the model (security, faults, protocols), so they start at once and leave
 * the CPU to what they test.
 */
export function startServerWithoutModel(config: QuarryConfig): Promise<RunningServer> {
  return startServer(config, { embedder: fakeEmbedder() });
}
