import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../electron/store/db';
import { FlowsTable } from '../../electron/store/queries/flows';
import { appSummaries, destinations, historyPage, series } from '../../electron/store/queries/reports';
import { daysRolledUntil, MINUTE_RETENTION_DAYS, minuteHorizon, pruneBatch, rolledUntil, rollUpHours } from '../../electron/store/queries/retention';
import { planSlices, tierState } from '../../electron/store/queries/tiers';
import { HOUR, MINUTE } from '../../electron/store/queries/traffic';
import { expectAppTotals, writeSyntheticTraffic, type SyntheticTraffic, type TrafficRow } from '../helpers/synthetic-traffic';

// Reports answer long ranges from daily and hourly roll-ups and the edges from minute buckets
// (electron/store/queries/tiers.ts). Whatever the range, every byte must be counted exactly once:
// checked against a ground truth kept in memory, on a database with real roll-ups and pruning.

const DAY = 24 * HOUR;
const START = Date.UTC(2026, 9, 3, 5, 17);
const DAYS = 10;
const END = START + DAYS * DAY;

type Row = TrafficRow;

let fx: SyntheticTraffic;
let db: Db;
let truth: Row[];
let appIds: number[];
let remoteInfo: SyntheticTraffic['remoteInfo'];

beforeAll(() => {
  fx = writeSyntheticTraffic({
    prefix: 'outflow-tiers-',
    start: START,
    end: END,
    apps: ['browser', 'sync', 'updater'],
    dests: [
      ['198.18.1.1', 'internet', 'NL'],
      ['198.18.1.2', 'internet', 'DE'],
      ['2001:db8::5', 'internet', 'US'],
      ['198.19.0.9', 'lan', null],
      ['127.0.0.1', 'loopback', null],
    ],
    seed: 12345,
    gap: { min: 20_000, spread: 160_000 },
    mixPorts: true,
  });
  ({ db, truth, appIds, remoteInfo } = fx);
  const remoteIds = fx.remoteIds;
  // One connection at the start, so history totals cover the whole period.
  new FlowsTable(db).insert({
    appId: appIds[0]!,
    processId: null,
    uid: 1000,
    proto: 'tcp',
    local: '198.18.0.10',
    lport: 40000,
    remoteId: remoteIds[0]!,
    rport: 443,
    openedAt: START,
    closedAt: START + 1000,
    bytesOut: 1,
    bytesIn: 1,
    sockKey: null,
    cumOut: null,
    cumIn: null,
  });
  // What the engine's maintenance does over time: roll up, then prune (minutes after MINUTE_RETENTION_DAYS).
  for (let i = 0; i < 50; i++) rollUpHours(db, END + HOUR, 1000);
  for (let i = 0; i < 500; i++) if (pruneBatch(db, END, { retentionDays: 30, hourlyRetentionDays: 365, dailyRetentionDays: 730 }).minutes === 0) break;
});
afterAll(() => fx.close());

const ctx = () => ({ now: END, costPerGb: 0.09, minuteHorizon: minuteHorizon(db) });
const inRange = (r: Row, since: number, until: number): boolean => r.minute >= Math.floor(since / MINUTE) * MINUTE && r.minute < until;
const sum = (rows: Row[], f: (r: Row) => number): number => rows.reduce((s, r) => s + f(r), 0);

/** Ranges whose edges are exact for the data held: minute edges where minutes are held, hour edges before. */
const range = fc
  .tuple(fc.integer({ min: -HOUR, max: DAYS * DAY + HOUR }), fc.integer({ min: 1, max: DAYS * DAY }))
  .map(([a, len]) => {
    const held = minuteHorizon(db);
    const align = (t: number): number => (t < held ? Math.floor(t / HOUR) * HOUR : Math.floor(t / MINUTE) * MINUTE);
    const since = align(START + a);
    const until = align(START + a + len);
    return { since, until: Math.max(since + (since < held ? HOUR : MINUTE), until) };
  });

describe('reports over day, hour and minute tiers', () => {
  it('held the shape the test needs: days and hours rolled up, minutes pruned after MINUTE_RETENTION_DAYS', () => {
    expect(daysRolledUntil(db)).toBeGreaterThan(START + 7 * DAY);
    expect(rolledUntil(db)).toBeGreaterThan(END - 2 * HOUR);
    expect(minuteHorizon(db)).toBeGreaterThan(START + 2 * DAY);
    expect(minuteHorizon(db)).toBeLessThanOrEqual(END - MINUTE_RETENTION_DAYS * DAY + HOUR);
    const tiers = new Set(planSlices(tierState(db), START, END).map((s) => s.tier));
    expect([...tiers].sort()).toEqual(['day', 'hour', 'minute']);
  });

  it('plans slices that tile the range without gaps or overlap', () => {
    fc.assert(
      fc.property(range, ({ since, until }) => {
        const slices = planSlices(tierState(db), since, until);
        for (let i = 1; i < slices.length; i++) expect(slices[i]!.from).toBe(slices[i - 1]!.to);
        expect(slices[0]!.from).toBeLessThanOrEqual(since);
        expect(slices[slices.length - 1]!.to).toBe(until);
      }),
      { numRuns: 300 },
    );
  });

  it('per-app totals, destinations, series and history totals equal the ground truth for any range', () => {
    fc.assert(
      fc.property(range, fc.boolean(), ({ since, until }, loopback) => {
        const rows = truth.filter((r) => inRange(r, since, until));
        const shown = rows.filter((r) => loopback || remoteInfo.get(r.remote)!.scope !== 'loopback');
        const summaries = appSummaries(db, ctx(), { since, until, includeLoopback: loopback });
        for (const app of appIds) {
          const mine = shown.filter((r) => r.app === app);
          const got = summaries.find((s) => s.id === app);
          expectAppTotals(got, mine, (r) => remoteInfo.get(r.remote)!.scope === 'internet');
          const dests = destinations(db, ctx(), { appId: app, since, until, limit: 50 });
          for (const [id, info] of remoteInfo) {
            const d = dests.find((x) => x.remote === info.addr);
            const expected = rows.filter((r) => r.app === app && r.remote === id);
            expect(d?.bytesOut ?? 0).toBe(sum(expected, (r) => r.out));
            if (d) expect(d.ports).toEqual([...new Set(expected.map((r) => r.rport))].sort((a, b) => a - b));
          }
        }
        const hourly = series(db, ctx(), { since, until, bucket: 'hour' }).points;
        expect(sum(hourly.map((p) => ({ out: p.bytesOut }) as Row), (r) => r.out)).toBe(sum(rows, (r) => r.out));
        const totals = historyPage(db, { since, until, includeLoopback: loopback, limit: 1, offset: 0 }, END).totals;
        expect(totals).toEqual({ count: sum(shown, (r) => r.flows), bytesOut: sum(shown, (r) => r.out), bytesIn: sum(shown, (r) => r.in) });
      }),
      { numRuns: 120 },
    );
  });

  it('history totals honour every filter (port, protocol, country, host, text, app)', () => {
    const browser = appIds[0]!;
    fc.assert(
      fc.property(
        range,
        fc.constantFrom(
          { q: { port: 53 }, keep: (r: Row) => r.rport === 53 },
          { q: { proto: 'udp' as const }, keep: (r: Row) => r.proto === 'udp' },
          { q: { country: 'nl' }, keep: (r: Row) => remoteInfo.get(r.remote)!.country === 'NL' },
          { q: { host: '2001:db8' }, keep: (r: Row) => remoteInfo.get(r.remote)!.addr.startsWith('2001:db8') },
          { q: { q: 'DE' }, keep: (r: Row) => remoteInfo.get(r.remote)!.country === 'DE' },
          { q: { q: 'sync' }, keep: (r: Row) => r.app === appIds[1] },
          { q: { app: 'updat' }, keep: (r: Row) => r.app === appIds[2] },
          { q: { appId: browser, port: 443 }, keep: (r: Row) => r.app === browser && r.rport === 443 },
        ),
        ({ since, until }, f) => {
          const rows = truth.filter((r) => inRange(r, since, until) && remoteInfo.get(r.remote)!.scope !== 'loopback' && f.keep(r));
          const totals = historyPage(db, { since, until, limit: 1, offset: 0, ...f.q }, END).totals;
          expect(totals).toEqual({ count: sum(rows, (r) => r.flows), bytesOut: sum(rows, (r) => r.out), bytesIn: sum(rows, (r) => r.in) });
        },
      ),
      { numRuns: 200 },
    );
  });
});
