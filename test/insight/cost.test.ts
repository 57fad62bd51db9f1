import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { costSummary } from '../../electron/insight/cost';
import { bucketSlices } from '../../electron/store/queries/buckets';
import { trafficDb, type TrafficDb } from './fixture';

const GB = 1e9;
const at = (month: number, day: number, hour = 10, minute = 0) => new Date(2026, month - 1, day, hour, minute).getTime();
const NOW = at(11, 26, 12);

let t: TrafficDb;
beforeEach(() => {
  t = trafficDb();
  const browser = t.app('/usr/bin/browser');
  const sync = t.app('/opt/sync/agent');
  const cdn1 = t.remote('203.0.114.1', { host: 'cdn1.example.com', country: 'US', asn: 64500, org: 'Example CDN' });
  const cdn2 = t.remote('203.0.114.2', { host: 'cdn2.example.com', country: 'US', asn: 64500, org: 'Example CDN' });
  const bare = t.remote('203.0.115.9', { country: 'DE', asn: 64501, org: 'Other Net' });
  t.send(at(11, 20), browser, cdn1, 2 * GB);
  t.send(at(11, 25, 23, 59), browser, cdn2, 1 * GB);
  t.send(at(11, 25), sync, bare, 0.5 * GB);
  t.send(at(10, 15), sync, bare, 0.2 * GB);
  // Zero-rated: LAN, loopback, link-local, multicast.
  t.send(at(11, 21), sync, t.remote('192.168.1.10', { scope: 'lan' }), 5 * GB);
  t.send(at(11, 21), sync, t.remote('127.0.0.1', { scope: 'loopback' }), 1 * GB);
  t.send(at(11, 21), sync, t.remote('169.254.1.1', { scope: 'linklocal' }), 1 * GB);
  t.send(at(11, 21), sync, t.remote('239.255.255.250', { scope: 'multicast' }), 1 * GB);
});
afterEach(() => t.close());

describe('egress cost', () => {
  it('prices internet egress per app, destination, day and month, and projects the month linearly', () => {
    const s = costSummary(t.db, { since: at(10, 1, 0), until: NOW, now: NOW, costPerGb: 0.09, currency: 'USD' });
    expect(s.total.bytes).toBe(3.7 * GB);
    expect(s.total.cost).toBeCloseTo(3.7 * 0.09, 10);
    expect(s.zeroRatedBytes).toBe(8 * GB);
    expect(s.byApp.map((a) => [a.name, a.bytes, +a.cost.toFixed(4)])).toEqual([
      ['browser', 3 * GB, 0.27],
      ['agent', 0.7 * GB, 0.063],
    ]);
    expect(s.byDestination.map((d) => [d.destination, d.kind, d.addresses, d.bytes, d.org, d.country])).toEqual([
      ['example.com', 'domain', 2, 3 * GB, 'Example CDN', 'US'],
      ['AS64501', 'asn', 1, 0.7 * GB, 'Other Net', 'DE'],
    ]);
    expect(s.byDay.map((d) => [d.period, d.bytes])).toEqual([
      ['2026-10-15', 0.2 * GB],
      ['2026-11-20', 2 * GB],
      ['2026-11-25', 1.5 * GB],
    ]);
    expect(s.byMonth.map((m) => [m.period, m.bytes, +m.cost.toFixed(4)])).toEqual([
      ['2026-10', 0.2 * GB, 0.018],
      ['2026-11', 3.5 * GB, 0.315],
    ]);
    // 25.5 of November's 30 days have passed: 3.5 GB so far → 3.5 × 30 / 25.5 GB.
    expect(s.month.bytes).toBe(3.5 * GB);
    expect(s.month.elapsed).toBeCloseTo(25.5 / 30, 6);
    expect(s.month.projectedBytes).toBeCloseTo((3.5 * GB * 30) / 25.5, 0);
    expect(s.month.projectedCost).toBeCloseTo((3.5 * 30 * 0.09) / 25.5, 8);
  });

  it('gives the same answer after old minutes were rolled up into hours and pruned', () => {
    const before = costSummary(t.db, { since: at(10, 1, 0), until: NOW, now: NOW, costPerGb: 0.09, currency: 'USD' });
    t.maintain(NOW, 3);
    const slices = bucketSlices(t.db, at(10, 1, 0), NOW);
    expect(slices.map((s) => s.table)).toEqual(['traffic_hour', 'traffic_minute']);
    const after = costSummary(t.db, { since: at(10, 1, 0), until: NOW, now: NOW, costPerGb: 0.09, currency: 'USD' });
    expect(after.total).toEqual(before.total);
    expect(after.byDay).toEqual(before.byDay);
    expect(after.byApp).toEqual(before.byApp);
    expect(after.zeroRatedBytes).toBe(before.zeroRatedBytes);
  });

  it('counts only the requested range and uses the configured price', () => {
    const s = costSummary(t.db, { since: at(11, 25, 0), until: at(11, 26, 0), now: NOW, costPerGb: 0.05, currency: 'EUR' });
    expect(s.total.bytes).toBe(1.5 * GB);
    expect(s.total.cost).toBeCloseTo(0.075, 10);
    expect(s.currency).toBe('EUR');
  });
});
