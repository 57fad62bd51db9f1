import type { Clock, Resolver } from '../ports';
import { parseAddress } from '../../shared/validate-target';
import { MAX_ADDRESSES_PER_RULE } from '../../firewall/desired-state-schema';

// Addresses of hostname rules. A name is resolved (A and AAAA) through the engine's Resolver; each
// address is kept until its TTL-based deadline and the name is asked again at half the TTL, so the
// set never runs dry while the name keeps resolving. Addresses that drop out of an answer (round-robin
// DNS) lapse at their own deadline instead of at once. A failed lookup keeps what we had until it
// lapses and is retried sooner. Hostnames never go to a command line: only the canonical addresses.

export const MIN_TTL_S = 60;
export const MAX_TTL_S = 24 * 3600;
/** Extra life on each address past its TTL, so a re-resolution that is a little late never leaves a gap. */
export const GRACE_MS = 60_000;
export const RETRY_MS = 30_000;

export interface HostAddress {
  address: string;
  family: 4 | 6;
  /** Monotonic ms after which the address is dropped. */
  until: number;
}

export interface HostState {
  host: string;
  addresses: HostAddress[];
  /** Monotonic ms of the next lookup. */
  nextLookup: number;
  error: string | null;
}

export function liveAddresses(state: HostState | undefined, mono: number): HostAddress[] {
  return state ? state.addresses.filter((a) => a.until > mono) : [];
}

/** Resolve `host` and merge the answer into `previous`; never throws. */
export async function refreshHost(
  host: string,
  previous: HostState | undefined,
  resolver: Pick<Resolver, 'resolve'>,
  clock: Clock,
  timeoutMs: number,
): Promise<HostState> {
  let answer: { address: string; family: 4 | 6; ttl: number }[] | null = null;
  let error: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  try {
    answer = await Promise.race([
      resolver.resolve(host),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  } finally {
    if (timer) clearTimeout(timer);
  }
  const mono = clock.monotonic();
  const merged = new Map<string, HostAddress>();
  for (const a of liveAddresses(previous, mono)) merged.set(a.address, a);
  let minTtl = MAX_TTL_S;
  for (const rec of answer ?? []) {
    const p = parseAddress(rec.address);
    if (!p || p.family !== rec.family) continue;
    const ttl = Math.min(MAX_TTL_S, Math.max(MIN_TTL_S, Number.isFinite(rec.ttl) ? rec.ttl : MIN_TTL_S));
    minTtl = Math.min(minTtl, ttl);
    const until = mono + ttl * 1000 + GRACE_MS;
    const had = merged.get(p.text);
    merged.set(p.text, { address: p.text, family: p.family, until: Math.max(until, had?.until ?? 0) });
  }
  const addresses = [...merged.values()].sort((a, b) => b.until - a.until).slice(0, MAX_ADDRESSES_PER_RULE);
  if (answer && answer.length === 0 && !error) error = 'the name has no A or AAAA records';
  const nextLookup = answer && answer.length > 0 ? mono + (minTtl * 1000) / 2 : mono + RETRY_MS;
  return { host, addresses, nextLookup, error };
}
