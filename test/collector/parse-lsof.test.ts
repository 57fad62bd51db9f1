import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execRunner } from '../../electron/collector/exec-runner';
import { lsofArgv, parseLsof, unescapeLsof } from '../../electron/collector/parse/lsof';
import { namedNode } from '../helpers/named-exe';
import { inCI } from '../helpers/requires';

const fixture = (name: string): string => readFileSync(join(__dirname, '../fixtures/darwin', name), 'utf8');

describe('lsofArgv', () => {
  it('asks for every TCP and UDP socket, numeric, in field form', () => {
    expect(lsofArgv()).toEqual(['-nP', '-w', '-iTCP', '-iUDP', '-FpcuRftPnT']);
  });
});

describe('parseLsof on macOS field output', () => {
  const parsed = parseLsof(fixture('lsof-macos.txt'));

  it('reads every Internet socket and counts the unreadable ones', () => {
    expect(parsed.sockets).toHaveLength(16);
    expect(parsed.skipped).toBe(4);
  });

  it('reads listeners with wildcard addresses in their own family', () => {
    const launchd = parsed.sockets.filter((s) => s.pid === 1);
    expect(launchd).toEqual([
      { pid: 1, command: 'launchd', uid: 0, ppid: 0, fd: '8', proto: 'tcp', family: 6, local: '::', lport: 22, remote: null, rport: null, state: 'LISTEN' },
      { pid: 1, command: 'launchd', uid: 0, ppid: 0, fd: '9', proto: 'tcp', family: 4, local: '0.0.0.0', lport: 22, remote: null, rport: null, state: 'LISTEN' },
    ]);
  });

  it('reads an established IPv4 TCP socket exactly', () => {
    expect(parsed.sockets.find((s) => s.pid === 375)).toEqual({
      pid: 375,
      command: 'apsd',
      uid: 0,
      ppid: 1,
      fd: '12',
      proto: 'tcp',
      family: 4,
      local: '192.168.1.23',
      lport: 61151,
      remote: '17.57.144.246',
      rport: 5223,
      state: 'ESTABLISHED',
    });
  });

  it('reads UDP: unconnected without a peer, connected link-local with the KAME scope removed', () => {
    const mdns = parsed.sockets.filter((s) => s.pid === 412);
    expect(mdns.map((s) => [s.fd, s.proto, s.family, s.local, s.lport, s.remote, s.rport, s.state])).toEqual([
      ['7', 'udp', 4, '0.0.0.0', 5353, null, null, null],
      ['8', 'udp', 6, '::', 5353, null, null, null],
      ['40', 'udp', 6, 'fe80::aede:48ff:fe00:1122', 5353, 'fe80::1c2a:2eff:fe61:9a2b', 5353, null],
    ]);
    expect(mdns[0].uid).toBe(65);
  });

  it('canonicalizes IPv6 and maps ::ffff: addresses to IPv4', () => {
    const chrome = parsed.sockets.filter((s) => s.pid === 913);
    expect(chrome.map((s) => s.command)).toEqual(Array(6).fill('Google Chrome Helper'));
    const byFd = new Map(chrome.map((s) => [s.fd, s]));
    expect(byFd.get('32')).toMatchObject({ family: 6, local: '2001:db8::1', lport: 52000, remote: '2606:4700::6810:84e5', rport: 443 });
    expect(byFd.get('33')).toMatchObject({ family: 4, local: '192.168.1.23', lport: 52001, remote: '198.18.0.7', rport: 8443, state: 'SYN_SENT' });
    expect(byFd.get('34')).toMatchObject({ proto: 'udp', remote: '17.248.245.233', rport: 443, state: null });
    expect(byFd.get('35')).toMatchObject({ remote: '127.0.0.1', rport: 631, state: 'CLOSE_WAIT' });
  });

  it('keeps hostile command names intact: commas, quotes, parentheses, escapes, unicode', () => {
    const names = new Map(parsed.sockets.map((s) => [s.pid, s.command]));
    expect(names.get(2201)).toBe('weird,name (x) "q"');
    expect(names.get(2202)).toBe('a\nb\\c\tü\u{1F40D}');
    expect(names.get(2203)).toBe('naïve 日本');
    expect(parsed.sockets.find((s) => s.pid === 2201)).toMatchObject({ ppid: 913, remote: '198.18.0.9', rport: 443 });
    expect(parsed.sockets.find((s) => s.pid === 2202)?.state).toBe('FIN_WAIT_2');
  });

  it('skips bad file sets without losing the good ones around them', () => {
    const broken = parsed.sockets.filter((s) => s.pid === 2204);
    expect(broken.map((s) => [s.fd, s.lport])).toEqual([['6', 50106]]);
    expect(parsed.sockets.some((s) => s.command === 'eviltwin')).toBe(false);
  });
});

describe('parseLsof on output recorded on this Linux (same -F format, Linux dialect)', () => {
  it('reads the recorded hostile-named process exactly', () => {
    const parsed = parseLsof(fixture('lsof-linux-dialect.txt'));
    expect(parsed.skipped).toBe(0);
    expect(parsed.sockets).toHaveLength(8);
    expect(new Set(parsed.sockets.map((s) => s.command))).toEqual(new Set(['a\nb\\c,"d"\tü']));
    expect(parsed.sockets[0]).toMatchObject({ pid: 15037, ppid: 15030, uid: 0 });
    expect(parsed.sockets.map((s) => [s.proto, s.family, s.local, s.lport, s.remote, s.rport, s.state])).toEqual([
      ['tcp', 4, '127.0.0.1', 41011, null, null, 'LISTEN'],
      ['tcp', 4, '127.0.0.1', 33772, '127.0.0.1', 41011, 'ESTABLISHED'],
      ['tcp', 4, '127.0.0.1', 41011, '127.0.0.1', 33772, 'ESTABLISHED'],
      ['tcp', 6, '::1', 33033, null, null, 'LISTEN'],
      ['tcp', 6, '::1', 38284, '::1', 33033, 'ESTABLISHED'],
      ['tcp', 6, '::1', 33033, '::1', 38284, 'ESTABLISHED'],
      ['udp', 6, '::1', 40282, '::1', 9, null],
      ['udp', 4, '127.0.0.1', 55110, null, null, null],
    ]);
  });
});

describe('parseLsof robustness', () => {
  it('ignores empty input and non-Internet files', () => {
    expect(parseLsof('')).toEqual({ sockets: [], skipped: 0 });
    expect(parseLsof('p10\ncx\nf3\ntunix\nn/tmp/sock\nf4\ntIPv4\nPICMP\nn*:*\n')).toEqual({ sockets: [], skipped: 0 });
  });

  it('does not let a file set borrow the previous process', () => {
    const parsed = parseLsof('p10\ncgood\nf3\ntIPv4\nPTCP\nn10.0.0.2:1->198.18.0.1:2\npx\ncbad\nf4\ntIPv4\nPTCP\nn10.0.0.2:3->198.18.0.1:4\n');
    expect(parsed.sockets.map((s) => [s.pid, s.lport])).toEqual([[10, 1]]);
    expect(parsed.skipped).toBe(1);
  });

  it.each([
    ['plain', 'plain'],
    ['a\\x20b', 'a b'],
    ['\\xc3\\xbc', 'ü'],
    ['\\xc3', '\uFFFD'],
    ['tab\\tnl\\nbs\\\\', 'tab\tnl\nbs\\'],
    ['^A literal', '^A literal'],
    ['trailing\\', 'trailing\\'],
    ['\\q', '\\q'],
  ])('unescapes %j', (raw, text) => {
    expect(unescapeLsof(raw)).toBe(text);
  });
});

// lsof runs here too, so the parser is also checked against the real tool, live.
function lsofMissing(): string | null {
  try {
    execFileSync('lsof', ['-v'], { stdio: 'ignore', timeout: 5000 });
    return null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return null;
    const why = 'needs lsof (apt-get install lsof)';
    if (inCI) throw new Error(`required under CI but missing: ${why}`);
    console.warn(`[skip] ${why}`);
    return why;
  }
}

describe('parseLsof on live lsof output', () => {
  const skip = lsofMissing();
  const title = 'o\nb\\t,"q" ü';
  let server: Server;
  let child: ChildProcess | null = null;
  let exe: { path: string; dispose(): void } | null = null;
  let lport = 0;
  let udpPort = 0;

  beforeAll(async () => {
    if (skip) return;
    server = createServer((c) => c.resume());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    exe = namedNode(`out,flow (lsof) 'q' "d"`);
    const script = `
      process.title = ${JSON.stringify(title)};
      const net = require('net'), dgram = require('dgram');
      const c = net.connect(${port}, '127.0.0.1', () => {
        const u = dgram.createSocket('udp6');
        u.connect(9, '::1', () => process.stdout.write(c.localPort + ' ' + u.address().port + '\\n'));
      });
      setTimeout(() => process.exit(0), 20000);`;
    child = spawn(exe.path, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      child?.stdout?.once('data', (d: Buffer) => resolve(d.toString()));
      child?.once('exit', () => reject(new Error('child exited early')));
    });
    [lport, udpPort] = line.trim().split(' ').map(Number);
  });

  afterAll(async () => {
    if (child?.pid && child.exitCode === null) child.kill('SIGKILL');
    exe?.dispose();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  it.skipIf(skip !== null)('finds the child\u2019s TCP and UDP sockets under its pid with its exact name', async () => {
    const result = await execRunner('lsof', lsofArgv(), { timeoutMs: 20_000 });
    expect([0, 1]).toContain(result.code);
    const parsed = parseLsof(result.stdout);
    const mine = parsed.sockets.filter((s) => s.pid === child?.pid);
    const tcp = mine.find((s) => s.proto === 'tcp');
    expect(tcp).toMatchObject({
      command: title,
      uid: process.getuid?.(),
      ppid: process.pid,
      family: 4,
      local: '127.0.0.1',
      lport,
      remote: '127.0.0.1',
      rport: (server.address() as { port: number }).port,
      state: 'ESTABLISHED',
    });
    expect(mine.find((s) => s.proto === 'udp')).toMatchObject({ family: 6, local: '::1', lport: udpPort, remote: '::1', rport: 9 });
  });
});
