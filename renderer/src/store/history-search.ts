import type { HistoryQuery } from '../../../electron/shared/contract';

type SearchFields = Pick<HistoryQuery, 'q' | 'app' | 'host' | 'country' | 'port' | 'proto'>;

/**
 * Turn the search box into query fields: `app:firefox host:example.org country:de port:443 tcp`
 * become exact filters; every other word goes to the free-text `q` (app, host, address, country, org, port).
 * Returns the problems it found so the box can say why a word was not used.
 */
export function parseSearch(text: string): { fields: SearchFields; problems: string[] } {
  const fields: SearchFields = {};
  const problems: string[] = [];
  const free: string[] = [];
  const words = text.match(/(?:[^\s"]+:"[^"]*"|"[^"]*"|\S+)/g) ?? [];
  for (const raw of words) {
    const m = /^(app|host|country|cc|port|proto):(.*)$/i.exec(raw);
    if (!m) {
      const lower = raw.toLowerCase();
      if (lower === 'tcp' || lower === 'udp') fields.proto = lower;
      else free.push(raw.replace(/^"|"$/g, ''));
      continue;
    }
    const key = m[1]!.toLowerCase();
    const value = m[2]!.replace(/^"|"$/g, '');
    if (!value) continue;
    switch (key) {
      case 'app':
        fields.app = value.slice(0, 4096);
        break;
      case 'host':
        fields.host = value.slice(0, 300);
        break;
      case 'country':
      case 'cc':
        if (/^[A-Za-z]{2}$/.test(value)) fields.country = value.toUpperCase();
        else problems.push(`country needs a two-letter code, not "${value}"`);
        break;
      case 'port': {
        const n = Number(value);
        if (Number.isInteger(n) && n >= 1 && n <= 65535) fields.port = n;
        else problems.push(`port must be 1–65535, not "${value}"`);
        break;
      }
      case 'proto':
        if (value.toLowerCase() === 'tcp' || value.toLowerCase() === 'udp') fields.proto = value.toLowerCase() as 'tcp' | 'udp';
        else problems.push(`proto is tcp or udp, not "${value}"`);
        break;
    }
  }
  const q = free.join(' ').trim();
  if (q) fields.q = q.slice(0, 300);
  return { fields, problems };
}
