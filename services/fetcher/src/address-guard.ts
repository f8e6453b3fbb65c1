import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { BlockedAddressError } from './errors.ts';

/**
 * The SSRF guard (docs/architecture.md §5.3): the fetcher connects only to public unicast addresses, unless
 * the host is allowed by configuration. An IP literal is judged as written, without DNS; a name is resolved
 * (all its addresses) and refused when any of them is not public. The caller connects to the address that
 * was checked, so a second lookup cannot answer differently (DNS rebinding).
 */

/** The range an address is in, as ipaddr.js names it; `unicast` is the public internet. */
export function addressRange(address: string): string {
  if (!ipaddr.isValid(address)) return 'invalid';
  // ::ffff:10.0.0.1 is 10.0.0.1: judge IPv4-mapped addresses by the IPv4 address they carry.
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv6') {
    const embedded = embeddedIPv4(parsed as ipaddr.IPv6);
    if (embedded !== undefined) {
      const range = embedded.range();
      return range === 'unicast' ? 'unicast' : `${range} (embedded in ${parsed.range()})`;
    }
  }
  return parsed.range();
}

/**
 * NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses reach an IPv4 address through a gateway: they are as
 * public as that address is.
 */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const parts = address.parts;
  const range = address.range();
  const v4 = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  if (range === 'rfc6052' && parts[0] === 0x64 && parts[1] === 0xff9b && parts[2] === 0) {
    return v4(parts[6] ?? 0, parts[7] ?? 0);
  }
  if (range === '6to4') return v4(parts[1] ?? 0, parts[2] ?? 0);
  return undefined;
}

export interface ResolvedAddress {
  address: string;
  family: number;
}

export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export interface AddressGuardOptions {
  /** Hosts that may be private: `name`, `name:port`, `10.1.2.3`, `[::1]:8080`. */
  allowHosts?: readonly string[];
  /** Allow every private, loopback and link-local address (a trusted network). */
  allowPrivate?: boolean;
  /** Name resolution; `dns.lookup` with all addresses by default. */
  resolve?: Resolver;
}

interface AllowEntry {
  host: string;
  port: number | undefined;
}

/** `[::1]` and `::1` are the same host; IP literals compare in their canonical form, names lower-cased. */
function canonicalHost(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return ipaddr.isValid(bare) ? ipaddr.parse(bare).toString() : bare.toLowerCase().replace(/\.$/, '');
}

export function parseAllowEntry(entry: string): AllowEntry {
  const trimmed = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(trimmed);
  if (bracketed) {
    return { host: canonicalHost(bracketed[1] ?? ''), port: portOf(bracketed[2]) };
  }
  // More than one colon and no brackets: an IPv6 literal without a port.
  const colons = trimmed.split(':').length - 1;
  if (colons === 1) {
    const [host = '', port] = trimmed.split(':');
    return { host: canonicalHost(host), port: portOf(port) };
  }
  return { host: canonicalHost(trimmed), port: undefined };
}

function portOf(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new RangeError(`invalid port ${raw}`);
  return port;
}

export function defaultPort(protocol: string): number {
  return protocol === 'https:' ? 443 : 80;
}

export class AddressGuard {
  readonly #allow: readonly AllowEntry[];
  readonly #allowPrivate: boolean;
  readonly #resolve: Resolver;
  /** checkUrl's verdict per `host:port` of IP literals: the range of a refused one, undefined when allowed. */
  readonly #literalVerdicts = new Map<string, { range: string | undefined }>();

  constructor(options: AddressGuardOptions = {}) {
    this.#allow = (options.allowHosts ?? []).map(parseAllowEntry);
    this.#allowPrivate = options.allowPrivate ?? false;
    this.#resolve = options.resolve ?? systemResolver;
  }

  /** Whether configuration lets this host (and port) be reached whatever its addresses are. */
  isAllowed(hostname: string, port: number): boolean {
    if (this.#allowPrivate) return true;
    const host = canonicalHost(hostname);
    return this.#allow.some((e) => e.host === host && (e.port === undefined || e.port === port));
  }

  /**
   * Refuses a URL whose host is an IP literal that is not public and not allowed: no DNS, no connection.
   * A name passes here; it is checked when its connection is made ({@link resolve}).
   */
  checkUrl(url: URL): void {
    const key = `${url.protocol}//${url.host}`;
    let verdict = this.#literalVerdicts.get(key);
    if (verdict === undefined) {
      verdict = { range: this.#literalRange(url) };
      // Bounded: literals are few in practice; a flood of them only costs recomputation.
      if (this.#literalVerdicts.size >= 10_000) this.#literalVerdicts.clear();
      this.#literalVerdicts.set(key, verdict);
    }
    if (verdict.range !== undefined) {
      throw new BlockedAddressError(url.host, canonicalHost(url.hostname), verdict.range);
    }
  }

  /** The range of a refused IP-literal host; undefined for a name, an allowed host or a public address. */
  #literalRange(url: URL): string | undefined {
    const host = canonicalHost(url.hostname);
    if (isIP(host) === 0) return undefined;
    const port = url.port === '' ? defaultPort(url.protocol) : Number(url.port);
    if (this.isAllowed(host, port)) return undefined;
    const range = addressRange(host);
    return range === 'unicast' ? undefined : range;
  }

  /**
   * The address to connect to for `hostname:port`, after checking it: undefined when the host is allowed by
   * configuration (connect as usual). Refuses when any address the name resolves to is not public.
   */
  async resolve(hostname: string, port: number): Promise<ResolvedAddress | undefined> {
    if (this.isAllowed(hostname, port)) return undefined;
    const host = canonicalHost(hostname);
    const family = isIP(host);
    const addresses = family === 0 ? await this.#resolve(host) : [{ address: host, family }];
    for (const { address } of addresses) {
      const range = addressRange(address);
      if (range !== 'unicast') throw new BlockedAddressError(`${hostname}:${port}`, address, range);
    }
    const first = addresses[0];
    if (first === undefined) {
      throw Object.assign(new Error(`${hostname} resolved to no address`), { code: 'ENOTFOUND' });
    }
    return first;
  }
}
