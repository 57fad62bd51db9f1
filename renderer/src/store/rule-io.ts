import { z } from 'zod';
import { ruleInputSchema, type RuleInput } from '../../../electron/shared/rule-input';
import type { Rule } from '../../../electron/shared/types';

// Rules files: what rules.export produces ({ version: 1, rules: Rule[] }) or a plain array of rule
// inputs. Both are turned into RuleInput and checked with the engine's own schema before import.

const MAX_FILE_BYTES = 5 * 1024 * 1024;

const exportedRule = z.object({
  target: z.string(),
  kind: z.enum(['ip', 'cidr', 'host', 'any']).optional(),
  proto: z.enum(['tcp', 'udp']).nullable().optional(),
  portLo: z.number().int().nullable().optional(),
  portHi: z.number().int().nullable().optional(),
  appPath: z.string().nullable().optional(),
  action: z.enum(['block', 'allow']).optional(),
  expiresAt: z.number().nullable().optional(),
  untilRestart: z.boolean().optional(),
  enabled: z.boolean().optional(),
  note: z.string().optional(),
});

export function portString(lo: number | null | undefined, hi: number | null | undefined): string | null {
  if (lo === null || lo === undefined) return null;
  return hi === null || hi === undefined || hi === lo ? String(lo) : `${lo}-${hi}`;
}

/** An exported rule as input for rules.add/import; null when it has already expired. */
export function ruleToInput(rule: z.infer<typeof exportedRule> | Rule, now: number): RuleInput | null {
  let forMs: number | null = null;
  if (rule.expiresAt !== null && rule.expiresAt !== undefined) {
    forMs = Math.round(rule.expiresAt - now);
    if (forMs < 1000) return null;
  }
  const input: RuleInput = {
    target: rule.target,
    proto: rule.proto ?? null,
    port: portString(rule.portLo, rule.portHi),
    appPath: rule.appPath ?? null,
    action: rule.action ?? 'block',
    forMs,
    untilRestart: rule.untilRestart ?? false,
    note: rule.note ?? '',
    // An exported "any" rule was confirmed when it was made; importing it restates that choice.
    force: rule.target === 'any' || rule.kind === 'any',
  };
  return input;
}

export interface ParsedRulesFile {
  rules: RuleInput[];
  skippedExpired: number;
  /** Rules exported as disabled; they are imported as enabled=… is not part of RuleInput, so we say so. */
  disabled: number;
}

export function parseRulesFile(text: string, now: number): ParsedRulesFile {
  if (text.length > MAX_FILE_BYTES) throw new Error('The file is larger than 5 MB; that is not a rules file.');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error('The file is not valid JSON.');
  }
  const list: unknown = Array.isArray(data) ? data : data && typeof data === 'object' ? (data as { rules?: unknown }).rules : undefined;
  if (!Array.isArray(list)) throw new Error('Expected an Outflow rules export ({ "version": 1, "rules": [...] }) or an array of rules.');
  if (list.length > 10_000) throw new Error('At most 10 000 rules can be imported at once.');
  const rules: RuleInput[] = [];
  let skippedExpired = 0;
  let disabled = 0;
  list.forEach((item, i) => {
    const direct = ruleInputSchema.safeParse(item);
    if (direct.success) {
      rules.push(item as RuleInput);
      return;
    }
    const exported = exportedRule.safeParse(item);
    if (!exported.success) {
      const issue = exported.error.issues[0];
      throw new Error(`Rule ${i + 1}: ${issue ? `${issue.path.join('.') || 'value'}: ${issue.message}` : 'not a rule'}`);
    }
    if (exported.data.enabled === false) disabled += 1;
    const input = ruleToInput(exported.data, now);
    if (!input) {
      skippedExpired += 1;
      return;
    }
    const checked = ruleInputSchema.safeParse(input);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw new Error(`Rule ${i + 1}: ${issue ? `${issue.path.join('.') || 'value'}: ${issue.message}` : 'invalid'}`);
    }
    rules.push(input);
  });
  return { rules, skippedExpired, disabled };
}
