import { z } from 'zod';
import type { DesiredRule, DesiredState } from '../engine/ports';
import { parseCanonicalNetwork, validateAppPath } from '../shared/validate-target';
import { firstOverlap } from './address-ranges';

// The typed document a firewall backend renders, and the only thing the privileged helper accepts.
// The helper validates it again here, independently of the engine that wrote it: every address must
// already be canonical (no hostnames ever reach a command or a ruleset file), counts are bounded, and
// nothing in it is free text that could change the meaning of the rendered ruleset.

export const MAX_RULES = 10_000;
export const MAX_ADDRESSES_PER_RULE = 1024;
export const MAX_TOTAL_ADDRESSES = 65_536;
/** Bigger than any document the bounds above allow; the helper refuses larger files before parsing. */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;
/** ms since epoch; 8.64e15 is the largest JS Date. */
const MAX_TIME = 8_640_000_000_000_000;

// A cgroup v2 path relative to the hierarchy root, as nft's `socket cgroupv2` and iptables' `-m cgroup
// --path` take it. Deliberately narrow (systemd unit names escape everything else as \xNN, which we
// then refuse): the path is written into a ruleset file, so no quotes, spaces, backslashes or `..`.
export const CGROUP_PATH_RE = /^[A-Za-z0-9_@:+-][A-Za-z0-9_.@:+-]{0,254}(?:\/[A-Za-z0-9_@:+-][A-Za-z0-9_.@:+-]{0,254}){0,31}$/;

/** Engine-side extension of DesiredRule: wall-clock deadlines so the kernel lifts elements on time. */
export interface TimedDesiredRule extends DesiredRule {
  /** Whole-rule deadline (temporary rules); null/absent = none. */
  expiresAt?: number | null;
  /** Per-address deadline, parallel to `addresses` (hostname TTLs); null entries = none. */
  addressExpiresAt?: (number | null)[];
}

export interface TimedDesiredState extends DesiredState {
  rules: TimedDesiredRule[];
}

const time = z.number().int().min(0).max(MAX_TIME);
const port = z.number().int().min(1).max(65535);

const canonicalNetwork = z.string().superRefine((v, ctx) => {
  const r = parseCanonicalNetwork(v);
  if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
});

export const desiredRuleSchema = z
  .object({
    id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    action: z.enum(['block', 'allow']),
    addresses: z.array(canonicalNetwork).max(MAX_ADDRESSES_PER_RULE),
    any: z.boolean(),
    proto: z.enum(['tcp', 'udp']).nullable(),
    portLo: port.nullable(),
    portHi: port.nullable(),
    appPath: z
      .string()
      .superRefine((v, ctx) => {
        const r = validateAppPath(v);
        if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
      })
      .nullable(),
    cgroup: z.string().regex(CGROUP_PATH_RE, 'cgroup path has characters a ruleset cannot carry').nullable(),
    expiresAt: time.nullable().optional(),
    addressExpiresAt: z.array(time.nullable()).max(MAX_ADDRESSES_PER_RULE).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if ((r.portLo === null) !== (r.portHi === null)) ctx.addIssue({ code: 'custom', message: 'portLo and portHi must both be set or both be null' });
    if (r.portLo !== null && r.portHi !== null && r.portLo > r.portHi) ctx.addIssue({ code: 'custom', message: 'portLo is above portHi' });
    if (r.any && r.addresses.length > 0) ctx.addIssue({ code: 'custom', message: 'a rule for any address carries no addresses' });
    if (new Set(r.addresses).size !== r.addresses.length) ctx.addIssue({ code: 'custom', message: 'duplicate address in a rule' });
    else {
      const overlap = firstOverlap(r.addresses);
      if (overlap) ctx.addIssue({ code: 'custom', message: `addresses ${overlap[0]} and ${overlap[1]} overlap within one rule` });
    }
    if (r.addressExpiresAt && r.addressExpiresAt.length !== r.addresses.length) {
      ctx.addIssue({ code: 'custom', message: 'addressExpiresAt must be parallel to addresses' });
    }
    if (r.cgroup !== null && r.appPath === null) ctx.addIssue({ code: 'custom', message: 'a cgroup scope needs the app path it stands for' });
  });

export const desiredStateSchema = z
  .object({
    version: z.literal(1),
    defaultDeny: z.boolean(),
    rules: z.array(desiredRuleSchema).max(MAX_RULES),
  })
  .strict()
  .superRefine((s, ctx) => {
    const ids = new Set<number>();
    let total = 0;
    for (const r of s.rules) {
      if (ids.has(r.id)) ctx.addIssue({ code: 'custom', message: `rule id ${r.id} appears twice` });
      ids.add(r.id);
      total += r.addresses.length;
    }
    if (total > MAX_TOTAL_ADDRESSES) ctx.addIssue({ code: 'custom', message: `more than ${MAX_TOTAL_ADDRESSES} addresses in total` });
  });

export class DesiredStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DesiredStateError';
  }
}

/** Validate a desired-state document (from the engine or from a file); throws DesiredStateError. */
export function parseDesiredState(doc: unknown): TimedDesiredState {
  const r = desiredStateSchema.safeParse(doc);
  if (!r.success) {
    const first = r.error.issues[0];
    const where = first && first.path.length ? `${first.path.map(String).join('.')}: ` : '';
    throw new DesiredStateError(`invalid desired state: ${where}${first ? first.message : 'unknown problem'}`);
  }
  return r.data as TimedDesiredState;
}

/** Stable text of a state (without deadlines), to tell whether two states render the same rules. */
export function stateKey(state: DesiredState): string {
  return JSON.stringify({
    d: state.defaultDeny,
    r: state.rules.map((r) => [r.id, r.action, r.any, [...r.addresses].sort(), r.proto, r.portLo, r.portHi, r.appPath, r.cgroup]),
  });
}
