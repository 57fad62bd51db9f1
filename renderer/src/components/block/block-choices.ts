import type { RuleInput } from '../../../../electron/shared/rule-input';
import type { FirewallStatus } from '../../../../electron/shared/types';
import type { BlockRequest } from '../../store/ui';

export type BlockScope = 'dest-app' | 'dest-all' | 'port' | 'app';
export type BlockDuration = 'always' | '10m' | '1h' | 'restart';
export type DestMatch = 'address' | 'host';

export interface ScopeOption {
  scope: BlockScope;
  label: string;
  detail: string;
  enabled: boolean;
  /** Why the option is not available; shown under it. */
  reason: string | null;
}

export const DURATIONS: readonly { id: BlockDuration; label: string }[] = [
  { id: 'always', label: 'Always' },
  { id: '10m', label: '10 minutes' },
  { id: '1h', label: '1 hour' },
  { id: 'restart', label: 'Until restart' },
];

const DURATION_MS: Record<BlockDuration, number | null> = { always: null, '10m': 10 * 60_000, '1h': 60 * 60_000, restart: null };

function perAppProblem(fw: FirewallStatus | null): string | null {
  if (!fw) return 'The firewall status is not known yet, so per-app blocking cannot be promised';
  if (fw.appScope) return null;
  return `Per-app rules cannot be enforced on this machine${fw.appScopeNote ? ` (${fw.appScopeNote})` : ''}`;
}

/** Null when per-app rules are enforceable; else the sentence the dialog shows. */
export function appScopeReason(fw: FirewallStatus | null): string | null {
  const p = perAppProblem(fw);
  return p ? `${p}, so a destination block applies to all apps.` : null;
}

export function destinationLabel(flow: NonNullable<BlockRequest['flow']>, match: DestMatch): string {
  return match === 'host' && flow.host ? flow.host : flow.remote;
}

export function scopeOptions(req: BlockRequest, fw: FirewallStatus | null, match: DestMatch = 'address'): ScopeOption[] {
  const flow = req.flow;
  const perApp = appScopeReason(fw);
  const noPath = req.appPath ? null : 'No executable is known for this traffic, so a rule cannot be tied to it.';
  const noFlow = flow ? null : 'Open the block dialog from a destination row to block a destination or port.';
  const dest = flow ? destinationLabel(flow, match) : 'this destination';
  const opts: ScopeOption[] = [
    {
      scope: 'dest-app',
      label: `${dest}, only for ${req.appName}`,
      detail: `Other apps can still reach ${dest}.`,
      enabled: !noFlow && !noPath && !perApp,
      reason: noFlow ?? noPath ?? (perApp ? 'Not available: per-app rules cannot be enforced on this machine.' : null),
    },
    {
      scope: 'dest-all',
      label: `${dest}, for all apps`,
      detail: `No app on this computer can reach ${dest}${match === 'host' ? ' (at any address it resolves to)' : ''}.`,
      enabled: !noFlow,
      reason: noFlow,
    },
    {
      scope: 'port',
      label: flow ? `Port ${flow.rport}/${flow.proto}, for all apps` : 'This port, for all apps',
      detail: flow ? `No app can open ${flow.proto.toUpperCase()} connections to port ${flow.rport} on any host.` : '',
      enabled: !noFlow,
      reason: noFlow,
    },
    {
      scope: 'app',
      label: `Everything ${req.appName} sends`,
      detail: `${req.appName} cannot reach any host; other apps are not affected.`,
      enabled: !noPath && !perApp,
      // Without per-app enforcement "block this app" would mean "block everything": not offered.
      reason: noPath ?? (perApp ? 'Not available: without per-app enforcement this would block every app.' : null),
    },
  ];
  return opts;
}

/** The preselected scope: the narrowest one that is enforceable. */
export function defaultScope(options: readonly ScopeOption[], fromFlow: boolean): BlockScope | null {
  const prefer: BlockScope[] = fromFlow ? ['dest-app', 'dest-all'] : ['app'];
  for (const s of prefer) if (options.find((o) => o.scope === s)?.enabled) return s;
  return options.find((o) => o.enabled)?.scope ?? null;
}

export function buildRuleInput(req: BlockRequest, scope: BlockScope, duration: BlockDuration, match: DestMatch = 'address'): RuleInput {
  const flow = req.flow;
  const timing = { forMs: DURATION_MS[duration], untilRestart: duration === 'restart' };
  const note = `Blocked from the Outflow UI (${req.appName})`.slice(0, 1000);
  switch (scope) {
    case 'dest-app':
    case 'dest-all': {
      if (!flow) throw new Error('A destination block needs a destination.');
      if (scope === 'dest-app' && !req.appPath) throw new Error('This traffic has no executable to scope the rule to.');
      return {
        target: destinationLabel(flow, match),
        proto: null,
        port: null,
        appPath: scope === 'dest-app' ? req.appPath : null,
        action: 'block',
        ...timing,
        note,
        force: false,
      };
    }
    case 'port':
      if (!flow) throw new Error('A port block needs a destination row.');
      return { target: 'any', proto: flow.proto, port: String(flow.rport), appPath: null, action: 'block', ...timing, note, force: true };
    case 'app':
      if (!req.appPath) throw new Error('This traffic has no executable to block.');
      return { target: 'any', proto: null, port: null, appPath: req.appPath, action: 'block', ...timing, note, force: true };
  }
}
