// A long-lived connection prober, run inside a test client namespace (and, for per-app tests, inside
// a cgroup of its own): `node probe.js [cgroup.procs path to join first]`.
// Reads one JSON request per line on stdin: {"id":1,"proto":"tcp"|"udp","host":"198.18.60.2","port":7001,"timeoutMs":1500}
// and answers one JSON line: {"id":1,"ok":true|false,"code":"ECONNREFUSED"|"TIMEOUT"|null,"ms":3.2}.
// TCP: ok when the handshake completes. UDP: ok when the datagram comes back from the echo server.
'use strict';
const fs = require('node:fs');
const net = require('node:net');
const dgram = require('node:dgram');
const readline = require('node:readline');

const join = process.argv[2];
if (join) fs.writeFileSync(join, String(process.pid));

function answer(id, ok, code, t0) {
  process.stdout.write(JSON.stringify({ id, ok, code, ms: Number((performance.now() - t0).toFixed(2)) }) + '\n');
}

function tcp(req) {
  const t0 = performance.now();
  let done = false;
  const finish = (ok, code) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    sock.destroy();
    answer(req.id, ok, code, t0);
  };
  const sock = net.connect({ host: req.host, port: req.port });
  const timer = setTimeout(() => finish(false, 'TIMEOUT'), req.timeoutMs || 1500);
  sock.on('connect', () => finish(true, null));
  sock.on('error', (e) => finish(false, e.code || String(e)));
}

function udp(req) {
  const t0 = performance.now();
  let done = false;
  const sock = dgram.createSocket(req.host.includes(':') ? 'udp6' : 'udp4');
  const finish = (ok, code) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    try {
      sock.close();
    } catch {}
    answer(req.id, ok, code, t0);
  };
  const timer = setTimeout(() => finish(false, 'TIMEOUT'), req.timeoutMs || 1500);
  sock.on('message', () => finish(true, null));
  sock.on('error', (e) => finish(false, e.code || String(e)));
  sock.connect(req.port, req.host, () => sock.send(Buffer.from('ping'), (e) => e && finish(false, e.code || String(e))));
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  let req;
  try {
    req = JSON.parse(line);
  } catch {
    return;
  }
  if (req.proto === 'udp') udp(req);
  else tcp(req);
});
process.stdout.write(JSON.stringify({ ready: process.pid }) + '\n');
