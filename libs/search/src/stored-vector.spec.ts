import { storedVector } from './stored-vector';

describe('storedVector', () => {
  it('keeps every 32-bit float exactly, in fewer characters than a double prints', () => {
    const floats = Float32Array.from({ length: 384 }, (_, i) => Math.sin(i * 12.9898) * 0.07);
    const asNumbers = Array.from(floats);
    const stored = storedVector(asNumbers);
    // Elasticsearch parses each component as a 32-bit float: the same floats as before.
    expect(Float32Array.from(stored)).toEqual(floats);
    expect(JSON.stringify(stored).length).toBeLessThan(JSON.stringify(asNumbers).length * 0.7);
  });
});
