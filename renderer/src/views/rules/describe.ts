import type { Rule } from '../../../../electron/shared/types';
import { baseName } from '../../format/text';

export function ruleTarget(r: Rule): string {
  const port = r.portLo === null ? '' : r.portHi !== null && r.portHi !== r.portLo ? `${r.portLo}-${r.portHi}` : String(r.portLo);
  const proto = r.proto ? `/${r.proto}` : '';
  if (r.kind === 'any') return port ? `Any host, port ${port}${proto}` : r.proto ? `All ${r.proto.toUpperCase()} traffic` : 'All traffic';
  return port ? `${r.target} port ${port}${proto}` : `${r.target}${proto ? ` (${r.proto})` : ''}`;
}

export function ruleScope(r: Rule): { text: string; warn: string | null } {
  if (!r.appPath) return { text: 'All apps', warn: null };
  return {
    text: baseName(r.appPath),
    warn: r.appScopeEnforced ? null : 'Per-app scope is not enforceable here: this rule applies to all apps.',
  };
}

export function ruleHits(r: Rule): string {
  if (r.hits === null) return '—';
  return `blocked ${r.hits.toLocaleString()} ${r.hits === 1 ? 'attempt' : 'attempts'}`;
}
