import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costSummary } from '../../electron/insight/cost';
import type { AddressScope } from '../../electron/shared/types';
import type { Db } from '../../electron/store/db';
import { appSummaries, destinations, series, totalsSince } from '../../electron/store/queries/reports';
import { dayHorizon, daysRolledUntil, hourHorizon, minuteHorizon, pruneBatch, rollUpHours } from '../../electron/store/queries/retention';
import { planSlices, tierState, type Tier } from '../../electron/store/queries/tiers';
import { HOUR, MINUTE } from '../../electron/store/queries/traffic';
import { expectAppTotals, writeSyntheticTraffic, type SyntheticTraffic, type TrafficRow } from '../helpers/synthetic-traffic';

// Each tier kept for its own retention, as the defaults do (connections 3 days, minutes 2, hours 90,
// days 730), scaled down: minutes 2 days, hours 12, days 30, over 40 days of traffic. Whatever the
// range, every byte still held must be counted exactly once — by the days where the hours are gone,
// the hours where the minutes are gone — checked against a ground truth kept in memory.

const DAY = 24 * HOUR;
const START = Date.UTC(2026, 8, 20, 5, 17);
const END = START + 40 * DAY;
const KEEP = { retentionDays: 3, hourlyRetentionDays: 12, dailyRetentionDays: 30 };

type Row = TrafficRow;

let fx: SyntheticTraffic;
let db: Db;
let truth: Row[];
let appIds: number[];
const scopes = new Map<number, AddressScope>();
const addrs = new Map<number, string>();

beforeAll(() => {
  fx = writeSyntheticTraffic({
    prefix: 'outflow-pruned-tiers-',
    start: START,
    end: END,
    apps: ['browser', 'sync'],
    dests: [
      ['198.18.1.1', 'internet', null],
      ['198.18.1.2', 'internet', null],
      ['198.19.0.9', 'lan', null],
      ['127.0.0.1', 'loopback', null],
    ],
    seed: 4242,
    gap: { min: 60_000, spread: 400_000 },
    mixPorts: false,
  });
  ({ db, truth, appIds } = fx);
  for (const [id, info] of fx.remoteInfo) {
    scopes.set(id, info.scope);
    addrs.set(id, info.addr);
  }
  // The engine's maintenance, once a simulated hour over the 40 days: roll up, then prune.
  for (let now = START + HOUR; now <= END; now += HOUR) {
    rollUpHours(db, now, 1000);
    pruneBatch(db, now, KEEP);
  }
  for (let before = -1; rollUpHours(db, END, 1000) > 0 || daysRolledUntil(db) !== before; ) before = daysRolledUntil(db);
  for (let i = 0; i < 100; i++) pruneBatch(db, END, KEEP);
});
afterAll(() => fx.close());

const ctx = () => ({ now: END, costPerGb: 0.09, minuteHorizon: minuteHorizon(db) });
const sum = (rows: Row[], f: (r: Row) => number): number => rows.reduce((s, r) => s + f(r), 0);

/**
 * Ranges whose edges are exact for the data held: day edges before the oldest hour, hour edges before
 * the first whole hour of minutes (cost reports take the hour the oldest minute is in from the hours),
 * minute edges after. They may start before the oldest day: that traffic is gone.
 */
const range = fc.tuple(fc.integer({ min: -DAY, max: 40 * DAY }), fc.integer({ min: 1, max: 40 * DAY })).map(([a, len]) => {
  const hours = hourHorizon(db);
  const minutes = Math.ceil(minuteHorizon(db) / HOUR) * HOUR;
  const align = (t: number): number => Math.floor(t / (t < hours ? DAY : t < minutes ? HOUR : MINUTE)) * (t < hours ? DAY : t < minutes ? HOUR : MINUTE);
  const since = align(START + a);
  return { since, until: Math.max(since + (since < hours ? DAY : since < minutes ? HOUR : MINUTE), align(START + a + len)) };
});
/** What is still held of [since, until): nothing before the oldest day. */
const held = (since: number, until: number): Row[] => {
  const from = Math.max(since, dayHorizon(db));
  return truth.filter((r) => r.minute >= from && r.minute < until);
};

describe('reports when hours and days have been pruned too', () => {
  it('held the shape the test needs: days, then hours by whole days, then minutes', () => {
    expect(dayHorizon(db)).toBe(Math.floor((END - 31 * DAY) / DAY) * DAY + DAY);
    expect(hourHorizon(db)).toBe(Math.floor((END - 12 * DAY) / DAY) * DAY);
    // Minutes go by whole hours; the first one held is the first write after the cut.
    const cut = Math.floor((END - 2 * DAY) / HOUR) * HOUR;
    expect(minuteHorizon(db)).toBeGreaterThanOrEqual(cut);
    expect(minuteHorizon(db)).toBeLessThan(cut + 8 * MINUTE);
    const tiers = (coarsest: Tier, minutes = false): Tier[] => [...new Set(planSlices(tierState(db), START, END, coarsest, minutes).map((s) => s.tier))].sort();
    expect(tiers('day')).toEqual(['day', 'hour', 'minute']);
    // Where hours are gone, even per-app and minute-resolution sources fall back to the days.
    expect(tiers('hour')).toEqual(['day', 'hour', 'minute']);
    expect(tiers('hour', true)).toEqual(['day', 'hour', 'minute']);
  });

  it('plans slices that tile any range without gaps or overlap (edges rounded out where only coarser data is left)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -5 * DAY, max: 45 * DAY }), fc.integer({ min: 1, max: 50 * DAY }), fc.constantFrom<[Tier, boolean]>(['day', false], ['hour', false], ['hour', true]), (a, len, [coarsest, minutes]) => {
        const since = START + a;
        const until = since + len;
        const slices = planSlices(tierState(db), since, until, coarsest, minutes);
        for (let i = 1; i < slices.length; i++) expect(slices[i]!.from).toBe(slices[i - 1]!.to);
        expect(slices[0]!.from).toBeLessThanOrEqual(since);
        expect(since - slices[0]!.from).toBeLessThan(DAY);
        expect(slices[slices.length - 1]!.to).toBeGreaterThanOrEqual(until);
        expect(slices[slices.length - 1]!.to - until).toBeLessThan(DAY);
      }),
      { numRuns: 1000 },
    );
  });

  it('per-app totals, destinations, series, overview totals and cost equal the ground truth for any range', () => {
    fc.assert(
      fc.property(range, ({ since, until }) => {
        const slices = planSlices(tierState(db), since, until);
        expect([slices[0]!.from, slices[slices.length - 1]!.to]).toEqual([since, until]);
        const rows = held(since, until);
        const shown = rows.filter((r) => scopes.get(r.remote) !== 'loopback');
        const summaries = appSummaries(db, ctx(), { since, until });
        for (const app of appIds) {
          const mine = shown.filter((r) => r.app === app);
          const got = summaries.find((s) => s.id === app);
          expectAppTotals(got, mine, (r) => scopes.get(r.remote) === 'internet');
          const dests = destinations(db, ctx(), { appId: app, since, until, limit: 50 });
          for (const [id, addr] of addrs) {
            expect(dests.find((d) => d.remote === addr)?.bytesOut ?? 0).toBe(sum(rows.filter((r) => r.app === app && r.remote === id), (r) => r.out));
          }
        }
        for (const bucket of ['hour', 'minute'] as const) {
          expect(series(db, ctx(), { since, until, bucket }).points.reduce((s, p) => s + p.bytesOut, 0)).toBe(sum(rows, (r) => r.out));
        }
        const totals = totalsSince(db, since, until);
        expect(totals).toEqual({
          out: sum(shown, (r) => r.out),
          in: sum(shown, (r) => r.in),
          billable: sum(shown.filter((r) => scopes.get(r.remote) === 'internet'), (r) => r.out),
        });
        const cost = costSummary(db, { since, until, now: END, costPerGb: 0.09, currency: 'USD' });
        expect(cost.total.bytes).toBe(sum(rows.filter((r) => scopes.get(r.remote) === 'internet'), (r) => r.out));
        expect(cost.zeroRatedBytes).toBe(sum(rows.filter((r) => scopes.get(r.remote) !== 'internet'), (r) => r.out));
      }),
      { numRuns: 150 },
    );
  });
});
