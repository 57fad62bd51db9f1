// Thousands of rules: apply/reconcile stay fast, and traffic to addresses no rule names is not slowed
// down by the per-rule chain (the fast path in nft-render.ts). Numbers are printed for the report.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DesiredState } from '../../electron/engine/ports';
import { createNftablesBackend } from '../../electron/firewall/nftables';
import { missing } from '../helpers/requires';
import { createLab, type Lab } from './support/lab';

const skip = missing(['root', 'netns', 'nft']);
const N = 3000;
const MB = 100;

describe.skipIf(skip !== null)(`${N} rules in a client netns`, () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await createLab('scl', 72, 73);
  });
  afterAll(() => lab?.destroy());

  const upload = (): number => {
    const t0 = performance.now();
    const out = execFileSync(
      'ip',
      ['netns', 'exec', lab.client, process.execPath, join(__dirname, '..', 'helpers', 'egress-client.js'), 'tcp', lab.b.peerV4, '7002', String(MB * 1024 * 1024), '0'],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(out)).toMatchObject({ sent: MB * 1024 * 1024 });
    return MB / ((performance.now() - t0) / 1000);
  };

  it('applies, reconciles and leaves unrelated traffic at full speed', async () => {
    const baseline = Math.max(upload(), upload());
    const backend = createNftablesBackend({ runner: lab.runner });
    const state: DesiredState = {
      version: 1,
      defaultDeny: false,
      rules: Array.from({ length: N }, (_, i) => ({
        id: i + 1,
        action: 'block' as const,
        // The last rule names a reachable test host, to show a block deep in the chain still works.
        addresses: [i === N - 1 ? lab.a.peerV4 : `198.19.${Math.floor(i / 250)}.${(i % 250) + 1}`],
        any: false,
        proto: i % 3 === 0 && i !== N - 1 ? ('tcp' as const) : null,
        portLo: i % 5 === 0 && i !== N - 1 ? 443 : null,
        portHi: i % 5 === 0 && i !== N - 1 ? 443 : null,
        appPath: null,
        cgroup: null,
      })),
    };
    let t0 = performance.now();
    const applied = await backend.apply(state);
    const applyMs = performance.now() - t0;
    expect(applied.status).toMatchObject({ state: 'enforcing', ruleCount: N });
    t0 = performance.now();
    const rec = await backend.reconcile(state, false);
    const reconcileMs = performance.now() - t0;
    expect(rec.drift).toEqual([]);
    const withRules = Math.max(upload(), upload());
    const blocked = await lab.probe('tcp', lab.a.peerV4, 7001, 500);
    console.log(
      `[scale] ${N} rules: apply ${applyMs.toFixed(0)} ms, reconcile ${reconcileMs.toFixed(0)} ms; ` +
        `upload to an unrelated address ${withRules.toFixed(0)} MB/s vs ${baseline.toFixed(0)} MB/s without rules (ratio ${(withRules / baseline).toFixed(2)}); ` +
        `blocked connect refused in ${blocked.ms} ms`,
    );
    expect(blocked).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
    expect(applyMs).toBeLessThan(10_000);
    expect(withRules / baseline).toBeGreaterThan(0.5);
  }, 120_000);
});
