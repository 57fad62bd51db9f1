import type { Db } from '../db';
import type { AddressScope, Family, HostInfo } from '../../shared/types';

export interface RemoteRow extends HostInfo {
  id: number;
  addr: string;
  family: Family;
}

/** Interned remote addresses with what we know of them (name, country, network owner). */
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
    if (cached) return cached;
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
    this.byAddr.set(addr, row);
    this.byId.set(row.id, row);
    return row;
  }

  get(id: number): RemoteRow | undefined {
    const cached = this.byId.get(id);
    if (cached) return cached;
    const raw = this.loadById.get(id) as RawRemote | undefined;
    if (!raw) return undefined;
    const row = fromRaw(raw);
    this.byAddr.set(row.addr, row);
    this.byId.set(row.id, row);
    return row;
  }

  /** Returns true when the stored name changed. */
  recordHost(addr: string, host: string | null, now: number): boolean {
    const row = this.byAddr.get(addr);
    if (!row || row.host === host || host === null) return false;
    this.setHost.run(host, now, row.id);
    row.host = host;
    return true;
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
