import type { Db } from '../db';
import type { AddressScope, Family, HostInfo } from '../../shared/types';

export interface RemoteRow extends HostInfo {
  id: number;
  addr: string;
  family: Family;
}

/** Interned remote addresses with what we know of them (name, country, network owner). */
/**
 * Destinations cached in memory, most recently used last. A workstation meets tens of thousands of
 * addresses a day and the table keeps them all; the cache keeps the ones in use (flows hold their
 * rows) and loads the rest by primary key or unique index when asked.
 */
const MAX_CACHED = 20_000;

export class RemotesTable {
  private readonly byAddr = new Map<string, RemoteRow>();
  private readonly byId = new Map<number, RemoteRow>();
  private readonly insert;
  private readonly setHost;
  private readonly loadOne;
  private readonly loadById;

  constructor(db: Db) {
    this.insert = db.prepare(
      'INSERT INTO remotes (addr, family, scope, host, country, asn, org) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id',
    );
    this.setHost = db.prepare('UPDATE remotes SET host = ?, resolved_at = ? WHERE id = ?');
    this.loadOne = db.prepare('SELECT id, addr, family, scope, host, country, asn, org FROM remotes WHERE addr = ?');
    this.loadById = db.prepare('SELECT id, addr, family, scope, host, country, asn, org FROM remotes WHERE id = ?');
  }

  ensure(addr: string, family: Family, info: Omit<HostInfo, 'host'>, host: string | null): RemoteRow {
    const cached = this.byAddr.get(addr);
    if (cached) return this.used(cached);
    const existing = this.loadOne.get(addr) as RawRemote | undefined;
    const row: RemoteRow = existing
      ? fromRaw(existing)
      : {
          id: (this.insert.get(addr, family, info.scope, host, info.country, info.asn, info.org) as { id: number }).id,
          addr,
          family,
          host,
          country: info.country,
          asn: info.asn,
          org: info.org,
          scope: info.scope,
        };
    return this.remember(row);
  }

  get(id: number): RemoteRow | undefined {
    const cached = this.byId.get(id);
    if (cached) return this.used(cached);
    const raw = this.loadById.get(id) as RawRemote | undefined;
    return raw ? this.remember(fromRaw(raw)) : undefined;
  }

  /** Returns true when the stored name changed. */
  recordHost(addr: string, host: string | null, now: number): boolean {
    if (host === null) return false;
    let row = this.byAddr.get(addr);
    if (!row) {
      // Evicted since (a name can take seconds to arrive): the table still has it.
      const raw = this.loadOne.get(addr) as RawRemote | undefined;
      if (!raw) return false;
      row = this.remember(fromRaw(raw));
    }
    if (row.host === host) return false;
    this.setHost.run(host, now, row.id);
    row.host = host;
    return true;
  }

  get size(): number {
    return this.byAddr.size;
  }

  /** Moves a hit to the recently used end (a Map iterates in insertion order). */
  private used(row: RemoteRow): RemoteRow {
    this.byAddr.delete(row.addr);
    this.byAddr.set(row.addr, row);
    return row;
  }

  private remember(row: RemoteRow): RemoteRow {
    this.byAddr.set(row.addr, row);
    this.byId.set(row.id, row);
    while (this.byAddr.size > MAX_CACHED) {
      const oldest = this.byAddr.values().next().value!;
      this.byAddr.delete(oldest.addr);
      this.byId.delete(oldest.id);
    }
    return row;
  }
}

interface RawRemote {
  id: number;
  addr: string;
  family: number;
  scope: string;
  host: string | null;
  country: string | null;
  asn: number | null;
  org: string | null;
}

function fromRaw(r: RawRemote): RemoteRow {
  return {
    id: r.id,
    addr: r.addr,
    family: r.family === 6 ? 6 : 4,
    scope: r.scope as AddressScope,
    host: r.host,
    country: r.country,
    asn: r.asn,
    org: r.org,
  };
}
