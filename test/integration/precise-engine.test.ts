import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppSummary, EngineStatus, HistoryPage } from '../../electron/shared/types';
import { createTestNet, type TestNet } from '../helpers/netns';
import { namedNode } from '../helpers/named-exe';
import { assertBuilt, outflowJson, serve, type Served } from '../helpers/outflow-cli';
import { missing } from '../helpers/requires';
import { runClient, SINK, until } from '../helpers/clients';

// Precise mode inside the real engine: processes that live between two polls are attributed to
// their executable with exact bytes, and UDP bytes are known.

const why = missing(['root', 'netns', 'bpftrace']);

let net: TestNet;
let dir: string;
let db: string;
let served: Served;
const exes: { dispose(): void }[] = [];

async function run(exe: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  const r = await runClient(exe, args, { env });
  if (r.error) throw new Error(`client failed: ${r.error}`);
}

describe.skipIf(why)('precise mode in the engine', () => {
  beforeAll(async () => {
    assertBuilt();
    net = createTestNet('prc', 31);
    const sink = net.spawnIn(process.execPath, [SINK, net.peerV4, net.peerV6]);
    await new Promise<void>((resolve) => sink.stdout!.on('data', (c: Buffer) => c.toString().includes('ready') && resolve()));
    dir = mkdtempSync(join(tmpdir(), 'outflow-precise-'));
    db = join(dir, 'outflow.db');
    served = await serve(['--db', db, '--firewall', 'noop', '--quiet']);
    await until('precise mode active', () => outflowJson<EngineStatus>(['status', '--json', '--db', db], [0, 3]), (s) => s.collector.mode === 'precise', 60_000);
  }, 90_000);
  afterAll(async () => {
    await served?.stop();
    net?.destroy();
    for (const e of exes) e.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('attributes ten processes that each send 512 KiB and exit within milliseconds', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `outflow-blink-${i}`);
    const paths = names.map((n) => {
      const e = namedNode(n);
      exes.push(e);
      return e.path;
    });
    await Promise.all(paths.map((p) => run(p, ['tcp', net.peerV4, '7002', String(512 * 1024), '0', '0'])));
    const apps = await until(
      'every blink attributed',
      () => outflowJson<AppSummary[]>(['apps', '--json', '--db', db]),
      (list) => names.every((n) => list.some((a) => a.name === n && a.bytesOut >= 512 * 1024 * 0.98)),
    );
    for (const [i, n] of names.entries()) {
      const app = apps.find((a) => a.name === n)!;
      expect(app.path).toBe(paths[i]);
      expect(Math.abs(app.bytesOut - 512 * 1024) / (512 * 1024)).toBeLessThan(0.02);
    }
  });

  it('knows UDP bytes, unconnected sends included', async () => {
    const e = namedNode('outflow-precise-udp');
    exes.push(e);
    await run(e.path, ['udp', net.peerV4, '7003', '40', '1000', 'unconnected'], { UDP_HOLD_MS: '300' });
    const page = await until(
      'UDP bytes counted',
      () => outflowJson<HistoryPage>(['history', '--json', '--db', db, '--app', e.path, '--proto', 'udp']),
      (p) => p.rows.reduce((s, r) => s + (r.bytesOut ?? 0), 0) >= 40_000 * 0.98,
    );
    const sent = page.rows.reduce((s, r) => s + (r.bytesOut ?? 0), 0);
    expect(Math.abs(sent - 40_000) / 40_000).toBeLessThan(0.02);
    expect(page.rows.every((r) => r.remote === net.peerV4 && r.rport === 7003)).toBe(true);
  });
});
