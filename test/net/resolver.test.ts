// The resolver against a real DNS server on 127.0.0.1 (test/helpers/dns-server.ts). Answers carry TTL 0
// unless a test says otherwise, so c-ares' own query cache stays out of the way and every query the
// resolver makes reaches the server, where it is counted.
import { afterEach, describe, expect, it } from 'vitest';
import { createResolver, type ResolverOptions, type ReverseResolver } from '../../electron/net/resolver';
import { startDnsServer, type DnsRecords, type DnsServer } from '../helpers/dns-server';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function server(records: DnsRecords, extra: { delayMs?: number; ttl?: number } = {}): Promise<DnsServer> {
  const s = await startDnsServer({ address: '127.0.0.1', ttl: 0, records, ...extra });
  cleanups.push(() => s.close());
  return s;
}

/** A resolver pointed at `s`, with a clock the test can move forward, and a way to await answers. */
function resolverFor(s: DnsServer, opts: ResolverOptions = {}) {
  let skew = 0;
  const r = createResolver({ servers: [`127.0.0.1:${s.port}`], timeoutMs: 1000, now: () => performance.now() + skew, ...opts });
  cleanups.push(() => r.close());
  const seen: Array<[string, string | null]> = [];
  const waiters = new Map<string, Array<(host: string | null) => void>>();
  r.onResolved((address, host) => {
    seen.push([address, host]);
    for (const w of waiters.get(address) ?? []) w(host);
    waiters.delete(address);
  });
  return {
    r,
    seen,
    advance: (ms: number) => (skew += ms),
    resolved: (address: string, timeoutMs = 5000) =>
      new Promise<string | null>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no answer for ${address} within ${timeoutMs} ms`)), timeoutMs);
        const list = waiters.get(address) ?? [];
        list.push((h) => {
          clearTimeout(t);
          resolve(h);
        });
        waiters.set(address, list);
      }),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('reverse lookups (peek)', () => {
  it('answers from the cache after the first lookup, without asking again', async () => {
    const s = await server({ PTR: { '1.1.1.1': 'one.one.one.one', '2606:4700:4700::1111': 'One.One.One.One.' } });
    const { r, resolved } = resolverFor(s);

    const first = resolved('1.1.1.1');
    expect(r.peek('1.1.1.1')).toBeNull();
    expect(await first).toBe('one.one.one.one');
    expect(s.queries).toBe(1);
    expect(s.log[0]).toEqual({ name: '1.1.1.1.in-addr.arpa', type: 'PTR' });

    for (let i = 0; i < 10; i++) expect(r.peek('1.1.1.1')).toBe('one.one.one.one');
    // Other spellings of the same address share the entry.
    expect(r.peek('::ffff:1.1.1.1')).toBe('one.one.one.one');
    await sleep(50);
    expect(s.queries).toBe(1);

    const v6 = resolved('2606:4700:4700::1111');
    expect(r.peek('2606:4700:4700:0:0:0:0:1111')).toBeNull();
    expect(await v6).toBe('one.one.one.one'); // lowercased, root dot dropped
    expect(r.peek('2606:4700:4700::1111')).toBe('one.one.one.one');
    expect(s.queries).toBe(2);
    expect(r.stats()).toMatchObject({ lookups: 2, cached: 2, queued: 0, inFlight: 0 });

    const n = 100_000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) r.peek(i & 1 ? '1.1.1.1' : '2606:4700:4700::1111');
    const us = ((performance.now() - t0) * 1000) / n;
    console.log(`[measure] peek (cached): ${us.toFixed(2)} µs`);
    expect(us).toBeLessThan(20);
  });

  it('caches "no name" and asks again only after the negative TTL', async () => {
    const s = await server({ PTR: {} });
    const { r, resolved, advance, seen } = resolverFor(s, { negativeTtlMs: 60_000 });

    const none = resolved('9.9.9.9');
    expect(r.peek('9.9.9.9')).toBeNull();
    expect(await none).toBeNull();
    expect(seen).toEqual([['9.9.9.9', null]]);
    expect(s.queries).toBe(1);

    for (let i = 0; i < 5; i++) expect(r.peek('9.9.9.9')).toBeNull();
    await sleep(50);
    expect(s.queries).toBe(1);

    advance(59_000);
    r.peek('9.9.9.9');
    await sleep(50);
    expect(s.queries).toBe(1);

    advance(2_000);
    const again = resolved('9.9.9.9');
    r.peek('9.9.9.9');
    expect(await again).toBeNull();
    expect(s.queries).toBe(2);
  });

  it('serves a stale name while it refreshes after the positive TTL', async () => {
    const s = await server({ PTR: { '8.8.8.8': 'dns.google' } });
    const { r, resolved, advance } = resolverFor(s, { positiveTtlMs: 10_000 });
    const first = resolved('8.8.8.8');
    r.peek('8.8.8.8');
    expect(await first).toBe('dns.google');
    advance(11_000);
    const refresh = resolved('8.8.8.8');
    expect(r.peek('8.8.8.8')).toBe('dns.google');
    expect(await refresh).toBe('dns.google');
    expect(s.queries).toBe(2);
  });

  it('never waits on a slow server: peek returns at once, the lookup times out in the background', async () => {
    const s = await server({ PTR: { '8.8.4.4': 'dns.google' } }, { delayMs: 5_000 });
    const { r, resolved, advance } = resolverFor(s, { timeoutMs: 300, failureTtlMs: 30_000 });

    const answer = resolved('8.8.4.4');
    const t0 = performance.now();
    const results = new Set<string | null>();
    for (let i = 0; i < 1000; i++) results.add(r.peek('8.8.4.4'));
    const peekMs = performance.now() - t0;
    expect([...results]).toEqual([null]);
    expect(await answer).toBeNull();
    const failMs = performance.now() - t0;
    console.log(`[measure] 1000 peeks during a hung query: ${peekMs.toFixed(2)} ms; timeout reported after ${Math.round(failMs)} ms (timeoutMs 300)`);
    expect(peekMs).toBeLessThan(50);
    expect(failMs).toBeLessThan(2_000);
    expect(s.queries).toBe(1); // one try

    // The failure is remembered for failureTtlMs, then retried.
    r.peek('8.8.4.4');
    await sleep(20);
    expect(s.queries).toBe(1);
    advance(31_000);
    r.peek('8.8.4.4');
    await sleep(20);
    expect(s.queries).toBe(2);
  });

  it('keeps at most `concurrency` queries in flight and a bounded queue, dropping the excess for later', async () => {
    const ptr: Record<string, string> = {};
    for (let i = 1; i <= 20; i++) ptr[`8.8.${i}.1`] = `host${i}.example`;
    const s = await server({ PTR: ptr }, { delayMs: 150 });
    const { r, resolved } = resolverFor(s, { concurrency: 3, maxQueue: 5 });

    const addrs = Object.keys(ptr);
    const answered = addrs.slice(0, 8).map((a) => resolved(a));
    for (const a of addrs) expect(r.peek(a)).toBeNull();
    expect(r.stats()).toMatchObject({ inFlight: 3, queued: 5, dropped: 12 });

    const names = await Promise.all(answered);
    expect(names).toEqual(addrs.slice(0, 8).map((_, i) => `host${i + 1}.example`));
    expect(s.maxInFlight).toBe(3);
    expect(s.queries).toBe(8);

    // Dropped addresses are simply asked for again on a later peek.
    const later = resolved(addrs[19] as string);
    expect(r.peek(addrs[19] as string)).toBeNull();
    expect(await later).toBe('host20.example');
    expect(s.queries).toBe(9);
  });

  it('defaults to 4 concurrent queries', async () => {
    const s = await server({ PTR: {} }, { delayMs: 100 });
    const { r } = resolverFor(s);
    for (let i = 1; i <= 12; i++) r.peek(`9.9.${i}.9`);
    expect(r.stats()).toMatchObject({ inFlight: 4, queued: 8 });
    while (r.stats().inFlight + r.stats().queued > 0) await sleep(20);
    expect(s.maxInFlight).toBe(4);
    expect(s.queries).toBe(12);
  });

  it('rejects hostile PTR answers before anyone sees them', async () => {
    const s = await server({
      PTR: {
        '5.5.5.1': 'evil\u001b[31m.example', // terminal escape
        '5.5.5.2': '<img src=x onerror=alert(1)>.example',
        '5.5.5.3': 'a b.example',
        '5.5.5.4': '=HYPERLINK("x").example',
        '5.5.5.5': 'bad\u202egpj.example', // bidi override
        '5.5.5.6': [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}`], // 255 chars
        '5.5.5.7': ['-x.example', 'ok.example'], // first answer invalid, second fine
        '5.5.5.8': '1.2.3.4', // a PTR pretending to be an address
      },
    });
    const { r, resolved, seen } = resolverFor(s);
    const addrs = ['5.5.5.1', '5.5.5.2', '5.5.5.3', '5.5.5.4', '5.5.5.5', '5.5.5.6', '5.5.5.7', '5.5.5.8'];
    const answers = addrs.map((a) => resolved(a));
    for (const a of addrs) r.peek(a);
    const got = await Promise.all(answers);
    expect(got).toEqual([null, null, null, null, null, null, 'ok.example', null]);
    for (const a of addrs) expect(r.peek(a)).toBe(a === '5.5.5.7' ? 'ok.example' : null);
    for (const [, host] of seen) expect(host === null || /^[a-z0-9.-]+$/.test(host)).toBe(true);
    expect(r.stats().rejected).toBeGreaterThanOrEqual(6);
  });

  it('does not send loopback, private or link-local addresses to the network unless asked', async () => {
    const s = await server({ PTR: { '10.0.0.1': 'router.lan', '192.168.1.1': 'fritz.box' } });
    const { r } = resolverFor(s);
    for (const a of ['10.0.0.1', '192.168.1.1', '127.0.0.1', '::1', 'fe80::1%lo', '169.254.1.1', '198.18.0.1', '2001:db8::1', '224.0.0.251', '0.0.0.0']) {
      expect(r.peek(a)).toBeNull();
    }
    await sleep(100);
    expect(s.queries).toBe(0);
    expect(r.stats().lookups).toBe(0);

    const priv = resolverFor(s, { resolvePrivate: true });
    const answer = priv.resolved('10.0.0.1');
    priv.r.peek('10.0.0.1');
    expect(await answer).toBe('router.lan');
    expect(s.queries).toBe(1);
  });

  it('ignores input that is not an address', async () => {
    const s = await server({ PTR: {} });
    const { r } = resolverFor(s);
    for (const bad of ['', 'example.com', '1.2.3.4.in-addr.arpa', '1.2.3.4\n', '999.1.1.1', 'a'.repeat(1000)]) {
      expect(r.peek(bad)).toBeNull();
    }
    await sleep(50);
    expect(s.queries).toBe(0);
  });

  it('close() cancels pending work and calls no listener afterwards', async () => {
    const s = await server({ PTR: { '8.8.8.8': 'dns.google' } }, { delayMs: 300 });
    const { r, seen } = resolverFor(s);
    r.peek('8.8.8.8');
    for (let i = 1; i <= 10; i++) r.peek(`9.9.${i}.9`);
    r.close();
    expect(r.stats()).toMatchObject({ queued: 0 });
    await sleep(500);
    expect(seen).toEqual([]);
    expect(s.queries).toBeLessThanOrEqual(4);
    expect(r.peek('1.1.1.1')).toBeNull();
    await expect(r.resolve('dns.google')).rejects.toThrow(/closed/);
  });

  it('survives a throwing listener', async () => {
    const s = await server({ PTR: { '1.0.0.1': 'one.one.one.one' } });
    const { r, resolved } = resolverFor(s);
    r.onResolved(() => {
      throw new Error('listener bug');
    });
    const a = resolved('1.0.0.1');
    r.peek('1.0.0.1');
    expect(await a).toBe('one.one.one.one');
    expect(r.peek('1.0.0.1')).toBe('one.one.one.one');
  });
});

describe('forward lookups (resolve)', () => {
  it('returns A and AAAA addresses with their TTLs', async () => {
    const s = await server(
      {
        A: { 'svc.example': ['198.18.7.1', '198.18.7.2'], 'v4only.example': ['198.18.7.3'] },
        AAAA: { 'svc.example': ['2001:db8:7::1'], 'v6only.example': ['2001:0db8:0007:0000::2'] },
      },
      { ttl: 321 },
    );
    const { r } = resolverFor(s);
    const got = await r.resolve('SVC.example.');
    expect(got.sort((a, b) => a.address.localeCompare(b.address))).toEqual([
      { address: '198.18.7.1', family: 4, ttl: 321 },
      { address: '198.18.7.2', family: 4, ttl: 321 },
      { address: '2001:db8:7::1', family: 6, ttl: 321 },
    ]);
    expect(await r.resolve('v4only.example')).toEqual([{ address: '198.18.7.3', family: 4, ttl: 321 }]);
    expect(await r.resolve('v6only.example')).toEqual([{ address: '2001:db8:7::2', family: 6, ttl: 321 }]);
    expect(await r.resolve('missing.example')).toEqual([]);
    expect(s.log.filter((q) => q.name === 'svc.example').map((q) => q.type).sort()).toEqual(['A', 'AAAA']);
  });

  it('refuses what is not a hostname, without a query', async () => {
    const s = await server({});
    const { r } = resolverFor(s);
    for (const bad of ['', '-x.example', 'a b.example', 'evil\u0000.example', '1.2.3.4', 'x'.repeat(300), 'bücher.example']) {
      await expect(r.resolve(bad)).rejects.toThrow(TypeError);
    }
    expect(s.queries).toBe(0);
  });

  it('reports a server that does not answer as an error, not as "no addresses"', async () => {
    const s = await server({ A: { 'slow.example': ['198.18.7.9'] } }, { delayMs: 3_000 });
    const { r } = resolverFor(s, { timeoutMs: 200 });
    await expect(r.resolve('slow.example')).rejects.toMatchObject({ code: 'ETIMEOUT' });
  });
});
