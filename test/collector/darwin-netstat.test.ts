import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { netstatArgv, parseNetstat } from '../../electron/collector/parse/darwin-netstat';

describe('netstat -ibn', () => {
  it('builds its argv', () => {
    expect(netstatArgv()).toEqual(['-ibn']);
  });

  it('sums the link rows of every non-loopback interface once, address column present or not', () => {
    const parsed = parseNetstat(readFileSync(join(__dirname, '../fixtures/darwin/netstat-ibn.txt'), 'utf8'));
    expect(parsed).toEqual({ totals: { rxBytes: 9876543210 + 2560, txBytes: 543210987 + 2900 }, interfaces: 4, skipped: 0 });
  });

  it('skips unreadable counters and reports no header as no totals', () => {
    const text = 'Name Mtu Network Address Ipkts Ierrs Ibytes Opkts Oerrs Obytes Coll\nen0 1500 <Link#4> aa:bb 1 0 x 1 0 5 0\nen1 1500 <Link#5> 1 0 7 1 0 9 0\n';
    expect(parseNetstat(text)).toEqual({ totals: { rxBytes: 7, txBytes: 9 }, interfaces: 1, skipped: 1 });
    expect(parseNetstat('nonsense\n').totals).toBeNull();
  });
});
