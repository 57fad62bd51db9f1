import { NFT_CHAIN, NFT_TABLE, type CounterValue, type NftExpectation } from './nft-render';

// Reads `nft -j list table inet outflow` back into a small structure, and compares it with what the
// renderer expected: chain hook/priority/policy, the number of chain rules, counters, sets and their
// element counts. A structural fingerprint (every rule's expression list) taken right after our own
// apply catches edits that keep the counts but change a rule.

export interface NftObserved {
  tablePresent: boolean;
  chain: { hook: string; prio: number; policy: string; type: string } | null;
  /** Stable JSON of each chain rule's expressions, in order. */
  rules: string[];
  counters: Map<string, CounterValue>;
  sets: Map<string, { elements: number }>;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObj(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses nft's JSON listing; anything not belonging to `inet outflow` is ignored. */
export function parseNftJson(text: string): NftObserved {
  const observed: NftObserved = { tablePresent: false, chain: null, rules: [], counters: new Map(), sets: new Map() };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error('nft -j printed something that is not JSON');
  }
  if (!isObj(doc) || !Array.isArray(doc.nftables)) throw new Error('nft -j output has no "nftables" array');
  for (const item of doc.nftables) {
    if (!isObj(item)) continue;
    const ours = (o: Json | undefined): o is Record<string, Json> => isObj(o) && o.family === 'inet' && o.table === NFT_TABLE;
    if (isObj(item.table) && item.table.family === 'inet' && item.table.name === NFT_TABLE) observed.tablePresent = true;
    const chain = item.chain;
    if (ours(chain) && chain.name === NFT_CHAIN) {
      observed.chain = {
        hook: String(chain.hook ?? ''),
        prio: typeof chain.prio === 'number' ? chain.prio : NaN,
        policy: String(chain.policy ?? ''),
        type: String(chain.type ?? ''),
      };
    }
    const counter = item.counter;
    if (ours(counter) && typeof counter.name === 'string') {
      observed.counters.set(counter.name, {
        packets: typeof counter.packets === 'number' ? counter.packets : 0,
        bytes: typeof counter.bytes === 'number' ? counter.bytes : 0,
      });
    }
    const set = item.set;
    if (ours(set) && typeof set.name === 'string') {
      observed.sets.set(set.name, { elements: Array.isArray(set.elem) ? set.elem.length : 0 });
    }
    const rule = item.rule;
    if (ours(rule) && rule.chain === NFT_CHAIN) {
      observed.rules.push(JSON.stringify(rule.expr ?? null));
    }
  }
  return observed;
}

export interface NftComparison {
  /** Human descriptions of every difference; empty when the kernel holds what we expect. */
  problems: string[];
  /** Rule ids whose counter, sets (with elements) and chain rules are all present. */
  held: number[];
}

/** Compare what the kernel holds with the expectation (and the fingerprint of our last apply, if any). */
export function compareNft(observed: NftObserved, expect: NftExpectation, fingerprint: string[] | null): NftComparison {
  const problems: string[] = [];
  if (!observed.tablePresent) {
    return { problems: ['table inet outflow is missing'], held: [] };
  }
  const chain = observed.chain;
  if (!chain) problems.push('chain output is missing');
  else if (chain.hook !== 'output' || chain.prio !== 0 || chain.policy !== 'accept' || chain.type !== 'filter') {
    problems.push(`chain output is ${chain.type}/${chain.hook}/prio ${chain.prio}/policy ${chain.policy}, expected filter/output/prio 0/policy accept`);
  }
  if (observed.rules.length !== expect.chainRules) {
    problems.push(`chain output has ${observed.rules.length} rules, expected ${expect.chainRules}`);
  } else if (fingerprint && fingerprint.length === observed.rules.length && fingerprint.some((f, i) => f !== observed.rules[i])) {
    problems.push('a rule in chain output was changed');
  }
  for (const name of expect.counters) if (!observed.counters.has(name)) problems.push(`counter ${name} is missing`);
  for (const s of expect.sets) {
    const o = observed.sets.get(s.name);
    if (!o) problems.push(`set ${s.name} is missing`);
    else if (o.elements < s.minElements || o.elements > s.maxElements) {
      problems.push(`set ${s.name} holds ${o.elements} elements, expected ${s.minElements === s.maxElements ? s.minElements : `${s.minElements}-${s.maxElements}`}`);
    }
  }
  const held: number[] = [];
  const chainIntact = chain !== null && observed.rules.length === expect.chainRules;
  // One pass over the chain and the expected sets, so a check stays linear in the number of rules.
  const refs = new Map<string, number>();
  for (const r of observed.rules) {
    for (const m of r.matchAll(/\{"counter":"(r[0-9]+)"\}/g)) refs.set(m[1]!, (refs.get(m[1]!) ?? 0) + 1);
  }
  const expectedSets = new Map(expect.sets.map((s) => [s.name, s]));
  for (const [id, per] of expect.perRule) {
    if (per.elements === 0 || !chainIntact) continue;
    if (!observed.counters.has(`r${id}`)) continue;
    let elements = 0;
    const setsOk = per.sets.every((name) => {
      const o = observed.sets.get(name);
      const e = expectedSets.get(name);
      elements += o?.elements ?? 0;
      return o !== undefined && e !== undefined && o.elements >= e.minElements;
    });
    if (setsOk && elements > 0 && refs.get(`r${id}`) === per.chainRules) held.push(id);
  }
  return { problems, held };
}
