// UDP byte counts from conntrack accounting. Connection tracking and its accounting are switched on
// only inside a client namespace this test creates (never on the machine), and the collector's
// tools run there through its exec hook; /proc is shared, so processes still resolve.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConntrack, ConntrackIndex } from '../../electron/collector/conntrack';
import { createLinuxCollector, type LinuxCollector } from '../../electron/collector/linux';
import { defaultExec } from '../../electron/collector/linux-exec';
import type { SocketSample } from '../../electron/engine/ports';
import { namedNode } from '../helpers/named-exe';
import { createBareNs, createTestNet, type TestNet } from '../helpers/netns';
import { missing } from '../helpers/requires';

const HELPERS = join(__dirname, '..', 'helpers');

describe('parseConntrack', () => {
  // Recorded with `conntrack -L -p udp -o extended` in a namespace with accounting on.
  const REAL = [
    'ipv6     10 udp      17 29 src=::1 dst=::1 sport=51555 dport=7004 packets=2 bytes=196 src=::1 dst=::1 sport=7004 dport=51555 packets=2 bytes=196 mark=0 use=1',
    'ipv4     2 udp      17 29 src=127.0.0.1 dst=127.0.0.1 sport=34061 dport=7003 packets=3 bytes=384 src=127.0.0.1 dst=127.0.0.1 sport=7003 dport=34061 packets=3 bytes=384 mark=0 use=1',
    'ipv4     2 udp      17 28 src=198.18.1.1 dst=198.18.1.2 sport=5000 dport=53 packets=1 bytes=60 [UNREPLIED] src=198.18.1.2 dst=198.18.1.1 sport=53 dport=5000 packets=0 bytes=0 mark=0 use=1',
    'ipv4     2 udp      17 28 src=198.18.1.1 dst=198.18.1.2 sport=5001 dport=53 [UNREPLIED] src=198.18.1.2 dst=198.18.1.1 sport=53 dport=5001 mark=0 use=1',
    'ipv4     2 tcp      6 431999 ESTABLISHED src=198.18.1.1 dst=198.18.1.2 sport=1 dport=2 src=198.18.1.2 dst=198.18.1.1 sport=2 dport=1 [ASSURED] mark=0 use=1',
    'ipv4     2 udp      17 28 src=bogus dst=198.18.1.2 sport=5001 dport=53 src=198.18.1.2 dst=198.18.1.1 sport=53 dport=5001 mark=0 use=1',
  ].join('\n');

  it('reads both directions and converts IP bytes to payload', () => {
    const entries = parseConntrack(REAL);
    expect(entries).toHaveLength(4);
    const idx = new ConntrackIndex(entries);
    // 3 × 100-byte datagrams: 384 IP bytes - 3 × 28 header bytes.
    expect(idx.lookup(4, '127.0.0.1', 34061, '127.0.0.1', 7003)).toEqual({ bytesOut: 300, bytesIn: 300 });
    expect(idx.lookup(6, '::1', 51555, '::1', 7004)).toEqual({ bytesOut: 100, bytesIn: 100 });
    // The answering side sees the flow reversed.
    expect(idx.lookup(4, '198.18.1.2', 53, '198.18.1.1', 5000)).toEqual({ bytesOut: 0, bytesIn: 32 });
    // Without accounting there are no counters: unknown, not 0.
    expect(idx.lookup(4, '198.18.1.1', 5001, '198.18.1.2', 53)).toBeNull();
    expect(idx.flowsOf(4, '0.0.0.0', true, 5000)).toEqual([{ remote: '198.18.1.2', rport: 53, bytesOut: 32, bytesIn: 0 }]);
  });
});

const skip = missing(['root', 'netns', 'nft', 'conntrack']);

describe.skipIf(skip)('UDP bytes from conntrack in a test namespace', () => {
  let client: { ns: string; destroy(): void };
  let net: TestNet;
  let collector: LinuxCollector;
  const exes: Array<{ path: string; dispose(): void }> = [];
  const children: ChildProcess[] = [];
  const inClient = (cmd: string, args: string[]): string =>
    execFileSync('ip', ['netns', 'exec', client.ns, cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  beforeAll(async () => {
    client = createBareNs('ctc');
    net = createTestNet('cts', 13, client.ns);
    inClient('sysctl', ['-w', 'net.netfilter.nf_conntrack_acct=1']);
    // Any rule that uses conntrack makes the kernel track this namespace's flows.
    inClient('nft', ['add', 'table', 'inet', 'of_ct_test']);
    inClient('nft', ['add', 'chain', 'inet', 'of_ct_test', 'out', '{ type filter hook output priority 0; }']);
    inClient('nft', ['add', 'rule', 'inet', 'of_ct_test', 'out', 'ct', 'state', 'new', 'counter']);
    const server = net.spawnIn(process.execPath, [join(HELPERS, 'sink-server.js'), net.peerV4, net.peerV6]);
    await new Promise<void>((resolve, reject) => {
      server.stdout!.on('data', (c: Buffer) => c.toString().includes('ready') && resolve());
      server.once('exit', () => reject(new Error('sink-server exited')));
    });
    collector = createLinuxCollector({
      conntrack: true,
      // The ss -E child would run in our own namespace, not the client's.
      events: false,
      exec: (file, args) => defaultExec('ip', ['netns', 'exec', client.ns, file, ...args]),
    });
  });

  afterAll(async () => {
    await collector?.stop();
    for (const c of children) if (c.pid && c.exitCode === null && c.signalCode === null) process.kill(c.pid, 'SIGKILL');
    net?.destroy();
    client?.destroy();
    for (const e of exes) e.dispose();
  });

  const runUdp = (name: string, peer: string, mode: 'connected' | 'unconnected'): { child: ChildProcess; exe: string; done: Promise<{ sent: number; received: number }> } => {
    const exe = namedNode(name);
    exes.push(exe);
    const child = spawn('ip', ['netns', 'exec', client.ns, exe.path, join(HELPERS, 'egress-client.js'), 'udp', peer, '7003', '20', '300', mode], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, UDP_HOLD_MS: '1500' },
    });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (c) => (out += c));
    const done = new Promise<{ sent: number; received: number }>((resolve, reject) =>
      child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim())) : reject(new Error(`client exited ${code}: ${out}`)))),
    );
    return { child, exe: exe.path, done };
  };

  const waitFor = async (pick: (sockets: SocketSample[]) => SocketSample[] | undefined): Promise<SocketSample[]> => {
    const deadline = Date.now() + 6000;
    for (;;) {
      const found = pick((await collector.snapshot()).sockets);
      if (found && found.length > 0) return found;
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  it('reports udpBytes and exact payload bytes for connected UDP (v4 and v6)', async () => {
    const caps = await collector.start();
    expect(caps.udpBytes).toBe(true);
    expect(caps.seesClosedSockets).toBe(false);
    for (const peer of [net.peerV4, net.peerV6]) {
      const { child, exe, done } = runUdp(`of-ct-${peer.includes(':') ? 6 : 4}`, peer, 'connected');
      // All 20 datagrams are sent at once and echoed; wait until the echoes are counted.
      const [s] = await waitFor((list) => {
        const mine = list.filter((x) => x.process?.pid === child.pid && x.bytesIn === 6000);
        return mine.length ? mine : undefined;
      });
      expect(s).toMatchObject({ proto: 'udp', remote: peer, rport: 7003, bytesOut: 6000, bytesIn: 6000, family: peer.includes(':') ? 6 : 4 });
      expect(s!.process!.exe).toBe(exe);
      // The client's own count is the truth.
      expect(await done).toEqual({ sent: 6000, received: 6000 });
    }
  });

  it('names the destinations of an unconnected UDP socket', async () => {
    const { child, exe, done } = runUdp('of-ct-unconn', net.peerV4, 'unconnected');
    const flows = await waitFor((list) => {
      const mine = list.filter((x) => x.process?.pid === child.pid && x.bytesIn === 6000);
      return mine.length ? mine : undefined;
    });
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({ proto: 'udp', remote: net.peerV4, rport: 7003, bytesOut: 6000, bytesIn: 6000, state: 'UNCONN' });
    expect(flows[0]!.key).toMatch(/^sk:[0-9a-f]+>198\.18\.13\.2:7003$/);
    expect(flows[0]!.process!.exe).toBe(exe);
    expect(await done).toEqual({ sent: 6000, received: 6000 });
  });
});
