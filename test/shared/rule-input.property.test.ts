import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderNftables } from '../../electron/firewall/nft-render';
import { renderIptables } from '../../electron/firewall/iptables-render';
import { normalizeRuleInput } from '../../electron/shared/rule-input';
import { parseCanonicalNetwork, parsePortSpec, parseTarget, validateNote } from '../../electron/shared/validate-target';

// Property tests: hostile and random input against independent oracles (node:net's isIP and the
// WHATWG URL serializer for IPv6), never the validator checking itself.

const RUNS = { numRuns: 3000 };
const HOST_RE = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Canonical IPv6 by the URL serializer (RFC 5952), for comparison. */
const urlCanonical6 = (a: string): string => new URL(`http://[${a}]/`).hostname.slice(1, -1);

const hostile = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.stringMatching(/^[0-9a-fA-Fx.:/%[\]-]{1,40}$/),
  fc.constantFrom('$(touch /tmp/x)', '`id`', ';', '|', '&&', '>', '<', "'", '"', '\\', '\n', '\u0000', '%00', '..', '/', '*', '?', '~', '#', '@', ' '),
  fc.tuple(fc.domain(), fc.constantFrom('$(', '`', ';', '|', '&', '>', '<', "'", '"', '\\', '\n', '\u0000', ' ', '%', '/', '@', '#', '*'), fc.domain()).map(
    ([a, m, b]) => `${a}${m}${b}`,
  ),
);

describe('parseTarget properties', () => {
  it('anything accepted is self-consistent: canonical, idempotent, and of the kind the oracle says', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const r = parseTarget(s);
        if (!r.ok) {
          expect(r.error.length).toBeGreaterThan(0);
          expect(r.error).not.toContain('\n');
          return;
        }
        const t = r.value;
        const again = parseTarget(t.target);
        expect(again).toEqual({ ok: true, value: t });
        switch (t.kind) {
          case 'ip':
            expect(isIP(t.target)).toBe(t.family);
            break;
          case 'cidr': {
            const [addr, len] = t.target.split('/');
            expect(isIP(addr!)).toBe(t.family);
            expect(Number(len)).toBe(t.prefix);
            break;
          }
          case 'host':
            // A name is never something an address parser would take.
            expect(t.target).toMatch(HOST_RE);
            expect(isIP(t.target)).toBe(0);
            expect(isIP(s.trim())).toBe(0);
            expect(t.target.length).toBeLessThanOrEqual(253);
            break;
          case 'any':
            expect(s.trim().toLowerCase()).toBe('any');
            break;
        }
      }),
      RUNS,
    );
  });

  it('shell metacharacters and control characters never pass, in any position', () => {
    fc.assert(
      fc.property(
        fc.domain(),
        fc.nat(300),
        fc.constantFrom('$', '`', ';', '|', '&', '>', '<', "'", '"', '\\', '\n', '\r', '\t', '\u0000', '\u001b', '(', ')', '{', '}', '*', '?', '!', '=', ',', ' ', '\u202e'),
        (d, pos, meta) => {
          const at = pos % (d.length + 1);
          const s = d.slice(0, at) + meta + d.slice(at);
          const r = parseTarget(s);
          // Leading/trailing whitespace is trimmed; anything else is refused.
          if (r.ok) {
            expect([' ', '\t', '\n', '\r']).toContain(meta);
            expect(at === 0 || at === d.length).toBe(true);
            expect(r.value.target).toBe(parseTarget(d).ok ? (parseTarget(d) as { value: { target: string } }).value.target : null);
          }
        },
      ),
      RUNS,
    );
  });

  it('every IPv4 in standard form is an ip target, unchanged', () => {
    fc.assert(
      fc.property(fc.ipV4(), (a) => {
        expect(parseTarget(a)).toEqual({ ok: true, value: { kind: 'ip', target: a, family: 4, prefix: 32 } });
      }),
      RUNS,
    );
  });

  it('extended IPv4 forms (octal, hex, short) are refused or read as the same address — never as a hostname', () => {
    fc.assert(
      fc.property(fc.ipV4Extended(), (a) => {
        const r = parseTarget(a);
        if (r.ok) {
          expect(r.value.kind).toBe('ip');
          expect(r.value.target).toBe(a);
        }
      }),
      RUNS,
    );
  });

  it('every IPv6 is an ip target in RFC 5952 form (IPv4-mapped become IPv4)', () => {
    fc.assert(
      fc.property(fc.ipV6(), (a) => {
        const r = parseTarget(a);
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        const canonical = urlCanonical6(a);
        if (canonical.startsWith('::ffff:') && r.value.family === 4) {
          expect(isIP(r.value.target)).toBe(4);
        } else {
          expect(r.value).toEqual({ kind: 'ip', target: canonical, family: 6, prefix: 128 });
        }
      }),
      RUNS,
    );
  });

  it('zone ids are always refused', () => {
    fc.assert(
      fc.property(fc.ipV6(), fc.stringMatching(/^[a-z0-9]{1,10}$/), (a, zone) => {
        const r = parseTarget(`${a}%${zone}`);
        expect(r.ok).toBe(false);
      }),
      RUNS,
    );
  });

  it('domains are host targets, lowercased', () => {
    fc.assert(
      fc.property(fc.domain(), (d) => {
        const r = parseTarget(d);
        // fast-check domains may end in a numeric-looking TLD-less label; those must not pass as names.
        if (!/^[a-z]/i.test(d.split('.').pop() ?? '')) return;
        expect(r).toEqual({ ok: true, value: { kind: 'host', target: d.toLowerCase(), family: null, prefix: null } });
      }),
      RUNS,
    );
  });

  it('CIDR: accepted networks have no host bits and stay within the family; others name the network meant', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), fc.integer({ min: 0, max: 140 }), (a, len) => {
        const s = `${a}/${len}`;
        const r = parseTarget(s);
        const max = isIP(a) === 4 ? 32 : 128;
        if (len > max) {
          expect(r.ok).toBe(false);
          return;
        }
        if (r.ok) {
          expect(['ip', 'cidr']).toContain(r.value.kind);
          expect(parseCanonicalNetwork(r.value.target).ok).toBe(true);
        } else {
          expect(r.error).toMatch(/host bits set after \/\d+; did you mean .+\/\d+\?|IPv4-mapped/);
          const meant = /did you mean (\S+)\?/.exec(r.error)?.[1];
          if (meant) expect(parseTarget(meant).ok).toBe(true);
        }
      }),
      RUNS,
    );
  });
});

describe('ports and notes', () => {
  it('a range is accepted exactly when 1 ≤ lo ≤ hi ≤ 65535', () => {
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 70000 }), fc.integer({ min: -5, max: 70000 }), (lo, hi) => {
        const r = parsePortSpec(`${lo}-${hi}`);
        expect(r.ok).toBe(lo >= 1 && hi >= 1 && lo <= 65535 && hi <= 65535 && lo <= hi);
      }),
      RUNS,
    );
  });

  it('notes with shell metacharacters are stored verbatim and never reach a ruleset', () => {
    const meta = fc.stringMatching(/^[ -~]{0,200}$/).map((s) => `$(touch /tmp/outflow-x)\`id\`;|&><'"\\${s}`);
    fc.assert(
      fc.property(meta, (note) => {
        expect(validateNote(note)).toEqual({ ok: true, value: note });
        const n = normalizeRuleInput({ target: '198.18.0.1', note }, 0);
        expect(n.note).toBe(note);
        const state = {
          version: 1 as const,
          defaultDeny: false,
          rules: [{ id: 1, action: 'block' as const, addresses: [n.target], any: false, proto: null, portLo: null, portHi: null, appPath: null, cgroup: null }],
        };
        const script = renderNftables(state, { now: 0 }).script;
        const ipt = renderIptables(state, 4, { now: 0, haveJump: false }).text;
        for (const text of [script, ipt]) {
          expect(text).not.toContain('$(');
          expect(text).not.toContain('`');
        }
      }),
      { numRuns: 500 },
    );
  });
});
