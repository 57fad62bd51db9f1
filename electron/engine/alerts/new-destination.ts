import type { Db } from '../../store/db';
import type { AppRow } from '../../store/queries/apps';
import type { RemoteRow } from '../../store/queries/remotes';
import type { TickDetector } from './service';
import { destinationKey, type DestinationKey } from './destination-key';

// "This app talked to somewhere it never talked to before." Destinations are grouped (registrable
// domain, else network owner, else /24 or /48; see destination-key.ts) and remembered per app in
// `app_destinations`, so a restart never re-alerts.
//
// - Loopback is never a destination.
// - A brand-new app's first destinations (within its first coalescing window) are covered by its
//   new-app alert: they are remembered silently.
// - A new address is held up to `deferMs` for its reverse-DNS name, so the alert can say
//   "example.com" rather than "AS15169". When the name arrives later, the address itself (`ip:<addr>`,
//   remembered with every name-less destination) keeps it from counting as new a second time.
// - New destinations of one app within the coalescing window fold into one alert whose detail lists them.

export interface NewDestinationOptions {
  /** How long a new address waits for its name before it is judged by network owner or /24. */
  deferMs?: number;
}

interface Pending {
  app: AppRow;
  remote: RemoteRow;
  rport: number;
  since: number;
}

const MAX_DECIDED = 200_000;
const MAX_LISTED = 5;

export function createNewDestinationDetector(db: Db, o: NewDestinationOptions = {}): TickDetector {
  const deferMs = o.deferMs ?? 3000;
  const has = db.prepare('SELECT 1 FROM app_destinations WHERE app_id = ? AND dest = ?');
  const remember = db.prepare('INSERT OR IGNORE INTO app_destinations (app_id, dest, first_seen) VALUES (?, ?, ?)');
  const pending = new Map<string, Pending>();
  // (app, remote) pairs already judged this run: the hot path for chatty apps never touches SQLite.
  const decided = new Set<string>();
  // Per app, the destinations listed in its open alert window.
  const windows = new Map<number, { until: number; names: string[] }>();

  const known = (appId: number, key: string): boolean => has.get(appId, key) !== undefined;

  function judge(p: Pending, dk: DestinationKey, at: number, windowMs: number): string | null {
    const ipKey = `ip:${p.remote.addr}`;
    const seen = known(p.app.id, dk.key) || known(p.app.id, ipKey);
    remember.run(p.app.id, dk.key, at);
    if (dk.kind !== 'domain') remember.run(p.app.id, ipKey, at);
    if (seen) return null;
    if (at - p.app.firstSeen < windowMs) return null;
    return label(dk, p.remote);
  }

  return (outcome, at, settings) => {
    for (const f of outcome.newFlows) {
      if (f.remote.scope === 'loopback' || f.remote.scope === 'unspecified') continue;
      const pair = `${f.app.id}|${f.remote.id}`;
      if (decided.has(pair) || pending.has(pair)) continue;
      pending.set(pair, { app: f.app, remote: f.remote, rport: f.rport, since: at });
    }
    if (pending.size === 0) return [];

    const windowMs = settings.coalesceMinutes * 60_000;
    const fresh = new Map<number, { app: AppRow; items: { name: string; p: Pending }[] }>();
    for (const [pair, p] of pending) {
      if (p.remote.host === null && at - p.since < deferMs) continue;
      pending.delete(pair);
      if (decided.size >= MAX_DECIDED) decided.clear();
      decided.add(pair);
      const dk = destinationKey(p.remote);
      if (!dk) continue;
      const name = judge(p, dk, at, windowMs);
      if (name === null) continue;
      const entry = fresh.get(p.app.id) ?? { app: p.app, items: [] };
      entry.items.push({ name, p });
      fresh.set(p.app.id, entry);
    }

    const drafts: ReturnType<TickDetector> = [];
    for (const [appId, { app, items }] of fresh) {
      let w = windows.get(appId);
      if (!w || w.until <= at) {
        w = { until: at + windowMs, names: [] };
        windows.set(appId, w);
      }
      for (const { name, p } of items) {
        w.names.push(name);
        drafts.push({
          at,
          kind: 'new-destination',
          appId,
          title: `${app.name}: new destination`,
          detail: describe(w.names, p),
          dedupeKey: `new-destination:${appId}`,
        });
      }
    }
    for (const [appId, w] of windows) if (w.until <= at) windows.delete(appId);
    return drafts;
  };
}

function label(dk: DestinationKey, r: RemoteRow): string {
  if (dk.kind === 'asn') return r.org ? `${dk.key} (${r.org})` : dk.key;
  return dk.key;
}

/** The latest destination in full, then the others of the window by name. */
function describe(names: string[], p: Pending): string {
  const latest = names[names.length - 1]!;
  const where = [p.remote.host, p.remote.org, p.remote.country].filter((x): x is string => !!x).join(', ');
  const head = `${latest}: ${p.remote.addr} port ${p.rport}${where ? ` (${where})` : ''}`;
  const earlier = names.slice(0, -1).reverse();
  if (earlier.length === 0) return head;
  const shown = earlier.slice(0, MAX_LISTED);
  const more = earlier.length - shown.length;
  return `${head}; also ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}
