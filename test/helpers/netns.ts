// Test hosts in network namespaces the test creates itself. Addresses come only from 198.18.0.0/15
// and 2001:db8::/32; traffic never leaves this machine. Everything created is removed by name, and
// only processes this helper started are killed, by pid.
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface TestNet {
  /** Namespace holding the test server(s). */
  ns: string;
  /** Address of the root-namespace end of the link (the "client" side). */
  hostV4: string;
  hostV6: string;
  /** Addresses of the test host inside the namespace. */
  peerV4: string;
  peerV6: string;
  /** Run a program inside the namespace (argv only). */
  spawnIn(cmd: string, args: string[], opts?: SpawnOptions): ChildProcess;
  execIn(cmd: string, args: string[]): string;
  destroy(): void;
}

let counter = 0;

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * A namespace linked by a veth pair to `parentNs` (null = the root namespace).
 * `subnet` picks 198.18.<subnet>.0/24 and 2001:db8:<subnet>::/64 so parallel suites don't collide.
 */
export function createTestNet(tag: string, subnet: number, parentNs: string | null = null): TestNet {
  if (!/^[a-z0-9]{1,6}$/.test(tag)) throw new Error('tag: 1-6 lowercase letters/digits');
  if (!Number.isInteger(subnet) || subnet < 1 || subnet > 254) throw new Error('subnet 1..254');
  const suffix = `${process.pid % 10000}${counter++}`;
  const ns = `of-${tag}-${suffix}`;
  const hostIf = `o${tag}${suffix}h`.slice(0, 15);
  const peerIf = `o${tag}${suffix}p`.slice(0, 15);
  const hostV4 = `198.18.${subnet}.1`;
  const peerV4 = `198.18.${subnet}.2`;
  const hostV6 = `2001:db8:${subnet.toString(16)}::1`;
  const peerV6 = `2001:db8:${subnet.toString(16)}::2`;
  const inParent = (args: string[]): string => (parentNs ? ip(['netns', 'exec', parentNs, 'ip', ...args]) : ip(args));
  const inNs = (args: string[]): string => ip(['netns', 'exec', ns, 'ip', ...args]);
  const started: ChildProcess[] = [];

  ip(['netns', 'add', ns]);
  try {
    inParent(['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', peerIf]);
    inParent(['link', 'set', peerIf, 'netns', ns]);
    inParent(['addr', 'add', `${hostV4}/24`, 'dev', hostIf]);
    inParent(['-6', 'addr', 'add', `${hostV6}/64`, 'dev', hostIf, 'nodad']);
    inParent(['link', 'set', hostIf, 'up']);
    inNs(['link', 'set', 'lo', 'up']);
    inNs(['addr', 'add', `${peerV4}/24`, 'dev', peerIf]);
    inNs(['-6', 'addr', 'add', `${peerV6}/64`, 'dev', peerIf, 'nodad']);
    inNs(['link', 'set', peerIf, 'up']);
    inNs(['route', 'add', 'default', 'via', hostV4]);
    inNs(['-6', 'route', 'add', 'default', 'via', hostV6]);
  } catch (err) {
    safeDelete(ns, parentNs, hostIf);
    throw err;
  }

  return {
    ns,
    hostV4,
    hostV6,
    peerV4,
    peerV6,
    spawnIn(cmd, args, opts = {}) {
      const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
      started.push(child);
      return child;
    },
    execIn(cmd, args) {
      return execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    },
    destroy() {
      for (const child of started) {
        if (child.pid && child.exitCode === null && child.signalCode === null) {
          try {
            process.kill(child.pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }
      }
      safeDelete(ns, parentNs, hostIf);
    },
  };
}

function safeDelete(ns: string, parentNs: string | null, hostIf: string): void {
  try {
    if (parentNs) ip(['netns', 'exec', parentNs, 'ip', 'link', 'del', hostIf]);
    else ip(['link', 'del', hostIf]);
  } catch {
    /* deleting the namespace removes the pair too */
  }
  try {
    ip(['netns', 'del', ns]);
  } catch {
    /* not created */
  }
}

/** A bare namespace (for a client that runs the firewall), linked to nothing yet. */
export function createBareNs(tag: string): { ns: string; destroy(): void } {
  const ns = `of-${tag}-${process.pid % 10000}${counter++}`;
  ip(['netns', 'add', ns]);
  ip(['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
  return { ns, destroy: () => safeDelete(ns, null, 'none') };
}
