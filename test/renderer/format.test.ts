import { describe, expect, it } from 'vitest';
import './setup';
import { formatBytes, formatBytesShort, formatRate, UNKNOWN } from '../../renderer/src/format/bytes';
import { formatAge, formatCountdown, formatDuration } from '../../renderer/src/format/duration';
import { formatCost, formatPercent } from '../../renderer/src/format/money';
import { baseName, visibleText } from '../../renderer/src/format/text';
import { formatAgo, fromLocalInputValue, toLocalInputValue } from '../../renderer/src/format/time';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1, '1 B'],
    [999, '999 B'],
    [1000, '1.00 KB'],
    [1234, '1.23 KB'],
    [12_345, '12.3 KB'],
    [123_456, '123 KB'],
    [999_499, '999 KB'],
    [999_500, '1.00 MB'],
    [1_500_000, '1.50 MB'],
    [4_120_000_000, '4.12 GB'],
    [2.5e12, '2.50 TB'],
  ])('%d → %s', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });

  it('shows unknown as a dash, never 0', () => {
    expect(formatBytes(null)).toBe(UNKNOWN);
    expect(formatBytes(undefined)).toBe(UNKNOWN);
    expect(formatBytes(Number.NaN)).toBe(UNKNOWN);
    expect(formatBytes(null)).not.toContain('0');
  });

  it('short axis form', () => {
    expect(formatBytesShort(0)).toBe('0 B');
    expect(formatBytesShort(1_200_000)).toBe('1.2 MB');
    expect(formatBytesShort(15_000_000)).toBe('15 MB');
  });
});

describe('formatRate', () => {
  it('appends /s and keeps unknown distinct from zero', () => {
    expect(formatRate(0)).toBe('0 B/s');
    expect(formatRate(2_400_000)).toBe('2.40 MB/s');
    expect(formatRate(null)).toBe('—');
  });
});

describe('durations', () => {
  it.each([
    [0, '0 s'],
    [45_000, '45 s'],
    [60_000, '1 min'],
    [185_000, '3 min 5 s'],
    [3600_000, '1 h'],
    [2 * 3600_000 + 5 * 60_000 + 30_000, '2 h 5 min'],
    [3 * 86_400_000 + 4 * 3600_000, '3 d 4 h'],
    [-5, '0 s'],
  ])('formatDuration(%d) = %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('formatAge is compact', () => {
    expect(formatAge(1000, 13_000)).toBe('12s');
    expect(formatAge(0, 3 * 60_000 + 59_000)).toBe('3m');
    expect(formatAge(0, 2 * 3600_000 + 5 * 60_000)).toBe('2h 5m');
    expect(formatAge(0, 3600_000)).toBe('1h');
    expect(formatAge(0, 3 * 86_400_000 + 1)).toBe('3d');
    expect(formatAge(10_000, 5000)).toBe('0s'); // clock skew never shows negative ages
  });
});

describe('formatCountdown', () => {
  const now = 1_000_000;
  it('ticks down in m:ss and h:mm:ss', () => {
    expect(formatCountdown(now + 42_000, now)).toBe('0:42');
    expect(formatCountdown(now + 10 * 60_000, now)).toBe('10:00');
    expect(formatCountdown(now + 9 * 60_000 + 59_000, now)).toBe('9:59');
    expect(formatCountdown(now + 3600_000 + 2 * 60_000 + 3000, now)).toBe('1:02:03');
  });
  it('rounds up so an active rule never reads 0:00', () => {
    expect(formatCountdown(now + 1, now)).toBe('0:01');
    expect(formatCountdown(now + 59_001, now)).toBe('1:00');
  });
  it('switches to days beyond 24 h, and handles no deadline and expiry', () => {
    expect(formatCountdown(now + 2 * 86_400_000 + 3 * 3600_000, now)).toBe('2 d 3 h');
    expect(formatCountdown(null, now)).toBe('no limit');
    expect(formatCountdown(now, now)).toBe('expired');
    expect(formatCountdown(now - 1, now)).toBe('expired');
  });
});

describe('money and percent', () => {
  it('formats cost, keeping sub-cent amounts visible', () => {
    expect(formatCost(1.234, 'USD')).toMatch(/1\.23/);
    expect(formatCost(0, 'USD')).toMatch(/0\.00/);
    expect(formatCost(0.0031, 'USD')).toMatch(/0\.0031/);
    expect(formatCost(null, 'USD')).toBe('—');
    expect(formatCost(2, 'EUR')).toMatch(/2\.00/);
    // A bad currency code from the engine must not throw inside render.
    expect(() => formatCost(1, 'not a code')).not.toThrow();
  });
  it('coverage is honest about unknown', () => {
    expect(formatPercent(0.934)).toBe('93%');
    expect(formatPercent(1)).toBe('100%');
    expect(formatPercent(0.004)).toBe('<1%');
    expect(formatPercent(null)).toBe('unknown');
  });
});

describe('visibleText', () => {
  it('makes newlines, controls and bidi overrides visible', () => {
    expect(visibleText('a\nb')).toBe('a\u240Ab');
    expect(visibleText('tab\there')).toBe('tab\u2409here');
    expect(visibleText('evil\u202Egnp.exe')).toBe('evil⟦U+202E⟧gnp.exe');
    expect(visibleText('x\u2066y\u2069')).toBe('x⟦U+2066⟧y⟦U+2069⟧');
    expect(visibleText('del\u007f')).toBe('del\u2421');
  });
  it('leaves ordinary text (including non-Latin scripts) alone', () => {
    expect(visibleText('firefox')).toBe('firefox');
    expect(visibleText('ファイアフォックス')).toBe('ファイアフォックス');
    expect(visibleText('مرحبا')).toBe('مرحبا');
    expect(visibleText(null)).toBe('');
  });
  it('baseName', () => {
    expect(baseName('/usr/lib/firefox/firefox')).toBe('firefox');
    expect(baseName('C:\\Program Files\\App\\app.exe')).toBe('app.exe');
  });
});

describe('local time helpers', () => {
  it('datetime-local round trip', () => {
    const ms = new Date(2026, 10, 26, 14, 3).getTime();
    expect(toLocalInputValue(ms)).toBe('2026-11-26T14:03');
    expect(fromLocalInputValue('2026-11-26T14:03')).toBe(ms);
    expect(fromLocalInputValue('')).toBeNull();
    expect(fromLocalInputValue('garbage')).toBeNull();
  });
  it('formatAgo', () => {
    const now = 10 * 86_400_000;
    expect(formatAgo(now - 5000, now)).toBe('just now');
    expect(formatAgo(now - 5 * 60_000, now)).toBe('5 min ago');
    expect(formatAgo(now - 3 * 3600_000, now)).toBe('3 h ago');
    expect(formatAgo(null, now)).toBe('—');
  });
});
