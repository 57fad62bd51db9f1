import { describe, expect, it } from 'vitest';
import { createDoctor } from '../../electron/engine/doctor';

describe('outflow doctor', () => {
  it('names the system and gives a fix for every missing tool', async () => {
    const doctor = createDoctor({
      dbPath: '/tmp/outflow-doctor-test.db',
      platform: 'linux',
      runner: async (cmd) => (cmd === 'nft' ? { ok: false, out: 'nft: not found' } : { ok: true, out: `${cmd} 1.0` }),
    });
    const checks = await doctor.run();
    expect(checks[0]).toMatchObject({ name: 'system', ok: true });
    expect(checks[0]!.detail).toMatch(/kernel/);
    const nft = checks.find((c) => c.name === 'nft')!;
    expect(nft).toMatchObject({ ok: false });
    expect(nft.fix).toMatch(/apt-get install nftables/);
    for (const c of checks.filter((x) => ['ss', 'nft', 'conntrack', 'bpftrace'].includes(x.name))) if (!c.ok) expect(c.fix, c.name).toBeTruthy();
  });

  it('says an OS without a collector is unsupported', async () => {
    const checks = await createDoctor({ dbPath: '/tmp/x.db', platform: 'aix', runner: async () => ({ ok: true, out: '' }) }).run();
    expect(checks.find((c) => c.name === 'platform')).toMatchObject({ ok: false });
  });
});
