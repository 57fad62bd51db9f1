// The desired-state document is checked again right before it becomes firewall rules, whoever sent
// it (the engine, or the privileged helper's socket). Anything that is not exactly an id, an address,
// a port or an allowed path is refused with a message; nothing is "cleaned up" into something else.
// Used by the pf backend and, with its own path rule, by the Windows backend.
import type { DesiredState } from '../engine/ports';
import type { Proto } from '../shared/types';
import { DesiredStateError } from './desired-state-schema';
import { canonicalCidr } from './pf-address';

// One error type for a refused document, whichever layer refused it (the helper's schema or this).
export { DesiredStateError };

export interface NormalizedRule {
  id: number;
  action: 'block' | 'allow';
  any: boolean;
  /** Canonical, de-duplicated, sorted. Empty for `any` rules. */
  v4: string[];
  v6: string[];
  proto: Proto | null;
  portLo: number | null;
  portHi: number | null;
  appPath: string | null;
}

export interface NormalizedState {
  defaultDeny: boolean;
  rules: NormalizedRule[];
}

/** Returns a reason when `path` must not be used, else null. */
export type AppPathCheck = (path: string) => string | null;

export const MAX_RULES = 10_000;
export const MAX_ADDRESSES_PER_RULE = 65_536;

/**
 * pf never writes a path anywhere (it cannot match executables), so a path only has to be a sane
 * absolute POSIX path. Control characters and double quotes are refused outright: no legitimate
 * macOS path needs them, and refusing them means no later change can smuggle one into a rule file.
 */
export const posixAppPath: AppPathCheck = (path) => {
  if (path.length === 0 || path.length > 4096) return 'must be 1..4096 characters';
  if (!path.startsWith('/')) return 'must be an absolute path';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f"]/.test(path)) return 'must not contain control characters or double quotes';
  return null;
};

/**
 * `now` (wall-clock ms) drops rules and addresses whose deadline (`expiresAt`, `addressExpiresAt` of
 * the engine's timed document) has passed: pf tables and Windows rules cannot expire entries by
 * themselves, so the engine re-applies at each deadline and this keeps a late apply from restoring
 * what already lapsed.
 */
export function validateDesiredState(input: unknown, checkAppPath: AppPathCheck, now: number = Date.now()): NormalizedState {
  if (!isRecord(input)) throw new DesiredStateError('desired state: not an object');
  if (input.version !== 1) throw new DesiredStateError('desired state: version must be 1');
  if (typeof input.defaultDeny !== 'boolean') throw new DesiredStateError('desired state: defaultDeny must be a boolean');
  if (!Array.isArray(input.rules)) throw new DesiredStateError('desired state: rules must be an array');
  if (input.rules.length > MAX_RULES) throw new DesiredStateError(`desired state: more than ${MAX_RULES} rules`);
  const seen = new Set<number>();
  const rules: NormalizedRule[] = [];
  input.rules.forEach((raw: unknown, i: number) => {
    const r = normalizeRule(raw, `rules[${i}]`, checkAppPath, now);
    if (seen.has(r.id)) throw new DesiredStateError(`rules[${i}].id: duplicate id ${r.id}`);
    seen.add(r.id);
    if (!r.expired) rules.push(r.rule);
  });
  return { defaultDeny: input.defaultDeny, rules };
}

/** Shortcut for callers holding a typed DesiredState. */
export function normalizeForPf(state: DesiredState, now?: number): NormalizedState {
  return validateDesiredState(state, posixAppPath, now);
}

function normalizeRule(raw: unknown, at: string, checkAppPath: AppPathCheck, now: number): { rule: NormalizedRule; id: number; expired: boolean } {
  if (!isRecord(raw)) throw new DesiredStateError(`${at}: not an object`);
  const { id, action, addresses, any, proto, portLo, portHi, appPath, expiresAt, addressExpiresAt } = raw;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) throw new DesiredStateError(`${at}.id: must be a positive integer`);
  if (action !== 'block' && action !== 'allow') throw new DesiredStateError(`${at}.action: must be block or allow`);
  if (typeof any !== 'boolean') throw new DesiredStateError(`${at}.any: must be a boolean`);
  if (proto !== null && proto !== 'tcp' && proto !== 'udp') throw new DesiredStateError(`${at}.proto: must be tcp, udp or null`);
  if (!Array.isArray(addresses)) throw new DesiredStateError(`${at}.addresses: must be an array`);
  if (addresses.length > MAX_ADDRESSES_PER_RULE) throw new DesiredStateError(`${at}.addresses: more than ${MAX_ADDRESSES_PER_RULE}`);
  if (any && addresses.length > 0) throw new DesiredStateError(`${at}: any and addresses are exclusive`);
  if (!isDeadline(expiresAt)) throw new DesiredStateError(`${at}.expiresAt: must be a time or null`);
  const deadlines = addressExpiresAt ?? null;
  if (deadlines !== null && (!Array.isArray(deadlines) || deadlines.length !== addresses.length || !deadlines.every(isDeadline))) {
    throw new DesiredStateError(`${at}.addressExpiresAt: must be times or nulls, one per address`);
  }
  const v4 = new Set<string>();
  const v6 = new Set<string>();
  addresses.forEach((a: unknown, j: number) => {
    const c = typeof a === 'string' ? canonicalCidr(a) : null;
    if (!c) throw new DesiredStateError(`${at}.addresses[${j}]: not an IP address or CIDR`);
    const deadline = deadlines ? (deadlines[j] as number | null | undefined) : null;
    if (typeof deadline === 'number' && deadline <= now) return; // lapsed (hostname TTL)
    (c.family === 4 ? v4 : v6).add(c.text);
  });
  const ports = normalizePorts(portLo, portHi, at);
  let path: string | null = null;
  if (appPath !== null && appPath !== undefined) {
    if (typeof appPath !== 'string') throw new DesiredStateError(`${at}.appPath: must be a string or null`);
    const why = checkAppPath(appPath);
    if (why) throw new DesiredStateError(`${at}.appPath: ${why}`);
    path = appPath;
  }
  const rule: NormalizedRule = {
    id,
    action,
    any,
    v4: [...v4].sort(),
    v6: [...v6].sort(),
    proto: proto as Proto | null,
    portLo: ports.lo,
    portHi: ports.hi,
    appPath: path,
  };
  return { rule, id, expired: typeof expiresAt === 'number' && expiresAt <= now };
}

function isDeadline(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0);
}

function normalizePorts(lo: unknown, hi: unknown, at: string): { lo: number | null; hi: number | null } {
  if ((lo === null || lo === undefined) && (hi === null || hi === undefined)) return { lo: null, hi: null };
  const ok = (p: unknown): p is number => typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 65535;
  if (!ok(lo) || !ok(hi)) throw new DesiredStateError(`${at}.portLo/portHi: must both be integers 1..65535`);
  if (lo > hi) throw new DesiredStateError(`${at}.portLo: greater than portHi`);
  return { lo, hi };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
