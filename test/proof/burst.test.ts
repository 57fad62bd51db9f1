import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namedNode } from '../helpers/named-exe';
import { assertBuilt } from '../helpers/outflow-cli';
import { inCI } from '../helpers/requires';
import { startLoad, type Load } from './support/load';
import { memoryOf, startServe, type ServeProcess } from './support/serve';

// A burst of short connections against the collector: 100 000 a minute (loopback; every connection
// opens, sends 200 bytes and closes, most between two polls, so they are seen through `ss -E`).
// The full proof is 5 minutes (OUTFLOW_BURST_SECONDS=300, run by hand); CI runs 1 minute, a laptop
// 20 s. `outflow serve` must stay up and answer, its memory must stay bounded, and every connection
// must be either recorded or counted as dropped (CollectorStatus.droppedSamples), never silently lost.

const SECONDS = Number(process.env.OUTFLOW_BURST_SECONDS ?? (inCI ? 60 : 20));
const RATE = Number(process.env.OUTFLOW_BURST_RATE ?? 100_000 / 60);
/** Resident memory ceiling for serve under the burst (it idles at ~100 MB). */
const MAX_RSS_MB = Number(process.env.OUTFLOW_BURST_MAX_RSS_MB ?? 400);

let dir: string;
let exe: { path: string; dispose(): void };
let load: Load | null = null;
let s: ServeProcess | null = null;

beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'outflow-burst-'));
  exe = namedNode('outflow-burst-load');
});
afterAll(async () => {
  await load?.stop();
  await s?.stop();
  exe?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('connection burst', () => {
  it(`${Math.round(RATE * 60)} connections a minute for ${SECONDS} s: serve stays up, answers, bounded memory, nothing lost uncounted`, { timeout: SECONDS * 1000 + 120_000 }, async () => {
    s = await startServe({ args: ['--db', join(dir, 'o.db'), '--firewall', 'noop', '--quiet'], env: { OUTFLOW_PRECISE: '0' } });
    const idle = memoryOf(s.pid);
    // Connections that close between two polls have no owner the collector could see: they are
    // recorded per user (the unattributed apps), so count flows across every app.
    const allFlows = async (): Promise<number> => (await s!.call('apps.list', { includeLoopback: true })).reduce((n, a) => n + a.flows, 0);
    const flowsBefore = await allFlows();
    load = await startLoad({ rate: RATE, size: 200, ports: 16, concurrency: 512 }, { exe: exe.path });
    const t0 = Date.now();
    let worstApiMs = 0;
    let peak = idle.peakMB;
    while (Date.now() - t0 < SECONDS * 1000) {
      await new Promise((r) => setTimeout(r, 1000));
      const a = Date.now();
      const st = await s.call('status.get', {}, 10_000);
      worstApiMs = Math.max(worstApiMs, Date.now() - a);
      expect(s.alive()).toBe(true);
      expect(st.collector.lastError).toBeNull();
      peak = Math.max(peak, memoryOf(s.pid).peakMB);
    }
    const made = await load.stop();
    load = null;
    const elapsed = (Date.now() - t0) / 1000;
    // Let the last destroy events reach a tick.
    await new Promise((r) => setTimeout(r, 4000));
    const st = await s.call('status.get', {});
    const dropped = st.collector.droppedSamples;
    // Each connection is two sockets on loopback (client and server side).
    const sockets = 2 * made.made;
    const recorded = (await allFlows()) - flowsBefore;
    const perPort = await Promise.all(made.ports.map((port) => s!.call('history.query', { port, includeLoopback: true, limit: 1 })));
    const clientSide = perPort.reduce((n, p) => n + p.totals.count, 0);
    peak = Math.max(peak, memoryOf(s.pid).peakMB);
    console.log(
      `[burst] ${made.made} connections in ${elapsed.toFixed(0)} s (${Math.round((made.made / elapsed) * 60)}/min, ${made.failed} failed); ` +
        `${recorded} of ${sockets} sockets recorded (${clientSide} client side), ${dropped} dropped (counted), ${sockets - recorded - dropped} unaccounted; ` +
        `serve RSS idle ${idle.rssMB.toFixed(0)} MB, peak ${peak.toFixed(0)} MB; slowest status.get ${worstApiMs} ms; ` +
        `seesClosedSockets=${st.collector.seesClosedSockets}`,
    );
    expect(made.made).toBeGreaterThan(RATE * SECONDS * 0.8);
    expect(s.alive()).toBe(true);
    expect(peak).toBeLessThan(MAX_RSS_MB);
    expect(worstApiMs).toBeLessThan(5000);
    expect(st.collector.seesClosedSockets).toBe(true);
    // Recorded or counted as dropped: at most 1 % unaccounted (sockets still open at the end, the
    // kernel's own netlink losses that ss cannot see).
    expect(recorded + dropped).toBeGreaterThanOrEqual(sockets * 0.99);
    expect(recorded).toBeLessThanOrEqual(2 * made.started + 200);
    // Never more client sockets than connections begun (some were still open when the load stopped).
    expect(clientSide).toBeLessThanOrEqual(made.started);
  });
});
