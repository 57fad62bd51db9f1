// The ss -E child on its own: bounded buffer, the start-up probe, and what happens without stdbuf.
import { execFileSync } from 'node:child_process';
import { connect, createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLinuxCollector } from '../../electron/collector/linux';
import { defaultExec } from '../../electron/collector/linux-exec';
import { SsEvents } from '../../electron/collector/ss-events';
import { systemClock } from '../../electron/engine/ports';
import { createBareNs } from '../helpers/netns';
import { missing } from '../helpers/requires';

const skip = missing(['root', 'netns']);

/** Opens and closes `n` loopback connections; resolves with the client ports. */
async function churn(n: number): Promise<number[]> {
  const server = createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve) => {
      const c = connect({ host: '127.0.0.1', port }, () => ports.push(c.localPort!));
      c.on('data', () => {});
      c.on('close', () => resolve());
    });
  }
  server.close();
  return ports;
}

describe.skipIf(skip)('SsEvents', () => {
  const running: SsEvents[] = [];
  afterEach(async () => {
    for (const e of running.splice(0)) await e.stop();
  });

  it('verifies delivery at start and bounds the pending buffer, counting drops', async () => {
    const ev = new SsEvents({ clock: systemClock, maxPending: 3 });
    running.push(ev);
    const status = await ev.start();
    expect(status).toMatchObject({ running: true, verified: true, lineBuffered: true, lastError: null });
    ev.drain();
    const ports = await churn(10);
    await new Promise((r) => setTimeout(r, 300));
    const got = ev.drain();
    expect(got).toHaveLength(3);
    // 10 connections = 20 destroyed sockets (both ends), plus whatever else closed on this machine.
    expect(ev.dropped).toBeGreaterThanOrEqual(17);
    for (const e of got) expect(e.at).toBeGreaterThan(Date.now() - 5000);
    expect(ports).toHaveLength(10);
  });

  it('the probe connection is never reported, other closes are', async () => {
    const ev = new SsEvents({ clock: systemClock });
    running.push(ev);
    const status = await ev.start();
    const probe = status.probe!;
    expect(probe.clientPort).toBeGreaterThan(0);
    const ports = await churn(2);
    await new Promise((r) => setTimeout(r, 300));
    const events = ev.drain();
    const isProbe = (a: number | null, b: number | null): boolean =>
      (a === probe.clientPort && b === probe.serverPort) || (a === probe.serverPort && b === probe.clientPort);
    expect(events.filter((e) => isProbe(e.socket.local.port, e.socket.peer.port))).toEqual([]);
    // Both ends of both churned connections.
    expect(events.filter((e) => ports.includes(e.socket.local.port!) || ports.includes(e.socket.peer.port!))).toHaveLength(4);
  });

  it('plain ss -E into a pipe is block-buffered; under stdbuf -oL each close arrives at once', async () => {
    // A namespace of our own, so no other socket on this machine can fill ss's 4 KiB buffer.
    const quiet = createBareNs('evq');
    try {
      const inNs = (file: string, args: string[]) => ({ file: 'ip', args: ['netns', 'exec', quiet.ns, file, ...args] });
      const plain = new SsEvents({ clock: systemClock, command: inNs('ss', ['-E', '-tuinOeH']), probeTimeoutMs: 300 });
      const buffered = new SsEvents({ clock: systemClock, command: inNs('stdbuf', ['-oL', 'ss', '-E', '-tuinOeH']), probeTimeoutMs: 300 });
      running.push(plain, buffered);
      // The probes run in our namespace, so they cannot be seen from there: only the churn below counts.
      await plain.start();
      await buffered.start();
      execFileSync('ip', ['netns', 'exec', quiet.ns, process.execPath, '-e', CHURN_IN_NS], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 1000));
      expect(plain.drain()).toEqual([]);
      // Two connections, both ends.
      expect(buffered.drain().filter((e) => e.socket.proto === 'tcp')).toHaveLength(4);
    } finally {
      for (const e of running.splice(0)) await e.stop();
      quiet.destroy();
    }
  });
});

// Two loopback connections opened and closed, run inside the quiet namespace.
const CHURN_IN_NS = `const n=require('net');const s=n.createServer(c=>c.end()).listen(0,'127.0.0.1',async()=>{
for(let i=0;i<2;i++)await new Promise(r=>{const c=n.connect(s.address().port,'127.0.0.1');c.on('data',()=>{});c.on('close',r)});s.close()});`;

describe('collector without a working ss', () => {
  it('reports unsupported with the reason instead of failing later', async () => {
    const c = createLinuxCollector({ exec: (_file, args) => defaultExec('/nonexistent/ss', [...args]), events: false });
    const caps = await c.start();
    expect(caps.mode).toBe('unsupported');
    expect(caps.notes[0]).toMatch(/ss \(iproute2\) is not usable: .*ENOENT/);
    await c.stop();
  });
});
