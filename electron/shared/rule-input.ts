import { z } from 'zod';
import type { Proto, RuleAction, RuleTargetKind } from './types';
import {
  coversEverything,
  parsePortSpec,
  parseTarget,
  validateAppPath,
  validateNote,
  type AddressFamily,
} from './validate-target';

// The one schema for a rule the user asks for, used by the CLI, the HTTP/WS API and IPC (and by the
// renderer to validate as the user types). Every field is checked here, so an invalid rule is refused
// at whichever boundary it arrives, with one clear message per problem. Target/port/path/note rules
// live in ./validate-target.ts; `normalizeRuleInput` turns an accepted input into the stored form.

export const MAX_RULE_DURATION_MS = 366 * 24 * 3600 * 1000;

const refineWith =
  (check: (v: string) => { ok: true } | { ok: false; error: string }) =>
  (v: string, ctx: z.RefinementCtx): void => {
    const r = check(v);
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
  };

export const ruleInputSchema = z
  .object({
    target: z.string().min(1, 'target is empty').max(300, 'target is longer than 300 characters').superRefine(refineWith(parseTarget)),
    proto: z.enum(['tcp', 'udp']).nullable().optional(),
    /** "443" or "8000-8080". */
    port: z.string().max(11, 'port must be a number 1-65535 or a range like 8000-8080').superRefine(refineWith(parsePortSpec)).nullable().optional(),
    appPath: z.string().superRefine(refineWith(validateAppPath)).nullable().optional(),
    action: z.enum(['block', 'allow']).default('block'),
    /** Lifetime in milliseconds from now; omitted = until removed. */
    forMs: z.number().int().min(1000, 'a temporary rule lasts at least 1000 ms').max(MAX_RULE_DURATION_MS, 'a temporary rule lasts at most 366 days').nullable().optional(),
    untilRestart: z.boolean().default(false),
    note: z.string().superRefine(refineWith(validateNote)).default(''),
    /** Required to block everything (0.0.0.0/0, ::/0, any). */
    force: z.boolean().default(false),
  })
  .strict()
  .superRefine((v, ctx) => {
    const t = parseTarget(v.target);
    if (t.ok && isLoopbackOnly(t.value)) {
      ctx.addIssue({
        code: 'custom',
        path: ['target'],
        message: `"${t.value.target}" is this computer's loopback: that traffic never leaves the machine and Outflow does not filter it`,
      });
      return;
    }
    if (v.action !== 'block' || v.force) return;
    if (!t.ok || !coversEverything(t.value)) return;
    const scoped = (v.appPath !== null && v.appPath !== undefined) || (v.port !== null && v.port !== undefined);
    if (!scoped) {
      ctx.addIssue({
        code: 'custom',
        path: ['force'],
        message: `blocking "${t.value.target}" for every app and port cuts this machine off; scope it to an app or port, or set force: true`,
      });
    }
  });

/** 127.0.0.0/8 (or a part of it) and ::1: never filtered, so a rule for it would claim what it can't do. */
function isLoopbackOnly(t: { kind: string; target: string; family: number | null; prefix: number | null }): boolean {
  if (t.kind !== 'ip' && t.kind !== 'cidr') return false;
  const addr = t.target.split('/')[0]!;
  if (t.family === 4) return addr.split('.')[0] === '127' && (t.prefix ?? 32) >= 8;
  return addr === '::1' && (t.prefix ?? 128) === 128;
}

export type RuleInput = z.input<typeof ruleInputSchema>;
export type ParsedRuleInput = z.output<typeof ruleInputSchema>;

/** The stored form of an accepted rule (what the rules service writes to SQLite). */
export interface NormalizedRule {
  target: string;
  kind: RuleTargetKind;
  family: AddressFamily | null;
  /** Prefix length for ip/cidr, 0 for any, null for host. */
  prefix: number | null;
  proto: Proto | null;
  portLo: number | null;
  portHi: number | null;
  appPath: string | null;
  action: RuleAction;
  /** Wall-clock deadline (`now + forMs`); null = no time limit. */
  expiresAt: number | null;
  untilRestart: boolean;
  note: string;
}

export interface RuleInputIssue {
  path: string;
  message: string;
}

export class RuleInputError extends Error {
  constructor(readonly issues: RuleInputIssue[]) {
    const first = issues[0];
    super(first ? (first.path ? `${first.path}: ${first.message}` : first.message) : 'invalid rule');
    this.name = 'RuleInputError';
  }
}

/** Validate (again) and canonicalise; `now` is the wall clock used for `forMs`. Throws RuleInputError. */
export function normalizeRuleInput(input: unknown, now: number): NormalizedRule {
  const parsed = ruleInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new RuleInputError(parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })));
  }
  const v = parsed.data;
  const t = parseTarget(v.target);
  if (!t.ok) throw new RuleInputError([{ path: 'target', message: t.error }]);
  let portLo: number | null = null;
  let portHi: number | null = null;
  if (v.port !== null && v.port !== undefined) {
    const p = parsePortSpec(v.port);
    if (!p.ok) throw new RuleInputError([{ path: 'port', message: p.error }]);
    portLo = p.value.lo;
    portHi = p.value.hi;
  }
  if (!Number.isSafeInteger(now) || now < 0) throw new RuleInputError([{ path: 'forMs', message: 'clock is not set' }]);
  return {
    target: t.value.target,
    kind: t.value.kind,
    family: t.value.family,
    prefix: t.value.prefix,
    proto: v.proto ?? null,
    portLo,
    portHi,
    appPath: v.appPath ?? null,
    action: v.action,
    expiresAt: v.forMs === null || v.forMs === undefined ? null : now + v.forMs,
    untilRestart: v.untilRestart,
    note: v.note,
  };
}

/** The input that re-creates an exported rule (for `rules.export` → `rules.import`); null once it has expired. */
export function ruleToInput(
  rule: { target: string; proto: 'tcp' | 'udp' | null; portLo: number | null; portHi: number | null; appPath: string | null; action: RuleAction; expiresAt: number | null; untilRestart: boolean; note: string; kind: RuleTargetKind },
  now: number,
): RuleInput | null {
  let forMs: number | null = null;
  if (rule.expiresAt !== null) {
    forMs = Math.min(MAX_RULE_DURATION_MS, Math.max(1000, rule.expiresAt - now));
    if (rule.expiresAt <= now) return null;
  }
  const port = rule.portLo === null || rule.portHi === null ? null : rule.portLo === rule.portHi ? String(rule.portLo) : `${rule.portLo}-${rule.portHi}`;
  return {
    target: rule.target,
    proto: rule.proto,
    port,
    appPath: rule.appPath,
    action: rule.action,
    forMs,
    untilRestart: rule.untilRestart,
    note: rule.note,
    // An exported "block everything" rule was forced when it was made.
    force: rule.kind === 'any' || rule.target === '0.0.0.0/0' || rule.target === '::/0',
  };
}
