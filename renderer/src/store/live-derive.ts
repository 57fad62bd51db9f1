import type { LiveApp, LiveFlow, LiveSnapshot } from '../../../electron/shared/types';

/** An app group as the Live view shows it: loopback flows removed unless asked for, totals adjusted to match. */
export interface ViewApp {
  key: string;
  app: LiveApp;
  /** Honest label: the app name, or "Unattributed (uid N)" for traffic no process was found for. */
  label: string;
  flows: LiveFlow[];
  rateOut: number;
  rateIn: number;
  bytesOut: number;
  bytesIn: number;
  /** Some flows have bytes the OS does not report, so the totals are a lower bound. */
  partialBytes: boolean;
  hiddenLoopback: number;
}

export function unattributedLabel(app: Pick<LiveApp, 'key' | 'flows'>): string {
  const fromKey = /^uid:(\d+)$/.exec(app.key);
  const uid = fromKey ? Number(fromKey[1]) : app.flows.find((f) => f.uid !== null)?.uid ?? null;
  return uid === null ? 'Unattributed (uid unknown)' : `Unattributed (uid ${uid})`;
}

export function appLabel(app: LiveApp): string {
  return app.attributed ? app.name : unattributedLabel(app);
}

const sub = (total: number, part: number): number => Math.max(0, total - part);

export function deriveApp(app: LiveApp, showLoopback: boolean): ViewApp | null {
  let flows = app.flows;
  let rateOut = app.rateOut;
  let rateIn = app.rateIn;
  let bytesOut = app.bytesOut;
  let bytesIn = app.bytesIn;
  let hidden = 0;
  if (!showLoopback) {
    const kept: LiveFlow[] = [];
    for (const f of app.flows) {
      if (f.scope === 'loopback') {
        hidden += 1;
        rateOut = sub(rateOut, f.rateOut ?? 0);
        rateIn = sub(rateIn, f.rateIn ?? 0);
        bytesOut = sub(bytesOut, f.bytesOut ?? 0);
        bytesIn = sub(bytesIn, f.bytesIn ?? 0);
      } else kept.push(f);
    }
    // An app that only talks to itself is not egress: hide it with its loopback flows.
    if (kept.length === 0 && hidden > 0) return null;
    flows = hidden ? kept : app.flows;
  }
  const partialBytes = flows.some((f) => f.bytesOut === null || f.bytesIn === null);
  return { key: app.key, app, label: appLabel(app), flows, rateOut, rateIn, bytesOut, bytesIn, partialBytes, hiddenLoopback: hidden };
}

export function deriveApps(snapshot: LiveSnapshot, showLoopback: boolean): ViewApp[] {
  const out: ViewApp[] = [];
  for (const app of snapshot.apps) {
    const v = deriveApp(app, showLoopback);
    if (v) out.push(v);
  }
  return out;
}
