import { describe, expect, it } from 'vitest';
import { createUnsupportedCollector } from '../../electron/collector/unsupported';

describe('unsupported collector', () => {
  it('says it is unsupported and why, and reports empty snapshots', async () => {
    const collector = createUnsupportedCollector('freebsd', { now: () => 42, monotonic: () => 0 });
    const caps = await collector.start();
    expect(caps).toEqual({
      mode: 'unsupported',
      platform: 'freebsd',
      notes: [
        'Connection monitoring is not supported on freebsd: Outflow can list connections on Linux, macOS and Windows only. History, rules and settings still work.',
      ],
      seesClosedSockets: false,
      udpBytes: false,
    });
    expect(await collector.snapshot()).toEqual({ at: 42, sockets: [], closed: [], precise: null, machine: null, dropped: 0 });
    await expect(collector.stop()).resolves.toBeUndefined();
  });

  it('does not echo a strange platform string into its sentence', async () => {
    const caps = await createUnsupportedCollector('<img src=x>').start();
    expect(caps.platform).toBe('<img src=x>');
    expect(caps.notes[0]).toMatch(/^Connection monitoring is not supported on this platform:/);
  });
});
