import { LiveQueue } from './live-queue';

type Item = { n: number; dropped?: number };

describe('LiveQueue', () => {
  it('delivers pushed events in order, to a waiting consumer too', async () => {
    const queue = new LiveQueue<Item>('q', { capacity: 10 });
    const waiting = queue.next();
    queue.push({ n: 1 });
    queue.push({ n: 2 });
    expect(await waiting).toEqual({ value: { n: 1 }, done: false });
    expect(await queue.next()).toEqual({ value: { n: 2 }, done: false });
  });

  it('drops the oldest events beyond capacity and tells the consumer how many', async () => {
    const drops: number[] = [];
    const queue = new LiveQueue<Item>('q', { capacity: 3, onDrop: (n) => drops.push(n) });
    for (let n = 1; n <= 5; n++) queue.push({ n });
    expect(queue.size).toBe(3);
    expect(drops).toEqual([1, 2]);
    expect((await queue.next()).value).toEqual({ n: 3, dropped: 2 });
    expect((await queue.next()).value).toEqual({ n: 4 });
    expect((await queue.next()).value).toEqual({ n: 5 });
  });

  it('never blocks the producer, whatever the consumer does', () => {
    const queue = new LiveQueue<Item>('q', { capacity: 1000 });
    const started = performance.now();
    for (let n = 0; n < 100_000; n++) queue.push({ n });
    expect(queue.size).toBe(1000);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('runs onClose once when the consumer returns, and ends iteration', async () => {
    const onClose = jest.fn();
    const queue = new LiveQueue<Item>('q', { capacity: 10, onClose });
    const pending = queue.next();
    await queue.return();
    await queue.close();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(await queue.next()).toEqual({ value: undefined, done: true });
    expect(onClose).toHaveBeenCalledTimes(1);
    queue.push({ n: 1 });
    expect(queue.size).toBe(0);
  });

  it('delivers what is queued before ending after end()', async () => {
    const onClose = jest.fn();
    const queue = new LiveQueue<Item>('q', { capacity: 10, onClose });
    queue.push({ n: 1 });
    queue.end();
    queue.push({ n: 2 });
    const seen: number[] = [];
    for await (const item of queue) seen.push(item.n);
    expect(seen).toEqual([1]);
    await Promise.resolve();
    expect(onClose).toHaveBeenCalledTimes(1);
  });
});
