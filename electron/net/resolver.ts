// Reverse DNS for the live view and history, forward DNS for hostname rules.
//
// The tick must never wait on DNS: `peek` answers from the cache only and queues a lookup in the
// background. The queue is bounded (a scan of thousands of new destinations drops the excess, which is
// simply asked for again on a later peek), lookups run with a fixed concurrency and a short timeout with
// one try, and answers — including "no name" — are cached with a TTL. Loopback, private and link-local
// addresses are not sent to the network by default: most resolvers have no reverse zone for them and
// the query just hangs until the timeout (or leaks internal addresses to an upstream resolver).
import { promises as dnsPromises } from 'node:dns';
import type { Resolver } from '../engine/ports';
import type { Family } from '../shared/types';
import { normalizeHostname } from './hostname';
import { formatParsed, parseAddress, reverseName } from './ip';
import { Lru } from './lru';
import { scopeOfParsed } from './scope';

export interface ResolverOptions {
  /** DNS servers as `ip` or `ip:port` / `[ipv6]:port`; default: the system's. */
  servers?: string[];
  /** Reverse lookups in flight at once. Default 4. */
  concurrency?: number;
  /** Per-query timeout (one try). Default 2000 ms. */
  timeoutMs?: number;
  /** Cached addresses (names and negative answers). Default 4096. */
  cacheSize?: number;
  /** How long "no name" is remembered. Default 10 minutes. */
  negativeTtlMs?: number;
  /** How long a name is trusted before it is looked up again (served stale meanwhile). Default 1 hour. */
  positiveTtlMs?: number;
  /** How long a failed lookup (timeout, SERVFAIL, refused) is remembered. Default min(negativeTtlMs, 1 minute). */
  failureTtlMs?: number;
  /** Addresses waiting for a free slot; beyond this, peeks are dropped (and retried on a later peek). Default 256. */
  maxQueue?: number;
  /** Also reverse-resolve loopback, LAN and link-local addresses. Default false. */
  resolvePrivate?: boolean;
  /** Monotonic milliseconds; injectable for tests. */
  now?: () => number;
}

export interface ResolverStats {
  cached: number;
  queued: number;
  inFlight: number;
  /** Lookups started since creation. */
  lookups: number;
  /** Peeks that could not be queued because the queue was full. */
  dropped: number;
  /** PTR answers refused because the name was not a plain hostname. */
  rejected: number;
}

export interface ReverseResolver extends Resolver {
  stats(): ResolverStats;
}

interface CacheEntry {
  host: string | null;
  expiresAt: number;
}

/** DNS errors that mean "the name has no such record", as opposed to "we could not find out". */
const NO_ANSWER = new Set(['ENOTFOUND', 'ENODATA', 'NOTFOUND', 'NODATA']);

const SERVER_RE = /^(?:\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?|\[[0-9A-Fa-f:.]+\](?::\d{1,5})?|[0-9A-Fa-f:.]+)$/;

export function createResolver(opts: ResolverOptions = {}): ReverseResolver {
  const concurrency = positiveInt(opts.concurrency ?? 4, 'concurrency');
  const timeoutMs = positiveInt(opts.timeoutMs ?? 2000, 'timeoutMs');
  const maxQueue = positiveInt(opts.maxQueue ?? 256, 'maxQueue');
  const negativeTtlMs = nonNegative(opts.negativeTtlMs ?? 10 * 60_000, 'negativeTtlMs');
  const positiveTtlMs = nonNegative(opts.positiveTtlMs ?? 60 * 60_000, 'positiveTtlMs');
  const failureTtlMs = nonNegative(opts.failureTtlMs ?? Math.min(negativeTtlMs, 60_000), 'failureTtlMs');
  const resolvePrivate = opts.resolvePrivate ?? false;
  const now = opts.now ?? (() => performance.now());
  const cache = new Lru<string, CacheEntry>(positiveInt(opts.cacheSize ?? 4096, 'cacheSize'));

  const dns = new dnsPromises.Resolver({ timeout: timeoutMs, tries: 1 });
  if (opts.servers) {
    for (const s of opts.servers) if (typeof s !== 'string' || !SERVER_RE.test(s)) throw new TypeError(`bad DNS server: ${String(s)}`);
    dns.setServers(opts.servers);
  }

  // Insertion-ordered: the oldest queued address is looked up first. Value: the PTR query name.
  const queue = new Map<string, string>();
  const inFlight = new Set<string>();
  const listeners: Array<(address: string, host: string | null) => void> = [];
  let closed = false;
  let lookups = 0;
  let dropped = 0;
  let rejected = 0;

  function pump(): void {
    while (!closed && inFlight.size < concurrency && queue.size > 0) {
      const [address, ptrName] = queue.entries().next().value as [string, string];
      queue.delete(address);
      inFlight.add(address);
      lookups++;
      void lookup(address, ptrName);
    }
  }

  async function lookup(address: string, ptrName: string): Promise<void> {
    let host: string | null = null;
    let ttl = negativeTtlMs;
    let failed = false;
    try {
      // resolvePtr, not reverse(): reverse() reports a timeout as ENOTFOUND, which would cache a
      // transient failure for as long as a real "no name".
      const names = await dns.resolvePtr(ptrName);
      for (const name of names) {
        host = normalizeHostname(name);
        if (host) break;
      }
      if (host) ttl = positiveTtlMs;
      else if (names.length > 0) rejected++;
    } catch (err) {
      if (closed) return;
      const code = (err as { code?: unknown }).code;
      if (!(typeof code === 'string' && NO_ANSWER.has(code))) {
        failed = true;
        ttl = failureTtlMs;
      }
    } finally {
      inFlight.delete(address);
    }
    if (closed) return;
    const previous = cache.peek(address);
    // A failed refresh keeps serving the name we had rather than forgetting it.
    if (failed && previous?.host) host = previous.host;
    cache.set(address, { host, expiresAt: now() + ttl });
    for (const listener of listeners) {
      try {
        listener(address, host);
      } catch {
        /* a listener's bug must not stop the queue */
      }
    }
    pump();
  }

  return {
    peek(address: string): string | null {
      const p = parseAddress(address);
      if (!p) return null;
      if (!resolvePrivate && scopeOfParsed(p) !== 'internet') return null;
      // The zone (fe80::1%eth0) is not part of the reverse name.
      const key = formatParsed(p, false);
      const entry = cache.get(key);
      if (entry && entry.expiresAt > now()) return entry.host;
      if (!closed && !queue.has(key) && !inFlight.has(key)) {
        if (queue.size >= maxQueue) dropped++;
        else {
          queue.set(key, reverseName(p));
          pump();
        }
      }
      // Stale names are served while the refresh runs.
      return entry ? entry.host : null;
    },

    async resolve(host: string): Promise<{ address: string; family: Family; ttl: number }[]> {
      const name = normalizeHostname(host);
      if (!name) throw new TypeError(`not a hostname: ${JSON.stringify(String(host)).slice(0, 80)}`);
      if (closed) throw new Error('resolver closed');
      const [v4, v6] = await Promise.allSettled([dns.resolve4(name, { ttl: true }), dns.resolve6(name, { ttl: true })]);
      const out: { address: string; family: Family; ttl: number }[] = [];
      const failures: unknown[] = [];
      for (const [res, family] of [
        [v4, 4],
        [v6, 6],
      ] as const) {
        if (res.status === 'fulfilled') {
          for (const rec of res.value) {
            const p = parseAddress(rec.address);
            // The answer is data from the network too: only well-formed addresses of the asked family.
            if (p && p.family === family && Number.isInteger(rec.ttl) && rec.ttl >= 0) {
              out.push({ address: formatParsed(p), family, ttl: rec.ttl });
            }
          }
        } else {
          const code = (res.reason as { code?: unknown }).code;
          if (!(typeof code === 'string' && NO_ANSWER.has(code))) failures.push(res.reason);
        }
      }
      // Partial answers are returned (blocking what we know beats blocking nothing); only a lookup that
      // produced nothing and failed for a reason other than "no such name" is an error.
      if (out.length === 0 && failures.length > 0) throw failures[0];
      return out;
    },

    onResolved(listener: (address: string, host: string | null) => void): void {
      listeners.push(listener);
    },

    close(): void {
      if (closed) return;
      closed = true;
      queue.clear();
      dns.cancel();
      listeners.length = 0;
    },

    stats(): ResolverStats {
      return { cached: cache.size, queued: queue.size, inFlight: inFlight.size, lookups, dropped, rejected };
    },
  };
}

function positiveInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer`);
  return v;
}

function nonNegative(v: number, name: string): number {
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name} must be a non-negative number`);
  return v;
}
