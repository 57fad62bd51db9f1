// Hostname validation for names that reach the UI, the store and firewall rules. A PTR record is
// attacker-controlled (whoever owns the reverse zone writes it), so nothing but plain LDH names passes:
// no control characters, no spaces or markup, nothing a terminal, CSV reader or HTML view would interpret.

const MAX_NAME = 253;
const LABEL_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Returns the name lowercased and without a trailing dot, or null when it is not a valid LDH hostname
 * (total ≤ 253 chars, labels 1–63 chars of letters, digits and inner hyphens, a last label that is not
 * all digits so an IP literal never passes as a name). Single-label names (a LAN router's PTR) pass.
 */
export function normalizeHostname(name: unknown): string | null {
  if (typeof name !== 'string') return null;
  let s = name.endsWith('.') ? name.slice(0, -1) : name;
  if (s.length === 0 || s.length > MAX_NAME) return null;
  // ASCII check before lowercasing: Unicode case folding maps some non-ASCII letters onto ASCII (K, U+212A → k).
  if (!/^[A-Za-z0-9.-]+$/.test(s)) return null;
  s = s.toLowerCase();
  const labels = s.split('.');
  for (const label of labels) if (!LABEL_RE.test(label)) return null;
  if (/^[0-9]+$/.test(labels[labels.length - 1] as string)) return null;
  return s;
}
