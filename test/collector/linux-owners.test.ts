// Socket → process on real sockets of this test process: inode walks only for new sockets, the
// owner found with its exact executable, hints first, and no walk for other users' sockets when
// their fd tables are unreadable (the non-root mode).
import { spawn } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InodeWalker, SocketOwners } from '../../electron/collector/socket-owners';
import { socketInodes } from '../helpers/socket-inodes';

describe('socket owners on real sockets', () => {
  let server: Server;
  let client: Socket;
  let inodes: number[];

  beforeAll(async () => {
    const before = socketInodes();
    server = createServer(() => {});
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    client = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
    await new Promise<void>((r) => client.once('connect', () => r()));
    await new Promise((r) => setTimeout(r, 50));
    inodes = [...socketInodes()].filter((i) => !before.has(i));
  });
  afterAll(() => {
    client?.destroy();
    server?.close();
  });

  it('finds our own sockets’ process with its exact executable, once', () => {
    expect(inodes.length).toBeGreaterThanOrEqual(2);
    const owners = new SocketOwners();
    owners.beginTick();
    const entries = inodes.map((inode, i) => owners.touch(`t${i}`, inode, process.getuid!(), () => `sk:t${i}`));
    owners.resolvePending();
    for (const e of entries) {
      expect(e.process?.pid).toBe(process.pid);
      expect(e.process?.exe).toBe(readlinkSync('/proc/self/exe'));
      expect(e.key).toMatch(/^sk:t\d$/);
    }
    const walks = owners.walker.walks;
    // Next tick: same sockets, nothing new → no walk.
    owners.beginTick();
    inodes.forEach((inode, i) => owners.touch(`t${i}`, inode, process.getuid!(), () => 'unused'));
    owners.resolvePending();
    expect(owners.walker.walks).toBe(walks);
    owners.sweep();
    expect(owners.size).toBe(inodes.length);
    // A tick without them forgets them and their process.
    owners.beginTick();
    owners.sweep();
    expect(owners.size).toBe(0);
    expect(owners.processes.size).toBe(0);
  });

  it('visits the pid that owned recent sockets first and stops when all are found', async () => {
    // A newer process (higher pid) is visited before us on a walk without hints.
    const newer = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect(newer.pid!).toBeGreaterThan(process.pid);
      const walker = new InodeWalker();
      walker.find(new Set(inodes));
      const fullWalk = walker.fdsRead;
      walker.find(new Set(inodes));
      const hinted = walker.fdsRead - fullWalk;
      // The second walk reads only our own fd table (the worker may open a few fds meanwhile).
      expect(hinted).toBeLessThanOrEqual(readdirSync('/proc/self/fd').length + 8);
      expect(hinted).toBeLessThan(fullWalk);
    } finally {
      process.kill(newer.pid!, 'SIGKILL');
    }
  });

  it('does not walk for sockets of other users when limited to one uid', () => {
    const owners = new SocketOwners({ onlyUid: 4242 });
    owners.beginTick();
    const e = owners.touch('x', inodes[0]!, process.getuid!(), () => 'sk:x');
    owners.resolvePending();
    expect(owners.walker.walks).toBe(0);
    expect(e.process).toBeNull();
  });

  it('gives up on an inode nobody owns after a few walks', () => {
    const owners = new SocketOwners();
    const ghost = 2 ** 31 - 7;
    for (let tick = 0; tick < 5; tick++) {
      owners.beginTick();
      owners.touch('ghost', ghost, 0, () => 'sk:ghost');
      // A new socket each tick forces a walk; the ghost rides along until its attempts run out.
      owners.touch(`fresh${tick}`, ghost - 1 - tick, 0, () => 'sk:f');
      owners.resolvePending();
    }
    expect(owners.peek('ghost')!.attempts).toBe(3);
    expect(owners.peek('ghost')!.process).toBeNull();
  });
});
