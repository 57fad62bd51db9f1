// A test client with a known byte budget:
//   <exe> egress-client.js tcp <host> <port> <upBytes> <downBytes> [holdMs]
//   <exe> egress-client.js udp <host> <port> <datagrams> <size> [connected|unconnected]
// Prints one JSON line with what it sent and received, then exits 0.
'use strict';
const net = require('node:net');
const dgram = require('node:dgram');

const [mode, host, portS, aS, bS, extra] = process.argv.slice(2);
const port = Number(portS);

if (mode === 'tcp') {
  const up = Number(aS);
  const down = Number(bS);
  const holdMs = Number(extra || 0);
  let received = 0;
  const sock = net.connect({ host, port }, () => {
    const header = `${down}\n`;
    sock.write(header);
    let left = up - Buffer.byteLength(header);
    const block = Buffer.alloc(64 * 1024, 0x62);
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, block.length);
        left -= n;
        if (!sock.write(n === block.length ? block : block.subarray(0, n))) return sock.once('drain', pump);
      }
      setTimeout(() => sock.end(), holdMs);
    };
    pump();
  });
  sock.on('data', (c) => (received += c.length));
  sock.on('close', () => {
    process.stdout.write(JSON.stringify({ sent: up, received }) + '\n');
    process.exit(0);
  });
  sock.on('error', (e) => {
    process.stdout.write(JSON.stringify({ error: e.code || String(e) }) + '\n');
    process.exit(2);
  });
} else if (mode === 'udp') {
  const count = Number(aS);
  const size = Number(bS);
  const connected = extra !== 'unconnected';
  const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  let echoed = 0;
  let sent = 0;
  sock.on('message', (m) => {
    echoed += m.length;
  });
  const payload = Buffer.alloc(size, 0x63);
  const go = () => {
    for (let i = 0; i < count; i++) {
      if (connected) sock.send(payload);
      else sock.send(payload, port, host);
      sent += size;
    }
    setTimeout(() => {
      process.stdout.write(JSON.stringify({ sent, received: echoed }) + '\n');
      sock.close();
      process.exit(0);
    }, Number(process.env.UDP_HOLD_MS || 500));
  };
  if (connected) sock.connect(port, host, go);
  else sock.bind(0, go);
} else {
  process.stderr.write('usage: egress-client.js tcp|udp ...\n');
  process.exit(64);
}
