// Measures the geo module's memory in a fresh process (the test runner's own heap would drown it).
//   node --expose-gc geo-rss-child.js <compiled geo.js> <asn.bin>
// The test transpiles the sources first, so nothing but Node itself is loaded before the baseline.
'use strict';
// Builtins every Outflow process has loaded anyway (the engine, store and server use them), so their
// one-time cost is not charged to geo.
for (const b of ['fs', 'path', 'net', 'dns', 'util', 'assert', 'events', 'os', 'crypto', 'child_process']) require(b);
const mem = () => {
  global.gc?.();
  return process.memoryUsage();
};
const before = mem();
const t0 = performance.now();
const { createGeo } = require(process.argv[2]);
const geo = createGeo({ asnPath: process.argv[3] });
const loadMs = performance.now() - t0;
const loaded = mem();
// Fill the lookup cache and the org-name cache the way a busy machine would.
let seed = 7;
for (let i = 0; i < 100000; i++) {
  seed = (seed * 1103515245 + 12345) >>> 0;
  geo.lookup(`${((seed >>> 24) % 223) + 1}.${(seed >>> 16) & 255}.${(seed >>> 8) & 255}.${seed & 255}`);
}
const used = mem();
const mb = (n) => Math.round((n / 1048576) * 10) / 10;
process.stdout.write(
  JSON.stringify({
    loadMs: Math.round(loadMs),
    status: geo.status(),
    rssAfterLoadMB: mb(loaded.rss - before.rss),
    rssAfterUseMB: mb(used.rss - before.rss),
    // What geo keeps after a full GC: its buffers plus its share of the JS heap (caches included).
    retainedAfterUseMB: mb(used.external + used.heapUsed - before.external - before.heapUsed),
  }) + '\n',
);
