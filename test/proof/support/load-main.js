// A loopback load generator for the proof tests, run as its own process (optionally inside a test
// network namespace):   node load-main.js '<json options>'
//   { address?: '127.0.0.1', ports?: 8,           listening ports of its own server
//     hold?: 0, holdChunk?: 1024, holdEveryMs?: 100,   long-lived connections that keep sending
//     rate?: 0, size?: 200,                        short connections per second: connect, send, close
//     concurrency?: 256 }                          bound on short connections in flight
// Prints one JSON line {"ready":true,"ports":[...]} once listening and the long-lived connections
// are up, then {"started":n,"made":n,"failed":n,"bytes":n} every second and on SIGTERM (then exits 0).
'use strict';
const net = require('node:net');

const o = JSON.parse(process.argv[2] || '{}');
const address = o.address || '127.0.0.1';
const nPorts = o.ports || 8;
const stats = { started: 0, made: 0, failed: 0, bytes: 0, held: 0 };
const servers = [];
const ports = [];

function serve() {
  return new Promise((resolve) => {
    const server = net.createServer((s) => {
      s.on('data', () => {});
      s.on('end', () => s.end());
      s.on('error', () => {});
    });
    server.listen(0, address, () => {
      servers.push(server);
      ports.push(server.address().port);
      resolve();
    });
  });
}

function holdOne(port) {
  return new Promise((resolve) => {
    const c = net.connect({ host: address, port }, () => {
      stats.held++;
      const chunk = Buffer.alloc(o.holdChunk || 1024, 0x68);
      setInterval(() => {
        if (c.writable) {
          c.write(chunk);
          stats.bytes += chunk.length;
        }
      }, o.holdEveryMs || 100);
      resolve();
    });
    c.on('error', () => resolve());
  });
}

let inFlight = 0;
let next = 0;
function churnOne() {
  if (inFlight >= (o.concurrency || 256)) return;
  inFlight++;
  stats.started++;
  const port = ports[next++ % ports.length];
  const payload = Buffer.alloc(o.size || 200, 0x63);
  const c = net.connect({ host: address, port }, () => {
    c.end(payload);
    stats.bytes += payload.length;
  });
  c.on('close', (hadError) => {
    inFlight--;
    if (hadError) stats.failed++;
    else stats.made++;
  });
  c.on('error', () => {});
}

function report() {
  process.stdout.write(JSON.stringify(stats) + '\n');
}

async function main() {
  for (let i = 0; i < nPorts; i++) await serve();
  for (let i = 0; i < (o.hold || 0); i += 16) {
    const batch = [];
    for (let j = i; j < Math.min(o.hold, i + 16); j++) batch.push(holdOne(ports[j % ports.length]));
    await Promise.all(batch);
  }
  process.stdout.write(JSON.stringify({ ready: true, ports }) + '\n');
  if (o.rate > 0) {
    // Spread the rate over 10 ms slots so the load is even, not bursts once a second.
    const perSlot = o.rate / 100;
    let owed = 0;
    setInterval(() => {
      owed += perSlot;
      while (owed >= 1) {
        owed--;
        churnOne();
      }
    }, 10);
  }
  setInterval(report, 1000);
}

process.on('SIGTERM', () => {
  report();
  process.exit(0);
});
main();
