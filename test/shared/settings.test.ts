import { describe, expect, it } from 'vitest';
import { defaultSettings, settingsPatchSchema, settingsSchema } from '../../electron/shared/settings';
import { parseInput } from '../../electron/shared/contract';

describe('settings', () => {
  it('a patch carries only what it names (no defaults filled in that would reset other settings)', () => {
    expect(settingsPatchSchema.parse({ pollMs: 2000 })).toEqual({ pollMs: 2000 });
    expect(parseInput('settings.set', { costPerGb: 0.12 })).toEqual({ costPerGb: 0.12 });
  });

  it('rejects wrong types, unknown keys and out-of-range values', () => {
    expect(() => parseInput('settings.set', { pollMs: 'fast' })).toThrow(/pollMs/);
    expect(() => parseInput('settings.set', { pollMs: 10 })).toThrow(/pollMs/);
    expect(() => parseInput('settings.set', { bogus: true })).toThrow();
    expect(() => parseInput('settings.set', { quietStart: '25:00' })).toThrow(/quietStart/);
  });

  it('has sane defaults', () => {
    expect(settingsSchema.parse({})).toEqual(defaultSettings);
    expect(defaultSettings).toMatchObject({ pollMs: 1000, idlePollMs: 2000, includeLoopback: false, learningMinutes: 60 });
    expect(defaultSettings.fleet.enabled).toBe(false);
  });

  it('keeps individual connections for days and the roll-ups for months and years, each on its own', () => {
    expect(defaultSettings).toMatchObject({ retentionDays: 3, hourlyRetentionDays: 90, dailyRetentionDays: 730 });
    // Independent: a daily retention shorter than the hourly one is accepted as it stands.
    expect(parseInput('settings.set', { dailyRetentionDays: 30, hourlyRetentionDays: 90 })).toEqual({ dailyRetentionDays: 30, hourlyRetentionDays: 90 });
    for (const key of ['retentionDays', 'hourlyRetentionDays', 'dailyRetentionDays'] as const) {
      expect(() => parseInput('settings.set', { [key]: 0 })).toThrow(new RegExp(key));
      expect(() => parseInput('settings.set', { [key]: 3651 })).toThrow(new RegExp(key));
      expect(() => parseInput('settings.set', { [key]: 1.5 })).toThrow(new RegExp(key));
    }
  });
});

describe('rules for loopback', () => {
  it('are refused with the reason, since loopback is never filtered', () => {
    for (const target of ['127.0.0.1', '127.1.2.0/24', '::1']) {
      expect(() => parseInput('rules.add', { target, force: true })).toThrow(/loopback/);
    }
    expect(parseInput('rules.add', { target: '0.0.0.0/0', force: true }).target).toBe('0.0.0.0/0');
  });
});
