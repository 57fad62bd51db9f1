import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppSummary, HistoryPage } from '../../electron/shared/types';
import { createTestNet, type TestNet } from '../helpers/netns';
import { namedNode } from '../helpers/named-exe';
import { assertBuilt, outflowJson, serve, type Served } from '../helpers/outflow-cli';
import { missing } from '../helpers/requires';
import { runClient, SINK, until } from '../helpers/clients';

// Issue #2's proof: real traffic from uniquely named client processes to a test host in a network
// namespace, recorded by a real `outflow serve`, read back through the real CLI.

const why = missing(['root', 'netns']);

let net: TestNet;
let dir: string;
let db: string;
let served: Served;
const exes: { dispose(): void }[] = [];

const run = (exe: string, args: string[]) => runClient(exe, args);

function exe(name: string): string {
  const e = namedNode(name);
  exes.push(e);
  return e.path;
}

const appNamed = (name: string, ok: (a: AppSummary) => boolean): Promise<AppSummary> =>
  until(
    `app ${name} recorded`,
    async () => (await outflowJson<AppSummary[]>(['apps', '--json', '--db', db])).find((a) => a.name === name),
    (a): a is AppSummary => !!a && ok(a),
  ) as Promise<AppSummary>;

describe.skipIf(why)('egress recorded by outflow serve', () => {
  beforeAll(async () => {
    assertBuilt();
    net = createTestNet('egr', 30);
    const sink = net.spawnIn(process.execPath, [SINK, net.peerV4, net.peerV6]);
    await new Promise<void>((resolve) => sink.stdout!.on('data', (c: Buffer) => c.toString().includes('ready') && resolve()));
    dir = mkdtempSync(join(tmpdir(), 'outflow-egress-'));
    db = join(dir, 'outflow.db');
    // Polling only here (precise mode has its own test): these are the socket table's guarantees.
    served = await serve(['--db', db, '--firewall', 'noop', '--quiet'], [], { OUTFLOW_PRECISE: '0' });
  });
  afterAll(async () => {
    await served?.stop();
    net?.destroy();
    for (const e of exes) e.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('attributes 8 MiB up / 1 MiB down to the client executable within 1 %, with its destination', async () => {
    const path = exe('outflow-egress-bulk');
    const r = await run(path, ['tcp', net.peerV4, '7001', String(8 * 1024 * 1024), String(1024 * 1024), '2500']);
    expect(r).toEqual({ sent: 8 * 1024 * 1024, received: 1024 * 1024 });
    const app = await appNamed('outflow-egress-bulk', (a) => a.bytesIn >= 1024 * 1024 * 0.99);
    expect(app.path).toBe(path);
    expect(app.attributed).toBe(true);
    expect(Math.abs(app.bytesOut - 8 * 1024 * 1024) / (8 * 1024 * 1024)).toBeLessThan(0.01);
    expect(Math.abs(app.bytesIn - 1024 * 1024) / (1024 * 1024)).toBeLessThan(0.01);
    const dest = (app as AppSummary & { destinations: { remote: string; ports: number[] }[] }).destinations[0];
    expect(dest).toMatchObject({ remote: net.peerV4, ports: [7001] });
    const page = await outflowJson<HistoryPage>(['history', '--json', '--db', db, '--app', path]);
    expect(page.rows[0]).toMatchObject({ remote: net.peerV4, rport: 7001, proto: 'tcp', family: 4, appPath: path });
  });

  it('counts a process that connects, sends 1 MiB and exits between two polls', async () => {
    const path = exe('outflow-egress-blink');
    const r = await run(path, ['tcp', net.peerV4, '7002', String(1024 * 1024), '0', '0']);
    expect(r.sent).toBe(1024 * 1024);
    const end = Date.now() + 10_000;
    for (;;) {
      const page = await outflowJson<HistoryPage>(['history', '--json', '--db', db, '--port', '7002']);
      const total = page.rows.reduce((s, f) => s + (f.bytesOut ?? 0), 0);
      if (Math.abs(total - 1024 * 1024) / (1024 * 1024) < 0.01) break;
      if (Date.now() > end) throw new Error(`short-lived flow not counted: ${JSON.stringify(page.rows)}`);
      await new Promise((res) => setTimeout(res, 300));
    }
  });

  it('records IPv6 TCP with the full address', async () => {
    const path = exe('outflow-egress-v6');
    await run(path, ['tcp', net.peerV6, '7001', String(256 * 1024), '1000', '1500']);
    const app = await appNamed('outflow-egress-v6', (a) => a.bytesOut >= 256 * 1024 * 0.99);
    const page = await outflowJson<HistoryPage>(['history', '--json', '--db', db, '--app', app.path]);
    expect(page.rows[0]).toMatchObject({ remote: net.peerV6, family: 6, rport: 7001 });
  });

  it('lists UDP flows (v4 and v6) with their addresses, bytes unknown rather than zero unless counted', async () => {
    const path = exe('outflow-egress-udp');
    const env = { UDP_HOLD_MS: '2500' };
    await Promise.all([runClient(path, ['udp', net.peerV4, '7003', '20', '500', 'connected'], { env }), runClient(path, ['udp', net.peerV6, '7003', '20', '500', 'connected'], { env })]);
    const end = Date.now() + 10_000;
    for (;;) {
      const page = await outflowJson<HistoryPage>(['history', '--json', '--db', db, '--proto', 'udp', '--port', '7003']);
      const remotes = page.rows.map((r) => r.remote).sort();
      if (remotes.includes(net.peerV4) && remotes.includes(net.peerV6)) {
        for (const row of page.rows) expect(row.bytesOut === null || row.bytesOut === 10_000).toBe(true);
        break;
      }
      if (Date.now() > end) throw new Error(`UDP flows missing: ${JSON.stringify(page.rows)}`);
      await new Promise((res) => setTimeout(res, 300));
    }
  });
});
