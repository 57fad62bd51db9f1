import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FleetQueue } from '../../../electron/insight/fleet/queue';
import type { FleetRecord } from '../../../electron/insight/fleet/records';
import { backoffDelay } from '../../../electron/insight/fleet/backoff';

const rec = (id: number): FleetRecord => ({ type: 'alert', id, at: id, kind: 'spike', appId: null, appName: null, title: `t${id}`, detail: '', count: 1, notified: false });

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'outflow-fleetq-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('fleet queue on disk', () => {
  it('keeps records per sink across reopening, oldest first, until acknowledged', () => {
    const path = join(dir, 'q.db');
    let q = new FleetQueue(path);
    q.transaction(() => {
      q.enqueue('otlp', [rec(1), rec(2), rec(3)], 100);
      q.enqueue('syslog', [rec(1)], 100);
      q.setNumber('cursor.minute', 123);
    });
    q.close();
    q = new FleetQueue(path);
    expect(q.size('otlp')).toBe(3);
    expect(q.getNumber('cursor.minute')).toBe(123);
    const b = q.peek('otlp', 2);
    expect(b.records.map((r) => (r as { id: number }).id)).toEqual([1, 2]);
    q.ack('otlp', b.lastId);
    expect(q.size('otlp')).toBe(1);
    expect(q.size('syslog')).toBe(1);
    expect(q.peek('otlp', 10).records.map((r) => (r as { id: number }).id)).toEqual([3]);
    q.close();
  });

  it('caps each sink, dropping the oldest and counting them durably', () => {
    const path = join(dir, 'q.db');
    let q = new FleetQueue(path);
    expect(q.enqueue('otlp', Array.from({ length: 8 }, (_, i) => rec(i + 1)), 10)).toBe(0);
    expect(q.enqueue('otlp', Array.from({ length: 7 }, (_, i) => rec(i + 9)), 10)).toBe(5);
    expect(q.size('otlp')).toBe(10);
    expect(q.dropped('otlp')).toBe(5);
    expect(q.dropped('syslog')).toBe(0);
    q.close();
    q = new FleetQueue(path);
    expect(q.dropped('otlp')).toBe(5);
    expect(q.peek('otlp', 100).records.map((r) => (r as { id: number }).id)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    q.close();
  });

  it('backs off exponentially with jitter, capped', () => {
    expect(backoffDelay(1, 1000, 60_000, () => 0.5)).toBe(1000);
    expect(backoffDelay(4, 1000, 60_000, () => 0.5)).toBe(8000);
    expect(backoffDelay(30, 1000, 60_000, () => 1)).toBe(60_000);
    expect(backoffDelay(2, 1000, 60_000, () => 0)).toBe(1600);
  });
});
