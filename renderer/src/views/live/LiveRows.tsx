import { memo } from 'react';
import type { FirewallStatus, LiveFlow, Rule } from '../../../../electron/shared/types';
import { AppIcon } from '../../components/AppIcon';
import { Icon } from '../../components/Icon';
import { Text } from '../../components/Text';
import { formatBytes, formatRate } from '../../format/bytes';
import { formatAge } from '../../format/duration';
import type { ViewApp } from '../../store/live-derive';

const UNKNOWN_TITLE = 'Unknown: the operating system does not report bytes for this connection.';
const PARTIAL_TITLE = 'At least this much: some connections of this app have no byte counts (shown as —).';

function summaryTitle(app: ViewApp): string {
  const parts = [`${app.flows.length} connections`];
  if (app.app.pids.length) parts.push(`pids ${app.app.pids.slice(0, 20).join(', ')}${app.app.pids.length > 20 ? '…' : ''}`);
  if (app.hiddenLoopback) parts.push(`${app.hiddenLoopback} loopback connections hidden`);
  if (app.partialBytes) parts.push('bytes partly unknown');
  return parts.join(' · ');
}

export interface RowActions {
  toggle(appKey: string): void;
  blockApp(app: ViewApp): void;
  blockFlow(app: ViewApp, flow: LiveFlow): void;
  undo(ruleId: number): void;
}

function Bytes({ value, rate }: { value: number | null; rate?: boolean }) {
  if (value === null) {
    return (
      <span className="unknown" title={UNKNOWN_TITLE} aria-label="unknown">
        —
      </span>
    );
  }
  return <span className="num">{rate ? formatRate(value) : formatBytes(value)}</span>;
}

function enforcementText(rule: Rule | null, fw: FirewallStatus | null): { text: string; warn: boolean } {
  if (!fw) return { text: 'Enforcement status unknown', warn: true };
  if (fw.state !== 'enforcing') return { text: `Rule saved, but the firewall is ${fw.state === 'degraded' ? 'degraded' : 'not enforcing'}${fw.reason ? `: ${fw.reason}` : ''}`, warn: true };
  if (rule && rule.appPath && !rule.appScopeEnforced) return { text: `Enforced by ${fw.backend} for all apps (per-app scope is not enforceable here)`, warn: true };
  return { text: `Enforced by ${fw.backend}`, warn: false };
}

function BlockedCell({ ruleId, rule, fw, onUndo, label }: { ruleId: number; rule: Rule | null; fw: FirewallStatus | null; onUndo: () => void; label: string }) {
  const e = enforcementText(rule, fw);
  return (
    <span className="blocked-cell">
      <span className={e.warn ? 'tag tag-warn' : 'tag tag-blocked'} title={`Rule #${ruleId}. ${e.text}`} data-testid="blocked-badge">
        <Icon name="block" size={12} /> Blocked{e.warn ? '?' : ''}
      </span>
      <button
        type="button"
        className="icon-btn"
        aria-label={`Undo block of ${label}`}
        title="Undo (remove the rule)"
        data-testid="undo-block"
        onClick={(ev) => {
          ev.stopPropagation();
          onUndo();
        }}
      >
        <Icon name="undo" size={14} />
      </button>
    </span>
  );
}

export const AppRowView = memo(function AppRowView({
  app,
  expanded,
  shownFlows,
  active,
  id,
  top,
  blockRule,
  firewall,
  actions,
  posinset,
}: {
  app: ViewApp;
  expanded: boolean;
  shownFlows: number;
  active: boolean;
  id: string;
  top: number;
  blockRule: Rule | null;
  firewall: FirewallStatus | null;
  actions: RowActions;
  posinset: number;
}) {
  const a = app.app;
  const conn = app.flows.length;
  const pidText = a.pids.length === 0 ? '' : a.pids.length === 1 ? `pid ${a.pids[0]}` : `${a.pids.length} processes`;
  return (
    <div
      id={id}
      role="row"
      aria-level={1}
      aria-expanded={expanded}
      aria-posinset={posinset}
      aria-selected={active}
      className={`lrow lrow-app${active ? ' active' : ''}${a.attributed ? '' : ' unattributed'}`}
      style={{ transform: `translateY(${top}px)` }}
      data-testid="live-app-row"
      data-app-key={a.key}
      onClick={() => actions.toggle(a.key)}
    >
      <div role="gridcell" className="cell-name">
        <Icon name="chevron" size={14} className={expanded ? 'chev open' : 'chev'} />
        <AppIcon name={app.label} attributed={a.attributed} />
        <span className="name-stack">
          <Text value={app.label} className="app-name" title={a.path ?? (a.attributed ? null : 'No process could be found for this traffic (it may have lived between two polls).')} />
          <Text value={a.path ?? (a.attributed ? '' : 'process not identified')} className="app-path" />
        </span>
      </div>
      <div role="gridcell" className="cell-summary" title={summaryTitle(app)}>
        <span>{`${conn} ${conn === 1 ? 'connection' : 'connections'}`}</span>
        {shownFlows !== conn ? <span className="muted">{` · ${shownFlows} match`}</span> : null}
        {pidText ? <span className="muted">{` · ${pidText}`}</span> : null}
      </div>
      <div role="gridcell" className="align-right num strong c-out">{formatRate(app.rateOut)}</div>
      <div role="gridcell" className="align-right num c-in">{formatRate(app.rateIn)}</div>
      <div role="gridcell" className="align-right num" title={app.partialBytes ? PARTIAL_TITLE : undefined}>
        {app.partialBytes ? <span className="muted">≥ </span> : null}
        {formatBytes(app.bytesOut)}
      </div>
      <div role="gridcell" className="align-right num" title={app.partialBytes ? PARTIAL_TITLE : undefined}>
        {app.partialBytes ? <span className="muted">≥ </span> : null}
        {formatBytes(app.bytesIn)}
      </div>
      <div role="gridcell" className="col-age" />
      <div role="gridcell" className="align-right">
        {blockRule ? (
          <BlockedCell ruleId={blockRule.id} rule={blockRule} fw={firewall} onUndo={() => actions.undo(blockRule.id)} label={app.label} />
        ) : (
          <button
            type="button"
            className="btn btn-small btn-ghost-danger"
            aria-label={`Block ${app.label}`}
            data-testid="block-app"
            onClick={(ev) => {
              ev.stopPropagation();
              actions.blockApp(app);
            }}
          >
            <Icon name="block" size={13} /> Block
          </button>
        )}
      </div>
    </div>
  );
});

const SCOPE_TAG: Partial<Record<LiveFlow['scope'], string>> = { lan: 'LAN', loopback: 'local', linklocal: 'link', multicast: 'mcast' };

export const FlowRowView = memo(function FlowRowView({
  app,
  flow,
  active,
  id,
  top,
  now,
  blocked,
  firewall,
  actions,
}: {
  app: ViewApp;
  flow: LiveFlow;
  active: boolean;
  id: string;
  top: number;
  now: number;
  blocked: { id: number; rule: Rule | null } | null;
  firewall: FirewallStatus | null;
  actions: RowActions;
}) {
  const dest = flow.host ?? flow.remote;
  const scopeTag = SCOPE_TAG[flow.scope];
  return (
    <div
      id={id}
      role="row"
      aria-level={2}
      aria-selected={active}
      className={`lrow lrow-flow${active ? ' active' : ''}${blocked ? ' is-blocked' : ''}`}
      style={{ transform: `translateY(${top}px)` }}
      data-testid="live-flow-row"
      data-remote={flow.remote}
    >
      <div role="gridcell" className="cell-dest">
        <Text value={dest} className="dest-host" title={`${flow.host ?? ''} ${flow.remote}:${flow.rport} (local ${flow.local}:${flow.lport})`} />
        {flow.host ? <span className="dest-addr mono">{flow.remote}</span> : null}
      </div>
      <div role="gridcell">
        {flow.country ? <span className="cc">{flow.country}</span> : scopeTag ? <span className="cc cc-local">{scopeTag}</span> : <span className="muted">—</span>}
      </div>
      <div role="gridcell" className="ellipsis col-org" title={flow.asn !== null ? `AS${flow.asn}` : undefined}>
        {flow.org ? <Text value={flow.org} /> : <span className="muted">{flow.asn !== null ? `AS${flow.asn}` : '—'}</span>}
      </div>
      <div role="gridcell" className="mono">{`${flow.rport}/${flow.proto}`}</div>
      <div role="gridcell" className="col-state">
        <span className="state">{flow.state}</span>
      </div>
      <div role="gridcell" className="align-right c-out">
        <Bytes value={flow.rateOut} rate />
      </div>
      <div role="gridcell" className="align-right c-in">
        <Bytes value={flow.rateIn} rate />
      </div>
      <div role="gridcell" className="align-right">
        <Bytes value={flow.bytesOut} />
      </div>
      <div role="gridcell" className="align-right">
        <Bytes value={flow.bytesIn} />
      </div>
      <div role="gridcell" className="align-right muted num col-age">{formatAge(flow.openedAt, now)}</div>
      <div role="gridcell" className="align-right">
        {blocked ? (
          <BlockedCell ruleId={blocked.id} rule={blocked.rule} fw={firewall} onUndo={() => actions.undo(blocked.id)} label={dest} />
        ) : (
          <button
            type="button"
            className="btn btn-small btn-ghost-danger"
            aria-label={`Block ${dest}`}
            data-testid="block-flow"
            onClick={(ev) => {
              ev.stopPropagation();
              actions.blockFlow(app, flow);
            }}
          >
            <Icon name="block" size={13} /> Block
          </button>
        )}
      </div>
    </div>
  );
});
