import { useEffect, useMemo } from 'react';
import type { Alert, AlertKind } from '../../../../electron/shared/types';
import { EmptyState } from '../../components/EmptyState';
import { Icon, type IconName } from '../../components/Icon';
import { Switch } from '../../components/Switch';
import { Text } from '../../components/Text';
import { VirtualTable, type Column } from '../../components/VirtualTable';
import { formatDateTime, formatTime } from '../../format/time';
import { unseenCount, useAlertsStore } from '../../store/alerts';
import { useSettingsStore } from '../../store/settings';
import { ErrorNote } from '../../components/ErrorNote';

const KIND: Record<AlertKind, { label: string; icon: IconName; tone: string }> = {
  'new-app': { label: 'New app', icon: 'apps', tone: 'info' },
  'new-destination': { label: 'New destination', icon: 'globe', tone: 'info' },
  spike: { label: 'Spike', icon: 'up', tone: 'warn' },
  blocked: { label: 'Blocked', icon: 'block', tone: 'danger' },
  'changed-binary': { label: 'Binary changed', icon: 'warn', tone: 'warn' },
  'enforcement-lost': { label: 'Enforcement lost', icon: 'rules', tone: 'danger' },
  summary: { label: 'Summary', icon: 'history', tone: 'info' },
};

function AlertActions({ alert, muted }: { alert: Alert; muted: boolean }) {
  const markSeen = useAlertsStore((s) => s.markSeen);
  const mute = useAlertsStore((s) => s.mute);
  return (
    <span className="row-actions">
      {!alert.seen ? (
        <button type="button" className="btn btn-small" onClick={() => void markSeen([alert.id])} data-testid="alert-seen" aria-label={`Mark “${alert.title}” as seen`}>
          <Icon name="check" size={13} /> Seen
        </button>
      ) : null}
      {alert.appId !== null ? (
        <button
          type="button"
          className={muted ? 'btn btn-small btn-primary' : 'btn btn-small'}
          aria-pressed={muted}
          onClick={() => void mute(alert.appId!, !muted)}
          data-testid="alert-mute"
          aria-label={`${muted ? 'Unmute' : 'Mute'} alerts from ${alert.appName ?? 'this app'}`}
        >
          <Icon name="mute" size={13} /> {muted ? 'Muted' : 'Mute app'}
        </button>
      ) : null}
    </span>
  );
}

export function AlertsView() {
  const alerts = useAlertsStore((s) => s.alerts);
  const unseenOnly = useAlertsStore((s) => s.unseenOnly);
  const loaded = useAlertsStore((s) => s.loaded);
  const error = useAlertsStore((s) => s.error);
  const load = useAlertsStore((s) => s.load);
  const setUnseenOnly = useAlertsStore((s) => s.setUnseenOnly);
  const markAllSeen = useAlertsStore((s) => s.markAllSeen);
  const mutedIds = useSettingsStore((s) => s.settings?.mutedAppIds);

  useEffect(() => {
    void load();
  }, [load]);

  const muted = useMemo(() => new Set(mutedIds ?? []), [mutedIds]);
  const rows = useMemo(() => (unseenOnly ? alerts.filter((a) => !a.seen) : alerts), [alerts, unseenOnly]);
  const unseen = unseenCount(alerts);

  const columns = useMemo<Column<Alert>[]>(
    () => [
      {
        id: 'kind',
        header: 'Kind',
        width: '170px',
        cell: (a) => (
          <span className={`kind kind-${KIND[a.kind].tone}`}>
            {!a.seen ? <span className="unseen-dot" aria-label="unseen" /> : null}
            <Icon name={KIND[a.kind].icon} size={14} /> {KIND[a.kind].label}
          </span>
        ),
      },
      {
        id: 'what',
        header: 'Alert',
        width: 'minmax(240px, 2fr)',
        cell: (a) => (
          <span className="name-stack">
            <Text value={a.title} className={a.seen ? '' : 'strong'} />
            <Text value={a.detail} className="app-path" title={a.detail} />
          </span>
        ),
      },
      {
        id: 'app',
        header: 'App',
        width: 'minmax(120px, 1fr)',
        cell: (a) => (
          <span className="name-stack">
            {a.appName ? <Text value={a.appName} /> : <span className="muted">—</span>}
            {a.appId !== null && muted.has(a.appId) ? <span className="tag">muted</span> : null}
          </span>
        ),
      },
      {
        id: 'count',
        header: 'Count',
        width: '110px',
        align: 'right',
        cell: (a) => (
          <span className="name-stack align-right">
            <span className="num">{a.count > 1 ? `×${a.count}` : '1'}</span>
            {!a.notified ? <span className="app-path" title="Recorded without a notification (learning period, mute, quiet hours or rate cap).">not notified</span> : null}
          </span>
        ),
      },
      { id: 'at', header: 'When', width: '120px', align: 'right', cell: (a) => <span className="num muted" title={formatDateTime(a.at)}>{formatTime(a.at)}</span> },
      { id: 'actions', header: 'Actions', width: '200px', align: 'right', cell: (a) => <AlertActions alert={a} muted={a.appId !== null && muted.has(a.appId)} /> },
    ],
    [muted],
  );

  return (
    <section className="panel alerts" aria-label="Alerts">
      <div className="toolbar">
        <Switch checked={unseenOnly} onChange={(v) => void setUnseenOnly(v)} label="Unseen only" testId="alerts-unseen-only" />
        <span className="muted small">{`${unseen} unseen`}</span>
        <div className="spacer" />
        <button type="button" className="btn" disabled={unseen === 0} onClick={() => void markAllSeen()} data-testid="alerts-mark-all">
          <Icon name="check" size={14} /> Mark all seen
        </button>
      </div>
      <ErrorNote error={error} />
      <VirtualTable
        rows={rows}
        columns={columns}
        rowKey={(a) => String(a.id)}
        label="Alerts"
        rowHeight={56}
        testId="alerts-table"
        rowTestId="alert-row"
        rowClassName={(a) => (a.seen ? 'dim' : undefined)}
        empty={
          <EmptyState icon="bell" title={unseenOnly && alerts.length > 0 ? 'All caught up' : loaded ? 'No alerts' : 'Loading alerts…'}>
            {loaded ? 'Outflow alerts you when a new app goes online, an app reaches a new destination, traffic spikes or a block hits. Tune them in Settings.' : null}
          </EmptyState>
        }
      />
    </section>
  );
}
