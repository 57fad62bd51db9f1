import type { Db } from '../db';
import type { Proto } from '../../shared/types';

export const protoNumber = (p: Proto): 6 | 17 => (p === 'tcp' ? 6 : 17);
export const protoName = (n: number): Proto => (n === 17 ? 'udp' : 'tcp');

export interface NewFlow {
  appId: number;
  processId: number | null;
  uid: number | null;
  proto: Proto;
  local: string;
  lport: number;
  remoteId: number;
  rport: number;
  openedAt: number;
  closedAt: number | null;
  bytesOut: number | null;
  bytesIn: number | null;
  sockKey: string | null;
  cumOut: number | null;
  cumIn: number | null;
}

/** An open flow as the previous run left it: its socket key and last cumulative counters. */
export type OpenFlowRow = Omit<NewFlow, 'closedAt' | 'sockKey'> & { id: number; sockKey: string };

/** Per-connection rows. Open rows carry the socket key and last cumulative counters. */
export class FlowsTable {
  private readonly insertStmt;
  private readonly updateStmt;
  private readonly closeStmt;
  private readonly openStmt;
  private readonly rekeyStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO flows (app_id, process_id, uid, proto, local, lport, remote_id, rport, opened_at, closed_at,
                          bytes_out, bytes_in, sock_key, cum_out, cum_in)
       VALUES (@appId, @processId, @uid, @proto, @local, @lport, @remoteId, @rport, @openedAt, @closedAt,
               @bytesOut, @bytesIn, @sockKey, @cumOut, @cumIn) RETURNING id`,
    );
    this.updateStmt = db.prepare('UPDATE flows SET bytes_out = ?, bytes_in = ?, cum_out = ?, cum_in = ? WHERE id = ?');
    this.closeStmt = db.prepare(
      'UPDATE flows SET bytes_out = ?, bytes_in = ?, closed_at = ?, sock_key = NULL, cum_out = NULL, cum_in = NULL WHERE id = ?',
    );
    this.rekeyStmt = db.prepare('UPDATE flows SET sock_key = ? WHERE id = ?');
    this.openStmt = db.prepare(
      `SELECT id, app_id, process_id, uid, proto, local, lport, remote_id, rport, opened_at, bytes_out, bytes_in,
              sock_key, cum_out, cum_in FROM flows WHERE sock_key IS NOT NULL`,
    );
  }

  insert(f: NewFlow): number {
    return (this.insertStmt.get({ ...f, proto: protoNumber(f.proto) }) as { id: number }).id;
  }

  update(id: number, bytesOut: number | null, bytesIn: number | null, cumOut: number | null, cumIn: number | null): void {
    this.updateStmt.run(bytesOut, bytesIn, cumOut, cumIn, id);
  }

  close(id: number, bytesOut: number | null, bytesIn: number | null, closedAt: number): void {
    this.closeStmt.run(bytesOut, bytesIn, closedAt, id);
  }

  /** A flow first seen by precise mode is the same connection as a socket found later. */
  rekey(id: number, sockKey: string): void {
    this.rekeyStmt.run(sockKey, id);
  }

  /** Flows that were open when the previous engine stopped (to continue or close them). */
  loadOpen(): OpenFlowRow[] {
    return (this.openStmt.all() as RawOpen[]).map((r) => ({
      id: r.id,
      appId: r.app_id,
      processId: r.process_id,
      uid: r.uid,
      proto: protoName(r.proto),
      local: r.local,
      lport: r.lport,
      remoteId: r.remote_id,
      rport: r.rport,
      openedAt: r.opened_at,
      bytesOut: r.bytes_out,
      bytesIn: r.bytes_in,
      sockKey: r.sock_key,
      cumOut: r.cum_out,
      cumIn: r.cum_in,
    }));
  }
}

interface RawOpen {
  id: number;
  app_id: number;
  process_id: number | null;
  uid: number | null;
  proto: number;
  local: string;
  lport: number;
  remote_id: number;
  rport: number;
  opened_at: number;
  bytes_out: number | null;
  bytes_in: number | null;
  sock_key: string;
  cum_out: number | null;
  cum_in: number | null;
}
