import type { Migration } from './migration';

// Long-range reports and database size (measured by bench/history.js and bench/db-size.js on a
// synthetic busy workstation: 300 new connections a minute, 2 000 live).
//
// - traffic_day: a daily roll-up of traffic_hour, so a 30-day "top destinations" reads ~7 000 rows a
//   day instead of ~70 000 hourly ones (or 800 000 minute ones).
// - app_hour: per-app hourly totals split by loopback, with the internet (billable) bytes, so the
//   per-app totals of any range read a few dozen rows an hour and join nothing.
// - traffic_minute_app goes: reports now read minutes only for the partial hours at the edges of a
//   range and the hour not yet rolled up, where the primary key (minute first) is the right index;
//   the index cost ~23 bytes per minute bucket, a fifth of a busy day's growth.
// Both new tables are filled from the hourly roll-ups already held.
export const rollups: Migration = {
  version: 2,
  name: 'rollups',
  up: (db) => {
    db.exec(ROLLUPS_SQL);
    // Whole days whose hours are all rolled up.
    const rolled = db.prepare("SELECT value FROM settings WHERE key = '_rolled_until'").get() as { value: string } | undefined;
    const until = Math.floor(Number(rolled?.value ?? 0) / 86_400_000) * 86_400_000;
    if (until > 0) {
      db.prepare(
        `INSERT INTO traffic_day (day, app_id, remote_id, rport, proto, bytes_out, bytes_in, flows)
         SELECT (hour / 86400000) * 86400000, app_id, remote_id, rport, proto, SUM(bytes_out), SUM(bytes_in), SUM(flows)
           FROM traffic_hour WHERE hour < ?
          GROUP BY hour / 86400000, app_id, remote_id, rport, proto`,
      ).run(until);
      db.prepare("INSERT INTO settings (key, value) VALUES ('_days_rolled_until', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(String(until));
    }
  },
};

const ROLLUPS_SQL = `
      DROP INDEX IF EXISTS traffic_minute_app;

      CREATE TABLE traffic_day (
        day INTEGER NOT NULL,
        app_id INTEGER NOT NULL,
        remote_id INTEGER NOT NULL,
        rport INTEGER NOT NULL,
        proto INTEGER NOT NULL,
        bytes_out INTEGER NOT NULL DEFAULT 0,
        bytes_in INTEGER NOT NULL DEFAULT 0,
        flows INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (day, app_id, remote_id, rport, proto)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX traffic_day_app ON traffic_day (app_id, day);

      CREATE TABLE app_hour (
        hour INTEGER NOT NULL,
        app_id INTEGER NOT NULL,
        loopback INTEGER NOT NULL CHECK (loopback IN (0, 1)),
        bytes_out INTEGER NOT NULL DEFAULT 0,
        bytes_in INTEGER NOT NULL DEFAULT 0,
        flows INTEGER NOT NULL DEFAULT 0,
        billable_out INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (hour, app_id, loopback)
      ) STRICT, WITHOUT ROWID;

      INSERT INTO app_hour (hour, app_id, loopback, bytes_out, bytes_in, flows, billable_out)
      SELECT t.hour, t.app_id, r.scope = 'loopback', SUM(t.bytes_out), SUM(t.bytes_in), SUM(t.flows),
             SUM(CASE WHEN r.scope = 'internet' THEN t.bytes_out ELSE 0 END)
        FROM traffic_hour t JOIN remotes r ON r.id = t.remote_id
       GROUP BY t.hour, t.app_id, r.scope = 'loopback';
    `;
