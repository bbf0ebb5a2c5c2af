import { BlockList, isIP, isIPv4 } from 'node:net';

/** Why an address is not on the public internet; `public` when it is. */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'unspecified'
  | 'link-local'
  | 'private'
  | 'shared (CGNAT)'
  | 'multicast'
  | 'reserved';

/** Ranges a fetch made for a user may not reach unless the operator allow-lists them. */
const RANGES: [AddressClass, string, number, 'ipv4' | 'ipv6'][] = [
  ['unspecified', '0.0.0.0', 8, 'ipv4'],
  ['private', '10.0.0.0', 8, 'ipv4'],
  ['shared (CGNAT)', '100.64.0.0', 10, 'ipv4'],
  ['loopback', '127.0.0.0', 8, 'ipv4'],
  ['link-local', '169.254.0.0', 16, 'ipv4'],
  ['private', '172.16.0.0', 12, 'ipv4'],
  ['reserved', '192.0.0.0', 24, 'ipv4'],
  ['reserved', '192.0.2.0', 24, 'ipv4'],
  ['private', '192.168.0.0', 16, 'ipv4'],
  ['reserved', '198.18.0.0', 15, 'ipv4'],
  ['reserved', '198.51.100.0', 24, 'ipv4'],
  ['reserved', '203.0.113.0', 24, 'ipv4'],
  ['multicast', '224.0.0.0', 4, 'ipv4'],
  ['reserved', '240.0.0.0', 4, 'ipv4'],
  ['unspecified', '::', 128, 'ipv6'],
  ['loopback', '::1', 128, 'ipv6'],
  // IPv4-compatible addresses (deprecated): no public host has one.
  ['reserved', '::', 96, 'ipv6'],
  ['reserved', '100::', 64, 'ipv6'],
  ['reserved', '2001:db8::', 32, 'ipv6'],
  ['private', 'fc00::', 7, 'ipv6'],
  ['link-local', 'fe80::', 10, 'ipv6'],
  ['private', 'fec0::', 10, 'ipv6'],
  ['multicast', 'ff00::', 8, 'ipv6'],
];

const CLASSES = new Map<AddressClass, BlockList>();
for (const [kind, network, prefix, family] of RANGES) {
  if (!CLASSES.has(kind)) CLASSES.set(kind, new BlockList());
  CLASSES.get(kind)!.addSubnet(network, prefix, family);
}

/** `[::1]` → `::1`: URLs bracket IPv6 literals, sockets do not. */
export const unbracket = (host: string): string => host.replace(/^\[(.*)\]$/, '$1');

/**
 * The IPv4 address an IPv6 address stands for, if it embeds one that routes to it: IPv4-mapped
 * (`::ffff:127.0.0.1`, `::ffff:7f00:1`) and NAT64 (`64:ff9b::7f00:1`). A check that looked only at
 * the IPv6 form would let `[::ffff:127.0.0.1]` reach loopback.
 */
export function embeddedIPv4(address: string): string | undefined {
  const match = /^(?:0{0,4}:){0,5}(?:0{0,4}:)?ffff:(.+)$|^64:ff9b::(.+)$/i.exec(address);
  const tail = match?.[1] ?? match?.[2];
  if (!tail) return undefined;
  if (isIPv4(tail)) return tail;
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(tail);
  if (!hex) return undefined;
  const high = parseInt(hex[1], 16);
  const low = parseInt(hex[2], 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** What kind of address this is; anything not an IP literal is refused as `reserved`. */
export function classifyAddress(raw: string): AddressClass {
  const address = unbracket(raw).replace(/%.*$/, '');
  const family = isIP(address);
  if (family === 0) return 'reserved';
  const mapped = family === 6 ? embeddedIPv4(address) : undefined;
  if (mapped) return classifyAddress(mapped);
  for (const [kind, list] of CLASSES) if (list.check(address, family === 4 ? 'ipv4' : 'ipv6')) return kind;
  return 'public';
}

/** One QUARRY_FETCH_ALLOW entry: a host name or an address or a CIDR range, with or without a port. */
export interface AllowEntry {
  /** As the operator wrote it (for messages). */
  text: string;
  host?: string;
  range?: BlockList;
  port?: number;
}

export function parseAllowEntry(raw: string): AllowEntry {
  const text = raw.trim().toLowerCase();
  if (text === '*') {
    const range = new BlockList();
    range.addSubnet('0.0.0.0', 0, 'ipv4');
    range.addSubnet('::', 0, 'ipv6');
    return { text, range };
  }
  let host = text;
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?(\/\d+)?$/.exec(text);
  const hostPort = /^([^:/]+):(\d+)$/.exec(text);
  if (bracketed) {
    host = bracketed[1] + (bracketed[3] ?? '');
    port = bracketed[2] === undefined ? undefined : Number(bracketed[2]);
  } else if (hostPort) {
    host = hostPort[1];
    port = Number(hostPort[2]);
  }
  if (port !== undefined && (port < 1 || port > 65535)) throw new Error(`"${raw}": port out of range`);
  const cidr = /^(.+)\/(\d{1,3})$/.exec(host);
  if (cidr) {
    const family = isIP(cidr[1]);
    const prefix = Number(cidr[2]);
    if (family === 0 || prefix > (family === 4 ? 32 : 128))
      throw new Error(`"${raw}" is not a CIDR range (like 10.0.0.0/8 or fd00::/8)`);
    const range = new BlockList();
    range.addSubnet(cidr[1], prefix, family === 4 ? 'ipv4' : 'ipv6');
    return { text, range, port };
  }
  const family = isIP(host);
  if (family !== 0) {
    const range = new BlockList();
    range.addAddress(host, family === 4 ? 'ipv4' : 'ipv6');
    return { text, range, port };
  }
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/.test(host))
    throw new Error(`"${raw}" is not a host name, host:port, address or CIDR range`);
  return { text, host: host.replace(/\.$/, ''), port };
}

/** Does the entry admit this address (an IP literal) at this port? */
export function admitsAddress(entry: AllowEntry, address: string, port: number): boolean {
  if (!entry.range || (entry.port !== undefined && entry.port !== port)) return false;
  const plain = unbracket(address);
  const mapped = embeddedIPv4(plain);
  if (mapped && entry.range.check(mapped, 'ipv4')) return true;
  return entry.range.check(plain, isIPv4(plain) ? 'ipv4' : 'ipv6');
}

/** Does the entry name this host (a host name, not an address) at this port? */
export function admitsHostName(entry: AllowEntry, host: string, port: number): boolean {
  return (
    entry.host !== undefined &&
    entry.host === host.toLowerCase().replace(/\.$/, '') &&
    (entry.port === undefined || entry.port === port)
  );
}
