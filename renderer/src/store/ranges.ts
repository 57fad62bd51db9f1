import type { Bucket } from '../../../electron/shared/types';

export type RangePreset = '1h' | '24h' | '7d' | '30d';

export const RANGE_PRESETS: readonly { id: RangePreset; label: string; ms: number; bucket: Bucket }[] = [
  { id: '1h', label: 'Last hour', ms: 3600_000, bucket: 'minute' },
  { id: '24h', label: 'Last 24 hours', ms: 24 * 3600_000, bucket: 'minute' },
  { id: '7d', label: 'Last 7 days', ms: 7 * 24 * 3600_000, bucket: 'hour' },
  { id: '30d', label: 'Last 30 days', ms: 30 * 24 * 3600_000, bucket: 'hour' },
];

export function presetInfo(id: RangePreset): { id: RangePreset; label: string; ms: number; bucket: Bucket } {
  return RANGE_PRESETS.find((p) => p.id === id) ?? RANGE_PRESETS[1]!;
}

/** Minute buckets up to a day, hourly beyond, so a chart never has more than ~1500 points. */
export function bucketFor(spanMs: number): Bucket {
  return spanMs <= 24 * 3600_000 ? 'minute' : 'hour';
}
