import { RedisBus } from '@quarry/redis';
import { eventually, servicesFromSetup } from './support/test-env';

describe('Redis pub/sub through the app bus (real Redis)', () => {
  const { redisUrl } = servicesFromSetup();
  const instanceA = new RedisBus(redisUrl);
  const instanceB = new RedisBus(redisUrl);

  afterAll(async () => {
    await instanceA.close();
    await instanceB.close();
  });

  it('delivers a message published by one instance to a subscriber on another', async () => {
    const channel = `quarry:test:${Date.now()}`;
    let deliver: (message: unknown) => void = () => undefined;
    const received = new Promise<unknown>((resolve) => (deliver = resolve));
    await instanceB.subscribe(channel, (message) => deliver(message));
    const receivers = await instanceA.publish(channel, { kind: 'document.changed', id: 'doc-1' });
    expect(receivers).toBe(1);
    await expect(received).resolves.toEqual({ kind: 'document.changed', id: 'doc-1' });
  });

  it('stops delivering after unsubscribe', async () => {
    const channel = `quarry:test:unsub:${Date.now()}`;
    const seen: unknown[] = [];
    const unsubscribe = await instanceB.subscribe(channel, (message) => seen.push(message));
    expect(await instanceA.publish(channel, 1)).toBe(1);
    await eventually(
      async () => seen.length,
      (n) => n === 1,
      5000,
    );
    await unsubscribe();
    expect(await instanceA.publish(channel, 2)).toBe(0);
    // Messages of one channel arrive in order: once a later one reached a new handler, the
    // earlier one would have reached the old handler too, had it still been subscribed.
    const probe: unknown[] = [];
    await instanceB.subscribe(channel, (message) => probe.push(message));
    expect(await instanceA.publish(channel, 3)).toBe(1);
    await eventually(
      async () => probe,
      (p) => p.includes(3),
      5000,
    );
    expect(seen).toEqual([1]);
  });
});
