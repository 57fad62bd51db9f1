import { readFileSync, writeFileSync } from 'node:fs';
import { parseInput, type MethodParsed } from '../../shared/contract';
import type { FirewallStatus, Rule } from '../../shared/types';
import { parse, parseDuration, UsageError } from '../args';
import { formatTime, printJson, printTable } from '../output';
import { defaultDbPath } from '../paths';
import { openTarget } from '../target';
import type { CliContext } from './index';

const NOT_ENFORCING = 3;

function enforcementLine(fw: FirewallStatus): string {
  const base = `firewall: ${fw.backend}, ${fw.state}`;
  return fw.reason ? `${base} — ${fw.reason}` : base;
}

export async function block(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      db: { type: 'string' },
      app: { type: 'string' },
      port: { type: 'string' },
      proto: { type: 'string' },
      for: { type: 'string' },
      'until-restart': { type: 'boolean' },
      note: { type: 'string' },
      force: { type: 'boolean' },
      allow: { type: 'boolean' },
      json: { type: 'boolean' },
      firewall: { type: 'string' },
    },
    1,
  );
  const targetText = positionals[0];
  if (!targetText) throw new UsageError('which destination? e.g. `outflow block 198.51.100.7` or `outflow block example.com --port 443`');
  if (values.proto !== undefined && values.proto !== 'tcp' && values.proto !== 'udp') throw new UsageError('--proto: tcp or udp');
  const input = {
    target: targetText,
    appPath: values.app ?? null,
    port: values.port ?? null,
    proto: values.proto ?? null,
    forMs: values.for ? parseDuration(values.for, '--for') : null,
    untilRestart: values['until-restart'] === true,
    note: values.note ?? '',
    force: values.force === true,
    action: values.allow ? 'allow' : 'block',
  };
  // Refuse bad input before the database or the firewall is touched (exit 2: nothing written).
  parseInput('rules.add', input);
  const target = await openTarget({ dbPath: values.db ?? defaultDbPath(), mutate: true, version: ctx.version, firewall: firewallOpt(values.firewall) });
  try {
    const rule = await target.call('rules.add', input);
    const st = await target.call('status.get', {});
    if (values.json) printJson({ rule, firewall: st.firewall });
    else {
      process.stdout.write(`rule ${rule.id}: ${describe(rule)}\n${enforcementLine(st.firewall)}\n`);
      if (rule.appPath && !rule.appScopeEnforced) process.stdout.write(`note: ${st.firewall.appScopeNote ?? 'per-app scope is not enforceable here'}; the rule applies to all apps\n`);
    }
    return st.firewall.state === 'enforcing' ? 0 : NOT_ENFORCING;
  } finally {
    await target.close();
  }
}

export async function unblock(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(argv, { db: { type: 'string' }, all: { type: 'boolean' }, json: { type: 'boolean' }, firewall: { type: 'string' } }, 1);
  const what = positionals[0];
  if (!what && !values.all) throw new UsageError('which rule? give its id or target, or --all');
  if (what && values.all) throw new UsageError('give a rule or --all, not both');
  const target = await openTarget({ dbPath: values.db ?? defaultDbPath(), mutate: true, version: ctx.version, firewall: firewallOpt(values.firewall) });
  try {
    const list = await target.call('rules.list', {});
    const chosen = values.all ? list : list.filter((r) => (/^\d+$/.test(what!) ? r.id === Number(what) : r.target === what!.toLowerCase()));
    if (!values.all && chosen.length === 0) throw new UsageError(`no rule matches ${JSON.stringify(what)} (see \`outflow rules\`)`);
    for (const r of chosen) await target.call('rules.remove', { id: r.id });
    const st = await target.call('status.get', {});
    if (values.json) printJson({ removed: chosen.map((r) => r.id), firewall: st.firewall });
    else process.stdout.write(`removed ${chosen.length} rule${chosen.length === 1 ? '' : 's'}\n${enforcementLine(st.firewall)}\n`);
    return 0;
  } finally {
    await target.close();
  }
}

export async function rules(argv: string[], ctx: CliContext): Promise<number> {
  const sub = argv[0] === 'export' || argv[0] === 'import' ? argv[0] : null;
  const { values, positionals } = parse(sub ? argv.slice(1) : argv, { db: { type: 'string' }, json: { type: 'boolean' }, replace: { type: 'boolean' } }, sub ? 1 : 0);
  const file = positionals[0];
  if (sub && !file) throw new UsageError(`rules ${sub} FILE`);
  // An import file is read and validated before the database or the firewall is touched.
  const importInput = sub === 'import' ? readImport(file!, values.replace === true) : null;
  const target = await openTarget({ dbPath: values.db ?? defaultDbPath(), mutate: sub === 'import', version: ctx.version });
  try {
    if (sub === 'export') {
      writeFileSync(file!, JSON.stringify(await target.call('rules.export', {}), null, 2) + '\n', { mode: 0o600 });
      return 0;
    }
    if (importInput) {
      const result = await target.call('rules.import', importInput);
      process.stdout.write(`imported ${result.added} rule(s), removed ${result.removed}\n`);
      return 0;
    }
    const list = await target.call('rules.list', {});
    if (values.json) printJson(list);
    else printTable(['ID', 'ACTION', 'RULE', 'EXPIRES', 'HITS', 'ENABLED'], list.map((r) => [r.id, r.action, describe(r), r.untilRestart ? 'at restart' : formatTime(r.expiresAt), r.hits ?? '—', r.enabled ? 'yes' : 'no']));
    return 0;
  } finally {
    await target.close();
  }
}

export async function status(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(argv, { db: { type: 'string' }, json: { type: 'boolean' } });
  const target = await openTarget({ dbPath: values.db ?? defaultDbPath(), mutate: false, version: ctx.version, allowMissing: true });
  try {
    const st = await target.call('status.get', {});
    if (values.json) printJson({ ...st, running: target.remote });
    else {
      process.stdout.write(`engine: ${target.remote ? 'running' : 'not running'}\n`);
      process.stdout.write(`collector: ${st.collector.mode}${st.collector.lastError ? ` (last error: ${st.collector.lastError})` : ''}\n`);
      process.stdout.write(`${enforcementLine(st.firewall)}; ${st.firewall.ruleCount} rule(s) in the kernel\n`);
      process.stdout.write(`database: ${st.store.path} (${st.store.sizeBytes} bytes)\n`);
    }
    return st.firewall.state === 'enforcing' ? 0 : NOT_ENFORCING;
  } finally {
    await target.close();
  }
}

function readImport(file: string, replace: boolean): MethodParsed<'rules.import'> {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${file}: not a JSON rules file (${(err as Error).message})`);
  }
  const rulesIn = Array.isArray(doc) ? doc : (doc as { rules?: unknown })?.rules;
  if (!Array.isArray(rulesIn)) throw new UsageError(`${file}: expected {"rules": [...]} as written by \`outflow rules export\``);
  return parseInput('rules.import', { rules: rulesIn.map(toRuleInput), replace });
}

/** An exported rule (or a hand-written one) back to the input the contract validates. */
function toRuleInput(r: unknown): unknown {
  if (!r || typeof r !== 'object') return r;
  const o = r as Partial<Rule> & Record<string, unknown>;
  if (!('kind' in o)) return o;
  return {
    target: o.target,
    proto: o.proto ?? null,
    port: o.portLo == null ? null : o.portLo === o.portHi ? String(o.portLo) : `${o.portLo}-${o.portHi}`,
    appPath: o.appPath ?? null,
    action: o.action,
    forMs: o.expiresAt ? Math.max(1000, o.expiresAt - Date.now()) : null,
    untilRestart: o.untilRestart ?? false,
    note: o.note ?? '',
    force: o.target === 'any' || o.target === '0.0.0.0/0' || o.target === '::/0',
  };
}

function describe(r: Rule): string {
  const port = r.portLo === null ? '' : r.portLo === r.portHi ? ` port ${r.portLo}` : ` ports ${r.portLo}-${r.portHi}`;
  const proto = r.proto ? ` ${r.proto}` : '';
  const app = r.appPath ? ` for ${r.appPath}` : ' for all apps';
  return `${r.action} ${r.target}${proto}${port}${app}${r.note ? ` (${r.note})` : ''}`;
}

function firewallOpt(v: string | undefined): 'auto' | 'noop' | undefined {
  if (v === undefined) return undefined;
  if (v !== 'auto' && v !== 'noop') throw new UsageError('--firewall: auto or noop');
  return v;
}
