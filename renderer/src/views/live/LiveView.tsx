import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { LiveFlow } from '../../../../electron/shared/types';
import { toApiError } from '../../api/client';
import { EmptyState } from '../../components/EmptyState';
import { handleGridKey } from '../../components/grid-keys';
import { Icon } from '../../components/Icon';
import { SearchBox } from '../../components/SearchBox';
import { Segmented } from '../../components/Segmented';
import { Switch } from '../../components/Switch';
import { formatTime } from '../../format/time';
import { useEngineStore } from '../../store/engine';
import { useLiveStore } from '../../store/live';
import type { ViewApp } from '../../store/live-derive';
import type { SortKey } from '../../store/live-order';
import { useRulesStore } from '../../store/rules';
import { useUiStore } from '../../store/ui';
import { LIVE_HEADERS } from './columns';
import { AppRowView, FlowRowView, type RowActions } from './LiveRows';
import { buildRows, type LiveRow } from './rows';
import { appBlockRule, flowBlockRule } from './rule-match';
import { ErrorNote } from '../../components/ErrorNote';

const APP_ROW = 52;
const SLOT_POOL = 160;
const FLOW_ROW = 36;
const SORTS: readonly { value: SortKey; label: string }[] = [
  { value: 'rate', label: 'Rate' },
  { value: 'bytes', label: 'Total' },
  { value: 'name', label: 'Name' },
];
const MODE_LABEL = { precise: 'Precise mode', polling: 'Polling mode', unsupported: 'Not supported here' } as const;
const NO_NOTES: readonly string[] = [];
export const LIVE_RENDER_MEASURE = 'outflow:live-render';
export const LIVE_LATENCY_MEASURE = 'outflow:live-latency';

function measure(name: string, start: number, end: number): void {
  if (typeof performance === 'undefined' || typeof performance.measure !== 'function') return;
  try {
    performance.measure(name, { start, end });
    // Bounded: one entry per tick would otherwise grow for as long as the window is open.
    if (performance.getEntriesByName(name).length > 500) performance.clearMeasures(name);
  } catch {
    // User Timing unavailable (test environments): the measurement is optional.
  }
}

function LiveToolbar() {
  const filter = useLiveStore((s) => s.filter);
  const setFilter = useLiveStore((s) => s.setFilter);
  const sort = useLiveStore((s) => s.sort);
  const setSort = useLiveStore((s) => s.setSort);
  const showLoopback = useLiveStore((s) => s.showLoopback);
  const setShowLoopback = useLiveStore((s) => s.setShowLoopback);
  const paused = useLiveStore((s) => s.snapshot?.paused ?? false);
  const mode = useLiveStore((s) => s.snapshot?.mode ?? null);
  const intervalMs = useLiveStore((s) => s.snapshot?.intervalMs ?? null);
  const pausing = useLiveStore((s) => s.pausing);
  const setPaused = useLiveStore((s) => s.setPaused);
  const stale = useLiveStore((s) => s.orderStale);
  const resort = useLiveStore((s) => s.resort);
  const notes = useEngineStore((s) => s.status?.collector.notes ?? NO_NOTES);
  return (
    <div className="toolbar">
      <SearchBox value={filter} onChange={setFilter} label="Filter connections" placeholder="Filter apps, hosts, addresses, ports…" testId="live-filter" />
      <Segmented options={SORTS} value={sort.key} onChange={(k) => setSort(k)} label="Sort by" testId="live-sort" />
      <Switch checked={showLoopback} onChange={setShowLoopback} label="Loopback" hint="Show connections to this computer itself (127.0.0.1, ::1)" testId="live-loopback" />
      <div className="spacer" />
      {stale ? (
        <button type="button" className="chip" onClick={resort} title="Rows keep their place while you read. Click to sort now.">
          <Icon name="refresh" size={13} /> Order held · Re-sort
        </button>
      ) : null}
      {mode ? (
        <span className={`pill pill-${mode}`} title={notes.join('\n') || undefined} data-testid="live-mode">
          <span className="dot" aria-hidden="true" />
          {MODE_LABEL[mode]}
          {intervalMs ? <span className="muted">{` · every ${intervalMs >= 1000 ? `${intervalMs / 1000} s` : `${intervalMs} ms`}`}</span> : null}
        </span>
      ) : null}
      <button type="button" className={paused ? 'btn btn-primary' : 'btn'} disabled={pausing || !mode} onClick={() => void setPaused(!paused)} aria-pressed={paused} data-testid="live-pause"
        title={paused ? 'Monitoring is paused: nothing is recorded until you resume' : 'Stop recording traffic until you resume (rules stay enforced)'}>
        <Icon name={paused ? 'play' : 'pause'} size={14} /> {paused ? 'Resume monitoring' : 'Pause monitoring'}
      </button>
    </div>
  );
}

function useRowActions(): RowActions {
  const toggle = useLiveStore((s) => s.toggleExpanded);
  const openBlock = useUiStore((s) => s.openBlock);
  const notify = useUiStore((s) => s.notify);
  const remove = useRulesStore((s) => s.remove);
  return useMemo<RowActions>(
    () => ({
      toggle,
      blockApp: (app: ViewApp) => openBlock({ appName: app.label, appPath: app.app.path, attributed: app.app.attributed, flow: null }),
      blockFlow: (app: ViewApp, flow: LiveFlow) =>
        openBlock({ appName: app.label, appPath: app.app.path, attributed: app.app.attributed, flow: { remote: flow.remote, rport: flow.rport, proto: flow.proto, host: flow.host } }),
      undo: (id: number) => {
        remove(id).then(
          () => notify({ kind: 'info', text: 'Block removed.' }),
          (err: unknown) => notify({ kind: 'error', text: `Could not remove the rule: ${toApiError(err).message}` }),
        );
      },
    }),
    [toggle, openBlock, notify, remove],
  );
}

function LiveList({ rows }: { rows: LiveRow[] }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const baseId = useId();
  const [activeKey, setActiveKey] = useState<string | null>(null);
  const setHold = useLiveStore((s) => s.setHold);
  const setExpanded = useLiveStore((s) => s.setExpanded);
  const toggle = useLiveStore((s) => s.toggleExpanded);
  const snapshotAt = useLiveStore((s) => s.snapshot?.at ?? 0);
  const rules = useRulesStore((s) => s.rules);
  const firewall = useEngineStore((s) => s.status?.firewall ?? null);
  const actions = useRowActions();
  // Ages advance with each snapshot (not a separate timer), so the list renders once per tick.
  const now = snapshotAt;

  const getItemKey = useCallback((i: number) => rows[i]?.key ?? i, [rows]);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => (rows[i]?.kind === 'app' ? APP_ROW : FLOW_ROW),
    getItemKey,
    overscan: 10,
    initialRect: { width: 1000, height: 700 },
  });

  const activeIndex = activeKey === null ? -1 : rows.findIndex((r) => r.key === activeKey);
  const moveTo = (i: number): void => {
    const r = rows[i];
    if (!r) return;
    setActiveKey(r.key);
    virtualizer.scrollToIndex(i, { align: 'auto' });
  };
  const parentIndex = (i: number): number => {
    for (let j = i; j >= 0; j--) if (rows[j]?.kind === 'app') return j;
    return -1;
  };
  const blockRow = (i: number): void => {
    const r = rows[i];
    if (!r) return;
    if (r.kind === 'app') actions.blockApp(r.app);
    else actions.blockFlow(r.app, r.flow);
  };

  let appPos = 0;
  const items = virtualizer.getVirtualItems();
  const recycle = items.length <= SLOT_POOL;
  return (
    <div
      className="ltable"
      role="treegrid"
      aria-label="Outbound connections by app"
      aria-rowcount={rows.length + 1}
      aria-activedescendant={activeIndex >= 0 ? `${baseId}-${activeIndex}` : undefined}
      tabIndex={0}
      data-testid="live-table"
      onFocus={() => setHold(true)}
      onBlur={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setHold(false);
      }}
      onPointerEnter={() => setHold(true)}
      onPointerLeave={() => setHold(false)}
      onKeyDown={(e) =>
        handleGridKey(e, {
          count: rows.length,
          active: activeIndex,
          pageSize: Math.max(1, Math.floor((scrollRef.current?.clientHeight || 600) / FLOW_ROW) - 1),
          setActive: moveTo,
          onEnter: (i) => {
            const r = rows[i];
            if (r?.kind === 'app') toggle(r.app.key);
          },
          onRight: (i) => {
            const r = rows[i];
            if (r?.kind === 'app') {
              if (!r.expanded) setExpanded(r.app.key, true);
              else if (rows[i + 1]?.kind === 'flow') moveTo(i + 1);
            }
          },
          onLeft: (i) => {
            const r = rows[i];
            if (r?.kind === 'app') setExpanded(r.app.key, false);
            else moveTo(parentIndex(i));
          },
          onOther: (key, i) => {
            if (key === 'b' || key === 'B') {
              blockRow(i);
              return true;
            }
            return false;
          },
        })
      }
    >
      <div className="lrow lhead" role="row">
        {LIVE_HEADERS.map((h) => (
          <div key={h.id} role="columnheader" className={`align-${h.align}${h.className ? ` ${h.className}` : ''}`}>
            {h.label}
          </div>
        ))}
      </div>
      <div className="lscroll" ref={scrollRef} role="rowgroup">
        <div role="presentation" style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((v) => {
            const row = rows[v.index]!;
            // Keyed by slot (index modulo a pool larger than any viewport), not by flow: when the
            // order changes between ticks the row elements are reused and only their text changes,
            // and scrolling by one row still touches only one slot.
            const slot = recycle ? `s${v.index % SLOT_POOL}` : row.key;
            const id = `${baseId}-${v.index}`;
            const active = v.index === activeIndex;
            if (row.kind === 'app') {
              appPos += 1;
              return (
                <AppRowView
                  key={slot}
                  id={id}
                  top={v.start}
                  app={row.app}
                  expanded={row.expanded}
                  shownFlows={row.shownFlows}
                  active={active}
                  blockRule={appBlockRule(rules, row.app.app.path)}
                  firewall={firewall}
                  actions={actions}
                  posinset={appPos}
                />
              );
            }
            return (
              <FlowRowView
                key={slot}
                id={id}
                top={v.start}
                app={row.app}
                flow={row.flow}
                active={active}
                now={now}
                blocked={flowBlockRule(rules, row.flow, row.app.app.path, snapshotAt)}
                firewall={firewall}
                actions={actions}
              />
            );
          })}
        </div>
      </div>
    </div>
  );
}

function LiveFooter({ apps, flows }: { apps: number; flows: number }) {
  const at = useLiveStore((s) => s.snapshot?.at ?? null);
  const paused = useLiveStore((s) => s.snapshot?.paused ?? false);
  return (
    <div className="footer-line" aria-live="off">
      <span>{`${apps} ${apps === 1 ? 'app' : 'apps'} · ${flows} ${flows === 1 ? 'connection' : 'connections'}`}</span>
      <span className="muted">{paused ? 'Paused — the list is frozen' : at ? `Updated ${formatTime(at)}` : ''}</span>
      <span className="muted kbd-hint">↑↓ move · → ← open/close · Enter toggle · B block</span>
    </div>
  );
}

export function LiveView() {
  const snapshot = useLiveStore((s) => s.snapshot);
  const apps = useLiveStore((s) => s.apps);
  const order = useLiveStore((s) => s.order);
  const sortedFlows = useLiveStore((s) => s.sortedFlows);
  const expanded = useLiveStore((s) => s.expanded);
  const filter = useLiveStore((s) => s.filter);
  const showLoopback = useLiveStore((s) => s.showLoopback);
  const setFilter = useLiveStore((s) => s.setFilter);
  const setShowLoopback = useLiveStore((s) => s.setShowLoopback);
  const error = useLiveStore((s) => s.error);
  const connection = useEngineStore((s) => s.connection.status);

  const rows = useMemo(() => buildRows(apps, order, sortedFlows, expanded, filter), [apps, order, sortedFlows, expanded, filter]);
  const flowCount = useMemo(() => {
    let n = 0;
    for (const a of apps.values()) n += a.flows.length;
    return n;
  }, [apps]);

  // Performance budget (2 000 flows in < 16 ms of scripting): React's render + commit of this view is
  // measured from here to the layout effect; the store measures derive/sort separately, and
  // arrival → committed DOM (which also includes time queued behind other tasks) is a third entry.
  const renderStart = typeof performance !== 'undefined' ? performance.now() : 0;
  useLayoutEffect(() => {
    const end = performance.now();
    measure(LIVE_RENDER_MEASURE, renderStart, end);
    const arrived = useLiveStore.getState().applyStartedAt;
    if (arrived !== null) measure(LIVE_LATENCY_MEASURE, arrived, end);
    // Only snapshots are measured, not unrelated re-renders.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [snapshot]);

  useEffect(() => () => useLiveStore.getState().setHold(false), []);

  let body;
  if (!snapshot) {
    body = (
      <EmptyState icon="live" title={connection === 'open' ? 'Waiting for the first snapshot…' : 'Not connected to the engine'} testId="live-empty">
        {connection === 'open' ? 'Connections appear here within a second of the first poll.' : 'Live traffic appears as soon as the engine is reachable.'}
      </EmptyState>
    );
  } else if (snapshot.apps.length === 0) {
    body = (
      <EmptyState icon="globe" title="No outbound connections right now" testId="live-empty">
        {snapshot.mode === 'unsupported'
          ? 'Outflow cannot observe connections on this system; see Settings → Diagnostics for why.'
          : 'Apps that talk to the network appear here within a second. Open a web page to see it work.'}
      </EmptyState>
    );
  } else if (rows.length === 0) {
    body = filter ? (
      <EmptyState icon="search" title={`Nothing matches “${filter}”`} testId="live-empty">
        <button type="button" className="btn" onClick={() => setFilter('')}>
          Clear filter
        </button>
      </EmptyState>
    ) : (
      <EmptyState icon="globe" title="Only loopback traffic right now" testId="live-empty">
        {!showLoopback ? (
          <button type="button" className="btn" onClick={() => setShowLoopback(true)}>
            Show loopback
          </button>
        ) : null}
      </EmptyState>
    );
  } else {
    body = <LiveList rows={rows} />;
  }

  return (
    <section className="panel live" aria-label="Live connections">
      <LiveToolbar />
      <ErrorNote error={error} />
      {body}
      <LiveFooter apps={apps.size} flows={flowCount} />
    </section>
  );
}
