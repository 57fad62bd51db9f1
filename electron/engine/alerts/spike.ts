import type { Db } from '../../store/db';
import type { TickDetector } from './service';
import { usualHourlyBytes } from './usual-rate';

// "This app is sending far more than usual." Two triggers over one sliding window of the last
// `spikeMinutes` (kept in memory from each tick's per-app byte deltas):
//   - absolute: more than `spikeMb` MB (10^6 bytes) sent within the window;
//   - relative: the window's rate, scaled to an hour, is above `spikeFactor` × the app's usual
//     hourly bytes for this hour of day (usual-rate.ts: needs ≥ 7 days with traffic at this hour in
//     the last 28), and the window holds at least `minFactorBytes` so tiny apps cannot spike on noise.
// An app fires once when it crosses into spiking and re-arms when it falls back below; bursts within
// the coalescing window fold into one alert.
// Limitation: the per-app deltas include loopback and LAN bytes (TickOutcome.perApp does not split
// them), so a local transfer can trip the absolute threshold.

export interface SpikeOptions {
  minFactorBytes?: number;
  historyDays?: number;
  minHistoryDays?: number;
}

interface AppWindow {
  samples: { at: number; out: number }[];
  sum: number;
  over: boolean;
}

/** Samples closer than this are merged, so a day-long window at 1 s ticks stays small. */
const SAMPLE_MS = 10_000;
const MB = 1e6;

export function createSpikeDetector(db: Db, o: SpikeOptions = {}): TickDetector {
  const minFactorBytes = o.minFactorBytes ?? 5 * MB;
  const rate = { historyDays: o.historyDays ?? 28, minDays: o.minHistoryDays ?? 7 };
  const nameOf = db.prepare('SELECT name FROM apps WHERE id = ?');
  const windows = new Map<number, AppWindow>();
  // Baselines change once an hour at most: cache per (app, hour).
  const usual = new Map<string, number | null>();

  const baseline = (appId: number, at: number): number | null => {
    const key = `${appId}@${Math.floor(at / 3_600_000)}`;
    if (!usual.has(key)) {
      if (usual.size > 10_000) usual.clear();
      usual.set(key, usualHourlyBytes(db, appId, at, rate));
    }
    return usual.get(key)!;
  };

  return (outcome, at, settings) => {
    const windowMs = settings.spikeMinutes * 60_000;
    for (const [appId, d] of outcome.perApp) {
      if (d.out <= 0) continue;
      let w = windows.get(appId);
      if (!w) {
        w = { samples: [], sum: 0, over: false };
        windows.set(appId, w);
      }
      const last = w.samples[w.samples.length - 1];
      if (last && at - last.at < SAMPLE_MS) last.out += d.out;
      else w.samples.push({ at, out: d.out });
      w.sum += d.out;
    }

    const drafts: ReturnType<TickDetector> = [];
    for (const [appId, w] of windows) {
      while (w.samples.length > 0 && w.samples[0]!.at <= at - windowMs) w.sum -= w.samples.shift()!.out;
      if (w.samples.length === 0) {
        windows.delete(appId);
        continue;
      }
      const absolute = w.sum > settings.spikeMb * MB;
      let usualBytes: number | null = null;
      let relative = false;
      if (!absolute && w.sum >= minFactorBytes) {
        usualBytes = baseline(appId, at);
        relative = usualBytes !== null && (w.sum * 3_600_000) / windowMs > settings.spikeFactor * usualBytes;
      }
      const spiking = absolute || relative;
      if (spiking && !w.over) {
        const name = (nameOf.get(appId) as { name: string } | undefined)?.name ?? `app ${appId}`;
        const sent = `${(w.sum / MB).toFixed(1)} MB in the last ${settings.spikeMinutes} min`;
        drafts.push({
          at,
          kind: 'spike',
          appId,
          title: `${name}: unusual upload`,
          detail: absolute
            ? `${sent} (threshold ${settings.spikeMb} MB)`
            : `${sent}, over ${settings.spikeFactor}× its usual ${(usualBytes! / MB).toFixed(1)} MB per hour at this time of day`,
          dedupeKey: `spike:${appId}`,
        });
      }
      w.over = spiking;
    }
    return drafts;
  };
}
