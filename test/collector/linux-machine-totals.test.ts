// Machine totals from /proc/net/dev, checked against the kernel's per-interface sysfs counters.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MachineTotals, parseNetDev } from '../../electron/collector/machine-totals';

describe('parseNetDev', () => {
  it('matches /sys/class/net/<if>/statistics for every interface', () => {
    const parsed = parseNetDev(readFileSync('/proc/net/dev', 'utf8'));
    const names = readdirSync('/sys/class/net');
    expect(parsed.map((c) => c.iface).sort()).toEqual([...names].sort());
    for (const c of parsed) {
      const tx = Number(readFileSync(`/sys/class/net/${c.iface}/statistics/tx_bytes`, 'utf8'));
      // Counters move between the two reads; they never go backwards.
      expect(tx).toBeGreaterThanOrEqual(c.txBytes);
      expect(tx - c.txBytes).toBeLessThan(10 * 1024 * 1024);
    }
  });

  it('skips the header and malformed lines', () => {
    const text = 'Inter-|   Receive |  Transmit\n face |bytes    packets\n  eth9: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n bad: 1 2\n';
    expect(parseNetDev(text)).toEqual([{ iface: 'eth9', rxBytes: 1, txBytes: 9 }]);
  });
});

describe('MachineTotals', () => {
  it('excludes loopback (by device type) and sums the rest', () => {
    const t = new MachineTotals();
    const total = t.add([
      { iface: 'lo', rxBytes: 1000, txBytes: 1000 },
      { iface: 'of-none-a', rxBytes: 10, txBytes: 20 },
      { iface: 'of-none-b', rxBytes: 1, txBytes: 2 },
    ]);
    expect(total).toEqual({ rxBytes: 11, txBytes: 22 });
  });

  it('never goes backwards when an interface vanishes or its counters reset', () => {
    const t = new MachineTotals();
    t.add([{ iface: 'of-vpn', rxBytes: 100, txBytes: 500 }, { iface: 'of-eth', rxBytes: 0, txBytes: 1000 }]);
    // The VPN goes away: its bytes stay counted.
    expect(t.add([{ iface: 'of-eth', rxBytes: 0, txBytes: 1100 }])).toEqual({ rxBytes: 100, txBytes: 1600 });
    // It comes back with fresh counters: counted from 0.
    expect(t.add([{ iface: 'of-vpn', rxBytes: 5, txBytes: 50 }, { iface: 'of-eth', rxBytes: 0, txBytes: 1100 }])).toEqual({
      rxBytes: 105,
      txBytes: 1650,
    });
  });

  it('reads the real machine', () => {
    const t = new MachineTotals();
    const a = t.read()!;
    const b = t.read()!;
    expect(a.txBytes).toBeGreaterThan(0);
    expect(b.txBytes).toBeGreaterThanOrEqual(a.txBytes);
  });
});
