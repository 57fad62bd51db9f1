import type { Migration } from './migration';

// Identity: an app is its executable path; a process is (pid, start_time). Traffic that no process
// could be found for is kept under a synthetic app per uid (attributed = 0), never dropped.
// Text that repeats on every row (addresses, local endpoints) is interned in its own table.
export const initial: Migration = {
  version: 1,
  name: 'initial',
  up: (db) => {
    db.exec(INITIAL_SQL);
  },
};

const INITIAL_SQL = `
      CREATE TABLE apps (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        attributed INTEGER NOT NULL DEFAULT 1 CHECK (attributed IN (0, 1)),
        sha256 TEXT,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE processes (
        id INTEGER PRIMARY KEY,
        app_id INTEGER NOT NULL REFERENCES apps(id),
        pid INTEGER NOT NULL,
        start_time INTEGER NOT NULL,
        uid INTEGER,
        ppid INTEGER,
        cmdline TEXT,
        cgroup TEXT,
        first_seen INTEGER NOT NULL,
        UNIQUE (pid, start_time)
      ) STRICT;

      CREATE TABLE remotes (
        id INTEGER PRIMARY KEY,
        addr TEXT NOT NULL UNIQUE,
        family INTEGER NOT NULL CHECK (family IN (4, 6)),
        scope TEXT NOT NULL,
        host TEXT,
        country TEXT,
        asn INTEGER,
        org TEXT,
        resolved_at INTEGER
      ) STRICT;

      CREATE TABLE flows (
        id INTEGER PRIMARY KEY,
        app_id INTEGER NOT NULL REFERENCES apps(id),
        process_id INTEGER REFERENCES processes(id),
        uid INTEGER,
        proto INTEGER NOT NULL CHECK (proto IN (6, 17)),
        local TEXT NOT NULL,
        lport INTEGER NOT NULL,
        remote_id INTEGER NOT NULL REFERENCES remotes(id),
        rport INTEGER NOT NULL,
        opened_at INTEGER NOT NULL,
        closed_at INTEGER,
        -- NULL = unknown (UDP without accounting); never 0 for unknown.
        bytes_out INTEGER,
        bytes_in INTEGER,
        -- Live-tracking state, cleared when the flow closes: the socket's identity and the last
        -- cumulative counters seen, so a restart neither loses nor double-counts bytes.
        sock_key TEXT,
        cum_out INTEGER,
        cum_in INTEGER
      ) STRICT;
      CREATE INDEX flows_opened ON flows (opened_at);
      CREATE INDEX flows_app_opened ON flows (app_id, opened_at);
      CREATE INDEX flows_open ON flows (sock_key) WHERE sock_key IS NOT NULL;

      CREATE TABLE traffic_minute (
        minute INTEGER NOT NULL,
        app_id INTEGER NOT NULL,
        remote_id INTEGER NOT NULL,
        rport INTEGER NOT NULL,
        proto INTEGER NOT NULL,
        bytes_out INTEGER NOT NULL DEFAULT 0,
        bytes_in INTEGER NOT NULL DEFAULT 0,
        flows INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (minute, app_id, remote_id, rport, proto)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX traffic_minute_app ON traffic_minute (app_id, minute);

      CREATE TABLE traffic_hour (
        hour INTEGER NOT NULL,
        app_id INTEGER NOT NULL,
        remote_id INTEGER NOT NULL,
        rport INTEGER NOT NULL,
        proto INTEGER NOT NULL,
        bytes_out INTEGER NOT NULL DEFAULT 0,
        bytes_in INTEGER NOT NULL DEFAULT 0,
        flows INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (hour, app_id, remote_id, rport, proto)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX traffic_hour_app ON traffic_hour (app_id, hour);

      -- Machine-wide interface counters per minute: the reference for "attributed vs total".
      CREATE TABLE machine_minute (
        minute INTEGER PRIMARY KEY,
        tx_bytes INTEGER NOT NULL,
        rx_bytes INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE rules (
        id INTEGER PRIMARY KEY,
        target TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('ip', 'cidr', 'host', 'any')),
        proto TEXT CHECK (proto IN ('tcp', 'udp')),
        port_lo INTEGER CHECK (port_lo BETWEEN 1 AND 65535),
        port_hi INTEGER CHECK (port_hi BETWEEN 1 AND 65535),
        app_path TEXT,
        action TEXT NOT NULL CHECK (action IN ('block', 'allow')),
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        until_restart INTEGER NOT NULL DEFAULT 0 CHECK (until_restart IN (0, 1)),
        enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
        note TEXT NOT NULL DEFAULT '',
        hits INTEGER,
        CHECK ((port_lo IS NULL) = (port_hi IS NULL) AND (port_lo IS NULL OR port_lo <= port_hi))
      ) STRICT;

      CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        app_id INTEGER REFERENCES apps(id),
        title TEXT NOT NULL,
        detail TEXT NOT NULL,
        count INTEGER NOT NULL DEFAULT 1,
        seen INTEGER NOT NULL DEFAULT 0 CHECK (seen IN (0, 1)),
        notified INTEGER NOT NULL DEFAULT 0 CHECK (notified IN (0, 1)),
        -- Coalescing key (kind + app + subject) and the end of its window.
        dedupe_key TEXT,
        window_end INTEGER
      ) STRICT;
      CREATE INDEX alerts_at ON alerts (at);
      CREATE INDEX alerts_dedupe ON alerts (dedupe_key, window_end);

      -- Destinations (host or ASN) each app has talked to, so "new destination" survives restarts.
      CREATE TABLE app_destinations (
        app_id INTEGER NOT NULL,
        dest TEXT NOT NULL,
        first_seen INTEGER NOT NULL,
        PRIMARY KEY (app_id, dest)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `;
