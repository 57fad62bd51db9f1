// UDP byte counts from netfilter connection tracking with accounting, the one place the kernel
// counts UDP per flow without tracing. Only used when root, the `conntrack` tool exists and
// net.netfilter.nf_conntrack_acct=1; the collector never changes those settings itself.
// conntrack counts IP packets: payload = bytes - packets × (IP header + 8-byte UDP header).
import { isIP } from 'node:net';
import type { Family } from '../shared/types';
import type { ExecFn } from './linux-exec';

export interface ConntrackTuple {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  packets: number | null;
  bytes: number | null;
}

export interface ConntrackEntry {
  family: Family;
  orig: ConntrackTuple;
  reply: ConntrackTuple;
}

/** `conntrack -L -p udp -o extended` lines: `ipv4 2 udp 17 29 src=… dst=… sport=… dport=… packets=… bytes=… [UNREPLIED] src=… …`. */
export function parseConntrack(text: string): ConntrackEntry[] {
  const out: ConntrackEntry[] = [];
  for (const line of text.split('\n')) {
    const tokens = line.trim().split(/\s+/);
    const family = tokens[0] === 'ipv4' ? 4 : tokens[0] === 'ipv6' ? 6 : null;
    if (!family || tokens[2] !== 'udp') continue;
    const tuples: Array<Partial<ConntrackTuple>> = [];
    for (const t of tokens) {
      const eq = t.indexOf('=');
      if (eq === -1) continue;
      const k = t.slice(0, eq);
      const v = t.slice(eq + 1);
      if (k === 'src') tuples.push({ src: v });
      const cur = tuples[tuples.length - 1];
      if (!cur || tuples.length > 2) continue;
      if (k === 'dst') cur.dst = v;
      else if (k === 'sport') cur.sport = Number(v);
      else if (k === 'dport') cur.dport = Number(v);
      else if (k === 'packets') cur.packets = Number(v);
      else if (k === 'bytes') cur.bytes = Number(v);
    }
    const [o, r] = tuples;
    if (!o || !r) continue;
    const orig = complete(o, family);
    const reply = complete(r, family);
    if (orig && reply) out.push({ family, orig, reply });
  }
  return out;
}

function complete(t: Partial<ConntrackTuple>, family: Family): ConntrackTuple | null {
  if (!t.src || !t.dst || isIP(t.src) !== family || isIP(t.dst) !== family) return null;
  if (!isPort(t.sport) || !isPort(t.dport)) return null;
  const packets = t.packets !== undefined && Number.isSafeInteger(t.packets) ? t.packets : null;
  const bytes = t.bytes !== undefined && Number.isSafeInteger(t.bytes) ? t.bytes : null;
  return { src: t.src, dst: t.dst, sport: t.sport, dport: t.dport, packets, bytes };
}

function isPort(n: number | undefined): n is number {
  return n !== undefined && Number.isInteger(n) && n >= 0 && n <= 65535;
}

export interface UdpBytes {
  bytesOut: number;
  bytesIn: number;
}

export interface UdpFlow extends UdpBytes {
  remote: string;
  rport: number;
}

function payload(t: ConntrackTuple, family: Family): number | null {
  if (t.bytes === null || t.packets === null) return null;
  return Math.max(0, t.bytes - t.packets * (family === 4 ? 28 : 48));
}

interface LocalFlow extends UdpFlow {
  local: string;
}

/** Conntrack entries indexed by the local end, in either direction of the flow. */
export class ConntrackIndex {
  private readonly byTuple = new Map<string, UdpBytes>();
  private readonly byLocal = new Map<string, LocalFlow[]>();

  constructor(entries: readonly ConntrackEntry[]) {
    for (const e of entries) {
      const o = payload(e.orig, e.family);
      const r = payload(e.reply, e.family);
      if (o === null || r === null) continue;
      // We initiated: orig src is us. We answered: the reply's src is us.
      this.add(e.family, e.orig.src, e.orig.sport, e.orig.dst, e.orig.dport, { bytesOut: o, bytesIn: r });
      this.add(e.family, e.reply.src, e.reply.sport, e.reply.dst, e.reply.dport, { bytesOut: r, bytesIn: o });
    }
  }

  private add(family: Family, local: string, lport: number, remote: string, rport: number, bytes: UdpBytes): void {
    this.byTuple.set(`${family}|${local}|${lport}|${remote}|${rport}`, bytes);
    const key = `${family}|${lport}`;
    const list = this.byLocal.get(key);
    const flow: LocalFlow = { ...bytes, remote, rport, local };
    if (list) list.push(flow);
    else this.byLocal.set(key, [flow]);
  }

  lookup(family: Family, local: string, lport: number, remote: string, rport: number): UdpBytes | null {
    return this.byTuple.get(`${family}|${local}|${lport}|${remote}|${rport}`) ?? null;
  }

  /** Flows of an unconnected socket bound to `local` (wildcard allowed) and `lport`. */
  flowsOf(family: Family, local: string, wildcard: boolean, lport: number): UdpFlow[] {
    return (this.byLocal.get(`${family}|${lport}`) ?? [])
      .filter((f) => wildcard || f.local === local)
      .map((f) => ({ remote: f.remote, rport: f.rport, bytesOut: f.bytesOut, bytesIn: f.bytesIn }));
  }

  get size(): number {
    return this.byTuple.size;
  }
}

export interface ConntrackUdpOptions {
  exec: ExecFn;
}

export class ConntrackUdp {
  lastError: string | null = null;

  constructor(private readonly opts: ConntrackUdpOptions) {}

  /** argv only (the injected runner is execFile-based). */
  private run(cmd: string, argv: string[]): Promise<string> {
    return this.opts.exec(cmd, argv);
  }

  /** Whether UDP byte counts can be had here, and if not, what the user can do about it. */
  async check(): Promise<{ ok: true } | { ok: false; reason: string }> {
    try {
      await this.run('conntrack', ['--version']);
    } catch {
      return { ok: false, reason: 'the conntrack tool is not installed (apt-get install conntrack).' };
    }
    let acct: string;
    try {
      acct = (await this.run('sysctl', ['-n', 'net.netfilter.nf_conntrack_acct'])).trim();
    } catch {
      return { ok: false, reason: 'connection tracking (nf_conntrack) is not loaded.' };
    }
    if (acct !== '1') {
      return { ok: false, reason: 'conntrack accounting is off (sysctl -w net.netfilter.nf_conntrack_acct=1 turns it on).' };
    }
    try {
      await this.run('conntrack', ['-L', '-p', 'udp', '-o', 'extended']);
    } catch (err) {
      return { ok: false, reason: `conntrack -L failed (it needs root): ${firstLine(err)}` };
    }
    return { ok: true };
  }

  async read(): Promise<ConntrackIndex> {
    try {
      const text = await this.run('conntrack', ['-L', '-p', 'udp', '-o', 'extended']);
      this.lastError = null;
      return new ConntrackIndex(parseConntrack(text));
    } catch (err) {
      this.lastError = `conntrack -L failed: ${firstLine(err)}`;
      return new ConntrackIndex([]);
    }
  }
}

function firstLine(err: unknown): string {
  return String((err as Error).message ?? err).split('\n')[0]!;
}
