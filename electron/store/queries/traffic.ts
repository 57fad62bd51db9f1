import type { Db } from '../db';
import type { Proto } from '../../shared/types';
import { protoNumber } from './flows';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;

export interface TrafficDelta {
  appId: number;
  remoteId: number;
  rport: number;
  proto: Proto;
  bytesOut: number;
  bytesIn: number;
  /** New connections in this delta. */
  flows: number;
}

/** Per-minute byte buckets by (app, destination, port, proto); rolled up into hours for the long term. */
export class TrafficTable {
  private readonly upsertMinute;
  private readonly upsertMachine;

  constructor(db: Db) {
    this.upsertMinute = db.prepare(
      `INSERT INTO traffic_minute (minute, app_id, remote_id, rport, proto, bytes_out, bytes_in, flows)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (minute, app_id, remote_id, rport, proto) DO UPDATE SET
         bytes_out = bytes_out + excluded.bytes_out,
         bytes_in = bytes_in + excluded.bytes_in,
         flows = flows + excluded.flows`,
    );
    this.upsertMachine = db.prepare(
      `INSERT INTO machine_minute (minute, tx_bytes, rx_bytes) VALUES (?, ?, ?)
       ON CONFLICT (minute) DO UPDATE SET tx_bytes = tx_bytes + excluded.tx_bytes, rx_bytes = rx_bytes + excluded.rx_bytes`,
    );
  }

  add(at: number, d: TrafficDelta): void {
    const minute = Math.floor(at / MINUTE) * MINUTE;
    this.upsertMinute.run(minute, d.appId, d.remoteId, d.rport, protoNumber(d.proto), d.bytesOut, d.bytesIn, d.flows);
  }

  addMachine(at: number, tx: number, rx: number): void {
    this.upsertMachine.run(Math.floor(at / MINUTE) * MINUTE, tx, rx);
  }
}
