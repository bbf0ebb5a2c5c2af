import { admitsAddress, admitsHostName, classifyAddress, embeddedIPv4, parseAllowEntry } from './address';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['100.64.0.1', 'shared (CGNAT)'],
    ['100.127.255.254', 'shared (CGNAT)'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['203.0.113.9', 'reserved'],
    // IPv4-mapped IPv6, dotted and hex, and NAT64: the IPv4 address decides.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['0:0:0:0:0:ffff:a9fe:a9fe', 'link-local'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::c0a8:101', 'private'],
    ['::ffff:8.8.8.8', 'public'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
    ['2606:4700::1111', 'public'],
    ['not-an-address', 'reserved'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it('reads the IPv4 address inside mapped forms', () => {
    expect(embeddedIPv4('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(embeddedIPv4('::ffff:192.168.0.1')).toBe('192.168.0.1');
    expect(embeddedIPv4('2606:4700::1111')).toBeUndefined();
  });
});

describe('QUARRY_FETCH_ALLOW entries', () => {
  it('reads names, name:port, addresses, address:port and CIDR ranges', () => {
    const name = parseAllowEntry('Wiki.Internal');
    expect(admitsHostName(name, 'wiki.internal', 443)).toBe(true);
    expect(admitsHostName(name, 'other.internal', 443)).toBe(false);

    const namePort = parseAllowEntry('localhost:11434');
    expect(admitsHostName(namePort, 'localhost', 11434)).toBe(true);
    expect(admitsHostName(namePort, 'localhost', 9201)).toBe(false);

    const address = parseAllowEntry('127.0.0.1');
    expect(admitsAddress(address, '127.0.0.1', 1234)).toBe(true);
    expect(admitsAddress(address, '::ffff:127.0.0.1', 1234)).toBe(true);
    expect(admitsAddress(address, '127.0.0.2', 1234)).toBe(false);

    const addressPort = parseAllowEntry('127.0.0.1:8080');
    expect(admitsAddress(addressPort, '127.0.0.1', 8080)).toBe(true);
    expect(admitsAddress(addressPort, '127.0.0.1', 8081)).toBe(false);

    const v6 = parseAllowEntry('[::1]:8080');
    expect(admitsAddress(v6, '::1', 8080)).toBe(true);

    const range = parseAllowEntry('10.0.0.0/8');
    expect(admitsAddress(range, '10.9.8.7', 80)).toBe(true);
    expect(admitsAddress(range, '11.0.0.1', 80)).toBe(false);
    // A range admits addresses, never names.
    expect(admitsHostName(range, '10.0.0.1', 80)).toBe(false);

    const v6range = parseAllowEntry('fd00::/8');
    expect(admitsAddress(v6range, 'fd00::5', 80)).toBe(true);
  });

  it('refuses what it cannot read, naming the entry', () => {
    expect(() => parseAllowEntry('10.0.0.0/40')).toThrow('"10.0.0.0/40"');
    expect(() => parseAllowEntry('http://wiki')).toThrow('"http://wiki"');
    expect(() => parseAllowEntry('wiki:99999')).toThrow('port out of range');
  });
});
