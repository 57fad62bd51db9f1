import { describe, expect, it } from 'vitest';
import './setup';
import { deriveApps } from '../../renderer/src/store/live-derive';
import { SETTLE_EVERY_MS, useLiveStore } from '../../renderer/src/store/live';
import { nextOrder, orderApps } from '../../renderer/src/store/live-order';
import { buildRows } from '../../renderer/src/views/live/rows';
import { app, flow, snapshot } from './fixtures';

const byRate = (rates: Record<string, number>) => Object.keys(rates).map((k) => ({ k, v: rates[k]! }));
const order = (items: { k: string; v: number | null }[], prev: string[] | undefined, mode: 'strict' | 'settle' | 'hold') =>
  nextOrder(items, (i) => i.k, (i) => i.v, 'desc', prev, mode);

describe('nextOrder', () => {
  it('strict sorts descending with unknown (null) last', () => {
    expect(order([{ k: 'a', v: 1 }, { k: 'b', v: null }, { k: 'c', v: 50 }], undefined, 'strict')).toEqual(['c', 'a', 'b']);
  });

  it('hold keeps known rows where they were and appends new ones sorted', () => {
    const prev = ['a', 'b', 'c'];
    const items = byRate({ a: 1, b: 500_000, c: 2, d: 9, e: 90 });
    expect(order(items, prev, 'hold')).toEqual(['a', 'b', 'c', 'e', 'd']);
  });

  it('hold drops rows that are gone', () => {
    expect(order(byRate({ c: 1, a: 2 }), ['a', 'b', 'c'], 'hold')).toEqual(['a', 'c']);
  });

  it('settle does not swap rows whose values are close (hysteresis)', () => {
    // 100 KB/s vs 110 KB/s: within 20% → keep previous order.
    expect(order(byRate({ a: 100_000, b: 110_000 }), ['a', 'b'], 'settle')).toEqual(['a', 'b']);
    // 1 KB/s vs 2.5 KB/s: within the absolute margin → keep.
    expect(order(byRate({ a: 1000, b: 2500 }), ['a', 'b'], 'settle')).toEqual(['a', 'b']);
  });

  it('settle does reorder clear differences', () => {
    expect(order(byRate({ a: 100_000, b: 300_000 }), ['a', 'b'], 'settle')).toEqual(['b', 'a']);
  });

  it('name sort is ascending and case-insensitive', () => {
    const snap = snapshot([app({ key: '1', name: 'zoom' }), app({ key: '2', name: 'Firefox' }), app({ key: '3', name: 'chromium' })]);
    const apps = deriveApps(snap, false);
    expect(orderApps(apps, { key: 'name', dir: 'asc' }, undefined, 'strict')).toEqual(['3', '2', '1']);
  });
});

describe('deriveApps (loopback)', () => {
  const mixed = app({
    key: '1',
    flows: [flow({ scope: 'internet', rateOut: 100, bytesOut: 1000 }), flow({ scope: 'loopback', remote: '127.0.0.1', rateOut: 900, bytesOut: 9000 })],
  });
  const onlyLocal = app({ key: '2', flows: [flow({ scope: 'loopback', remote: '::1' })] });
  const lan = app({ key: '3', flows: [flow({ scope: 'lan', remote: '192.168.1.10' })] });

  it('hides loopback by default, subtracting it from the group totals', () => {
    const [a, ...rest] = deriveApps(snapshot([mixed, onlyLocal, lan]), false);
    expect(a!.flows).toHaveLength(1);
    expect(a!.rateOut).toBe(100);
    expect(a!.bytesOut).toBe(1000);
    expect(a!.hiddenLoopback).toBe(1);
    // An app talking only to itself disappears; LAN traffic stays visible.
    expect(rest.map((x) => x.key)).toEqual(['3']);
  });

  it('shows everything when asked', () => {
    const apps = deriveApps(snapshot([mixed, onlyLocal, lan]), true);
    expect(apps.map((x) => x.key)).toEqual(['1', '2', '3']);
    expect(apps[0]!.rateOut).toBe(1000);
  });

  it('labels unattributed traffic honestly', () => {
    const u = app({ key: 'uid:1000', name: 'whatever', attributed: false, path: null, flows: [flow()] });
    expect(deriveApps(snapshot([u]), false)[0]!.label).toBe('Unattributed (uid 1000)');
    const v = app({ key: 'x', attributed: false, path: null, flows: [flow({ uid: null })] });
    expect(deriveApps(snapshot([v]), false)[0]!.label).toBe('Unattributed (uid unknown)');
  });

  it('marks totals as partial when some bytes are unknown', () => {
    const u = app({ key: '1', flows: [flow({ bytesOut: null, bytesIn: null, rateOut: null, rateIn: null, proto: 'udp' }), flow()] });
    expect(deriveApps(snapshot([u]), false)[0]!.partialBytes).toBe(true);
  });
});

describe('live store: stable rows', () => {
  const snapAt = (at: number, seq: number, rates: Record<string, number>) =>
    snapshot(
      Object.entries(rates).map(([k, r]) => app({ key: k, name: `app${k}`, flows: [flow({ key: `f${k}`, rateOut: r, rateIn: 0 })] })),
      { at, seq },
    );

  it('sorts the first snapshot strictly', () => {
    useLiveStore.getState().applySnapshot(snapAt(10_000, 1, { '1': 10, '2': 50_000, '3': 900_000 }));
    expect(useLiveStore.getState().order).toEqual(['3', '2', '1']);
  });

  it('holds the order while the user reads, and says a re-sort is available', () => {
    const s = useLiveStore.getState();
    s.applySnapshot(snapAt(10_000, 1, { '1': 900_000, '2': 500_000 }));
    s.setHold(true);
    s.applySnapshot(snapAt(20_000, 2, { '1': 1, '2': 900_000, '3': 5 }));
    expect(useLiveStore.getState().order).toEqual(['1', '2', '3']);
    expect(useLiveStore.getState().orderStale).toBe(true);
    useLiveStore.getState().resort();
    expect(useLiveStore.getState().order).toEqual(['2', '3', '1']);
    expect(useLiveStore.getState().orderStale).toBe(false);
  });

  it('re-settles on its own at most every few seconds', () => {
    const s = useLiveStore.getState();
    s.applySnapshot(snapAt(10_000, 1, { '1': 900_000, '2': 500_000 }));
    s.applySnapshot(snapAt(10_000 + 1000, 2, { '1': 1, '2': 900_000 }));
    expect(useLiveStore.getState().order).toEqual(['1', '2']); // too soon
    s.applySnapshot(snapAt(10_000 + SETTLE_EVERY_MS, 3, { '1': 1, '2': 900_000 }));
    expect(useLiveStore.getState().order).toEqual(['2', '1']);
  });

  it('re-sorting by the user is immediate and toggles direction', () => {
    const s = useLiveStore.getState();
    s.applySnapshot(snapAt(10_000, 1, { '1': 10, '2': 20 }));
    s.setSort('name');
    expect(useLiveStore.getState().order).toEqual(['1', '2']);
    s.setSort('name');
    expect(useLiveStore.getState().sort).toEqual({ key: 'name', dir: 'desc' });
    expect(useLiveStore.getState().order).toEqual(['2', '1']);
  });

  it('ignores an older snapshot arriving late', () => {
    const s = useLiveStore.getState();
    s.applySnapshot(snapAt(20_000, 5, { '1': 1 }));
    s.applySnapshot(snapAt(10_000, 4, { '9': 1 }));
    expect(useLiveStore.getState().snapshot!.seq).toBe(5);
  });

  it('one store update per snapshot', () => {
    let updates = 0;
    const off = useLiveStore.subscribe(() => updates++);
    useLiveStore.getState().applySnapshot(snapAt(10_000, 1, { '1': 1, '2': 2 }));
    useLiveStore.getState().applySnapshot(snapAt(11_000, 2, { '1': 3, '2': 4 }));
    off();
    expect(updates).toBe(2);
  });
});

describe('buildRows (filter and expansion)', () => {
  const snap = snapshot([
    app({ key: '1', name: 'firefox', flows: [flow({ key: 'a', host: 'example.org' }), flow({ key: 'b', host: 'fonts.gstatic.com', country: 'US', rport: 8443 })] }),
    app({ key: '2', name: 'slack', flows: [flow({ key: 'c', host: 'slack.com' })] }),
  ]);
  const prepare = (filter: string, expanded: string[] = []) => {
    useLiveStore.getState().applySnapshot(snap);
    const s = useLiveStore.getState();
    return buildRows(s.apps, s.order, s.sortedFlows, new Set(expanded), filter);
  };

  it('groups collapsed by default; expanding shows each destination', () => {
    expect(prepare('').map((r) => r.kind)).toEqual(['app', 'app']);
    const rows = prepare('', ['1']);
    expect(rows.map((r) => r.kind)).toEqual(['app', 'flow', 'flow', 'app']);
  });

  it('an app-name match shows the app (collapsed), a destination match opens its group with only matching rows', () => {
    expect(prepare('slack').map((r) => r.key)).toEqual(['a:2']);
    const rows = prepare('gstatic');
    expect(rows.map((r) => r.kind)).toEqual(['app', 'flow']);
    expect(rows[0]).toMatchObject({ kind: 'app', expanded: true, shownFlows: 1 });
  });

  it('matches country codes and ports exactly, and nothing else', () => {
    expect(prepare('us').filter((r) => r.kind === 'flow')).toHaveLength(1);
    expect(prepare('8443').filter((r) => r.kind === 'flow')).toHaveLength(1);
    expect(prepare('nothing-like-this')).toEqual([]);
  });
});
