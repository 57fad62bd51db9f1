import { normalizeHostname } from '../../net/hostname';

// The "registrable domain" (eTLD+1) of a hostname, so a service's many names (a.b.example.co.uk,
// cdn.example.co.uk) are one destination. The full Public Suffix List has ~10k rules and changes
// weekly; we ship a small rule set instead, good enough to group destinations for alerts and reports:
//
// 1. Generic second levels under a two-letter country code are public suffixes: `co.uk`, `com.au`,
//    `co.jp`, `ac.in`, `gov.br`, `or.at`… (the labels in CC_SECOND_LEVEL). This covers the common
//    multi-label suffixes of the PSL's ICANN section with one rule.
// 2. EXTRA_SUFFIXES lists other multi-label suffixes: country-specific ones rule 1 misses and hosting
//    platforms whose subdomains belong to different customers (github.io, herokuapp.com…), so two
//    customers' sites are two destinations.
// 3. Otherwise the suffix is the last label (`.com`, `.de`, `.io`).
//
// Known misses: a domain registered directly as e.g. `com.de` is read as a suffix, and suffixes outside
// both lists (e.g. `*.kawasaki.jp`) group one level too high. Both only merge or split destinations;
// they never hide traffic.

const CC_SECOND_LEVEL = new Set([
  'ac', 'co', 'com', 'edu', 'gob', 'gov', 'govt', 'gv', 'ltd', 'mil', 'ne', 'net', 'nhs', 'nic', 'or', 'org', 'plc', 'sch', 'go', 'asn',
]);

const EXTRA_SUFFIXES = new Set([
  // Country-specific second levels not caught by the rule above.
  'me.uk', 'id.au', 'ed.jp', 'gr.jp', 'lg.jp', 'ad.jp', 'firm.in', 'gen.in', 'ind.in', 'kiwi.nz', 'geek.nz', 'school.nz',
  'blogspot.com', 'priv.at', 'in.ua', 'biz.pl', 'info.pl',
  // Hosting platforms: each subdomain is a different customer.
  'github.io', 'gitlab.io', 'herokuapp.com', 'appspot.com', 'netlify.app', 'vercel.app', 'pages.dev', 'workers.dev',
  'azurewebsites.net', 'firebaseapp.com', 'web.app', 'glitch.me', 'fly.dev', 'onrender.com', 'ngrok.io', 'ngrok-free.app',
]);

/** `a.b.example.co.uk` → `example.co.uk`; null when `host` is not a valid hostname or is itself a suffix. */
export function registrableDomain(host: string): string | null {
  const name = normalizeHostname(host);
  if (name === null) return null;
  const labels = name.split('.');
  // A single-label name (a LAN device's PTR, "nas") is its own destination.
  if (labels.length === 1) return name;
  const n = suffixLabels(labels);
  if (labels.length <= n) return null;
  return labels.slice(labels.length - n - 1).join('.');
}

/** How many trailing labels form the public suffix. */
function suffixLabels(labels: string[]): number {
  const last = labels[labels.length - 1]!;
  const second = labels[labels.length - 2];
  if (second !== undefined) {
    if (EXTRA_SUFFIXES.has(`${second}.${last}`)) return 2;
    if (last.length === 2 && CC_SECOND_LEVEL.has(second)) return 2;
  }
  return 1;
}
