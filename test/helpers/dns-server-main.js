// A small authoritative DNS server over UDP for tests: answers A, AAAA and PTR from a fixed record set,
// NODATA for other types of a known name, NXDOMAIN for unknown names. Wire format written here (RFC 1035),
// no dependency. Typed wrapper: test/helpers/dns-server.ts.
//
// As a module:  const { startDnsServer } = require('./dns-server-main.js')
// As a program (e.g. inside a test namespace with `ip netns exec`):
//   node dns-server-main.js '<json options>'
// prints one line `{"port":N}` once listening, then `{"query":{"name":..,"type":..}}` per query when
// options.log is true; exits cleanly on SIGTERM or SIGINT.
'use strict';
const dgram = require('node:dgram');
const net = require('node:net');

const TYPES = { A: 1, PTR: 12, AAAA: 28 };
const TYPE_NAMES = { 1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 41: 'OPT', 65: 'HTTPS', 255: 'ANY' };
const MAX_UDP = 512;

function normName(name) {
  return String(name).replace(/\.$/, '').toLowerCase();
}

function expandIPv6(addr) {
  const [head, tail = null] = addr.split('::');
  const toGroups = (s) => (s ? s.split(':') : []);
  let groups = toGroups(head);
  if (tail !== null) {
    const t = toGroups(tail);
    groups = groups.concat(new Array(8 - groups.length - t.length).fill('0'), t);
  }
  return groups.map((g) => g.padStart(4, '0')).join('');
}

/** PTR keys may be IP addresses or reverse names; both become the reverse name. */
function reverseName(key) {
  if (net.isIPv4(key)) return `${key.split('.').reverse().join('.')}.in-addr.arpa`;
  if (net.isIPv6(key)) return `${expandIPv6(key.toLowerCase()).split('').reverse().join('.')}.ip6.arpa`;
  return normName(key);
}

/** Labels are written as raw bytes, so a test can serve hostile names (control characters, markup). */
function encodeName(name) {
  const trimmed = String(name).replace(/\.$/, '');
  const parts = [];
  if (trimmed !== '') {
    for (const label of trimmed.split('.')) {
      const bytes = Buffer.from(label, 'utf8');
      if (bytes.length === 0 || bytes.length > 63) throw new Error(`dns-server: label of ${bytes.length} bytes in ${JSON.stringify(name)}`);
      parts.push(Buffer.from([bytes.length]), bytes);
    }
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

function buildZone(records) {
  const zone = new Map(); // name -> { A: Buffer[], AAAA: Buffer[], PTR: Buffer[] }
  const entry = (name) => {
    let e = zone.get(name);
    if (!e) zone.set(name, (e = { A: [], AAAA: [], PTR: [] }));
    return e;
  };
  for (const [name, addrs] of Object.entries(records.A || {})) {
    for (const a of addrs) {
      if (!net.isIPv4(a)) throw new Error(`dns-server: bad A address ${a}`);
      entry(normName(name)).A.push(Buffer.from(a.split('.').map(Number)));
    }
  }
  for (const [name, addrs] of Object.entries(records.AAAA || {})) {
    for (const a of addrs) {
      if (!net.isIPv6(a)) throw new Error(`dns-server: bad AAAA address ${a}`);
      entry(normName(name)).AAAA.push(Buffer.from(expandIPv6(a.toLowerCase()), 'hex'));
    }
  }
  for (const [key, targets] of Object.entries(records.PTR || {})) {
    for (const target of Array.isArray(targets) ? targets : [targets]) entry(reverseName(key)).PTR.push(encodeName(target));
  }
  return zone;
}

/** Returns { id, flags, question (raw bytes), name, qtype, qclass } or null when malformed. */
function parseQuery(msg) {
  if (msg.length < 12) return null;
  const id = msg.readUInt16BE(0);
  const flags = msg.readUInt16BE(2);
  if (flags & 0x8000) return null; // a response, not a query
  if (msg.readUInt16BE(4) < 1) return null;
  let off = 12;
  const labels = [];
  for (;;) {
    if (off >= msg.length) return null;
    const len = msg[off];
    if (len === 0) {
      off++;
      break;
    }
    if (len > 63 || off + 1 + len > msg.length) return null; // compression pointers never appear in a question
    labels.push(msg.toString('latin1', off + 1, off + 1 + len));
    off += 1 + len;
  }
  if (off + 4 > msg.length) return null;
  const qtype = msg.readUInt16BE(off);
  const qclass = msg.readUInt16BE(off + 2);
  return { id, flags, question: msg.subarray(12, off + 4), name: labels.join('.').toLowerCase(), qtype, qclass };
}

function answer(q, zone, ttl) {
  const e = zone.get(q.name);
  const opcode = (q.flags >> 11) & 0xf;
  let rcode = 0;
  let rdatas = [];
  if (opcode !== 0 || q.qclass !== 1) rcode = 4; // NOTIMP
  else if (!e) rcode = 3; // NXDOMAIN
  else if (q.qtype === TYPES.A) rdatas = e.A;
  else if (q.qtype === TYPES.AAAA) rdatas = e.AAAA;
  else if (q.qtype === TYPES.PTR) rdatas = e.PTR;
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  // QR, the query's opcode and RD, AA (we are the authority), RA.
  header.writeUInt16BE(0x8000 | (opcode << 11) | 0x0400 | (q.flags & 0x0100) | 0x0080 | rcode, 2);
  header.writeUInt16BE(1, 4);
  const parts = [header, q.question];
  let size = 12 + q.question.length;
  let count = 0;
  for (const rdata of rdatas) {
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    rr.writeUInt16BE(q.qtype, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(ttl >>> 0, 6);
    rr.writeUInt16BE(rdata.length, 10);
    if (size + rr.length + rdata.length > MAX_UDP) {
      header.writeUInt16BE(header.readUInt16BE(2) | 0x0200, 2); // TC: no TCP here, tests keep answers small
      break;
    }
    parts.push(rr, rdata);
    size += rr.length + rdata.length;
    count++;
  }
  header.writeUInt16BE(count, 6);
  return Buffer.concat(parts);
}

/**
 * @param {{ address: string, port?: number, ttl?: number, delayMs?: number,
 *           records: { A?: Record<string,string[]>, AAAA?: Record<string,string[]>, PTR?: Record<string,string|string[]> },
 *           onQuery?: (q: { name: string, type: string }) => void }} opts
 */
function startDnsServer(opts) {
  const zone = buildZone(opts.records || {});
  const ttl = opts.ttl ?? 60;
  const delayMs = opts.delayMs ?? 0;
  const socket = dgram.createSocket(net.isIPv6(opts.address) ? 'udp6' : 'udp4');
  const timers = new Set();
  const log = [];
  const stats = { queries: 0, inFlight: 0, maxInFlight: 0 };

  socket.on('message', (msg, rinfo) => {
    const q = parseQuery(msg);
    if (!q) return;
    stats.queries++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    const entry = { name: q.name, type: TYPE_NAMES[q.qtype] || String(q.qtype) };
    log.push(entry);
    if (opts.onQuery) opts.onQuery(entry);
    const reply = answer(q, zone, ttl);
    const send = () => {
      stats.inFlight--;
      socket.send(reply, rinfo.port, rinfo.address, () => {});
    };
    if (delayMs > 0) {
      const t = setTimeout(() => {
        timers.delete(t);
        send();
      }, delayMs);
      timers.add(t);
    } else send();
  });

  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(opts.port ?? 0, opts.address, () => {
      socket.off('error', reject);
      socket.on('error', () => {});
      let closed = null;
      resolve({
        port: socket.address().port,
        get queries() {
          return stats.queries;
        },
        get inFlight() {
          return stats.inFlight;
        },
        get maxInFlight() {
          return stats.maxInFlight;
        },
        log,
        close() {
          if (!closed) {
            for (const t of timers) clearTimeout(t);
            timers.clear();
            closed = new Promise((done) => socket.close(() => done()));
          }
          return closed;
        },
      });
    });
  });
}

module.exports = { startDnsServer, reverseName };

if (require.main === module) {
  const opts = JSON.parse(process.argv[2] || '{}');
  const logQueries = opts.log === true;
  startDnsServer({
    ...opts,
    onQuery: logQueries ? (q) => process.stdout.write(`${JSON.stringify({ query: q })}\n`) : undefined,
  }).then(
    (server) => {
      process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
      const stop = () => server.close().then(() => process.exit(0));
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    },
    (err) => {
      process.stderr.write(`dns-server: ${err.message}\n`);
      process.exit(1);
    },
  );
}
