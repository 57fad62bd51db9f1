// A test host's server, run inside a test network namespace:
//   node sink-server.js <addr> [<addr> ...]
// TCP on port 7001: the client's first line is the number of bytes it wants back ("<n>\n");
// the server sends n bytes, counts everything the client sends until EOF, then closes.
// TCP on port 7002: discard (counts bytes, sends nothing). UDP on 7003: echo each datagram.
// It prints "ready" once every listener is up, then one JSON line per finished TCP connection.
'use strict';
const net = require('node:net');
const dgram = require('node:dgram');

const addrs = process.argv.slice(2);
let pending = 0;
const ready = () => {
  if (--pending === 0) process.stdout.write('ready\n');
};

for (const addr of addrs) {
  pending += 3;
  net
    .createServer((sock) => {
      let header = '';
      let gotHeader = false;
      let received = 0;
      sock.on('data', (chunk) => {
        if (!gotHeader) {
          header += chunk.toString('latin1');
          const nl = header.indexOf('\n');
          if (nl === -1) return;
          gotHeader = true;
          const want = Number(header.slice(0, nl));
          received += Buffer.byteLength(header.slice(nl + 1), 'latin1');
          const block = Buffer.alloc(64 * 1024, 0x61);
          let left = Number.isFinite(want) ? want : 0;
          const pump = () => {
            while (left > 0) {
              const n = Math.min(left, block.length);
              left -= n;
              if (!sock.write(n === block.length ? block : block.subarray(0, n))) return sock.once('drain', pump);
            }
          };
          pump();
          return;
        }
        received += chunk.length;
      });
      sock.on('end', () => {
        process.stdout.write(JSON.stringify({ port: 7001, received }) + '\n');
        sock.end();
      });
      sock.on('error', () => {});
    })
    .listen(7001, addr, ready);
  net
    .createServer((sock) => {
      let received = 0;
      sock.on('data', (c) => (received += c.length));
      sock.on('end', () => {
        process.stdout.write(JSON.stringify({ port: 7002, received }) + '\n');
        sock.end();
      });
      sock.on('error', () => {});
    })
    .listen(7002, addr, ready);
  const udp = dgram.createSocket(addr.includes(':') ? 'udp6' : 'udp4');
  udp.on('message', (msg, rinfo) => udp.send(msg, rinfo.port, rinfo.address));
  udp.bind(7003, addr, ready);
}
