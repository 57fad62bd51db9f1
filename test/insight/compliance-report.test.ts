import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { complianceCsv, complianceReport, parseCountryList } from '../../electron/insight/compliance-report';
import { escapeHtml, renderComplianceHtml } from '../../electron/insight/report-html';
import { trafficDb, type TrafficDb } from './fixture';

const MB = 1e6;
const at = (day: number, hour = 10) => new Date(2026, 10, day, hour).getTime();
const NOW = at(26, 12);
const HOSTILE_APP = '/opt/<script>alert(1)</script>/"x\'&y';
const HOSTILE_ORG = '<img src=x onerror=alert(1)> Evil & Co';

let t: TrafficDb;
let ids: { browser: number; evil: number };
beforeEach(() => {
  t = trafficDb();
  ids = { browser: t.app('/usr/bin/browser'), evil: t.app(HOSTILE_APP) };
  const de1 = t.remote('203.0.113.1', { host: 'a.example.de', country: 'DE', asn: 3320, org: 'Deutsche Telekom AG' });
  const de2 = t.remote('203.0.113.2', { host: 'b.example.de', country: 'DE', asn: 3320, org: 'Deutsche Telekom AG' });
  const fr = t.remote('203.0.113.3', { country: 'FR', asn: 16276, org: 'OVH SAS' });
  const us = t.remote('203.0.113.4', { host: 'api.example.com', country: 'US', asn: 15169, org: 'Google LLC' });
  const unknown = t.remote('203.0.113.5', {});
  const lan = t.remote('192.168.1.20', { scope: 'lan' });
  const lo = t.remote('127.0.0.1', { scope: 'loopback' });
  t.send(at(2), ids.browser, de1, 10 * MB, 1 * MB);
  t.send(at(20), ids.browser, de2, 5 * MB);
  t.send(at(3), ids.browser, fr, 7 * MB);
  t.send(at(4), ids.browser, us, 3 * MB);
  t.send(at(25), ids.browser, us, 1 * MB);
  t.send(at(5), ids.browser, unknown, 2 * MB);
  t.send(at(5), ids.browser, lan, 50 * MB);
  t.send(at(5), ids.browser, lo, 99 * MB);
  t.send(at(6), ids.evil, t.remote('203.0.113.66', { country: 'RU', asn: 64666, org: HOSTILE_ORG }), 4 * MB);
});
afterEach(() => t.close());

describe('where data goes', () => {
  it('groups each app’s destinations by country and network owner with bytes and first/last time', () => {
    const r = complianceReport(t.db, { since: at(1, 0), until: NOW }, NOW);
    const browser = r.rows.filter((x) => x.appId === ids.browser);
    expect(browser.map((x) => [x.country, x.asn, x.org, x.addresses, x.bytesOut])).toEqual([
      ['DE', 3320, 'Deutsche Telekom AG', 2, 15 * MB],
      ['FR', 16276, 'OVH SAS', 1, 7 * MB],
      ['US', 15169, 'Google LLC', 1, 4 * MB],
      [null, null, null, 1, 2 * MB],
    ]);
    const de = browser[0]!;
    expect(de.hosts).toEqual(['a.example.de', 'b.example.de']);
    expect(de.firstSeen).toBe(at(2));
    expect(de.lastSeen).toBe(at(20));
    expect(de.bytesIn).toBe(1 * MB);
    expect(r.apps.map((a) => [a.app, a.bytesOut, a.countries])).toEqual([
      ['browser', 28 * MB, ['DE', 'FR', 'US', 'unknown']],
      [HOSTILE_APP.split('/').pop(), 4 * MB, ['RU']],
    ]);
    // LAN only when asked; loopback never.
    const withLan = complianceReport(t.db, { since: at(1, 0), until: NOW, includeLan: true }, NOW);
    expect(withLan.rows.filter((x) => x.scope === 'lan').map((x) => x.bytesOut)).toEqual([50 * MB]);
    expect(withLan.rows.some((x) => x.scope === 'loopback')).toBe(false);
  });

  it('answers "which apps sent data outside DE, FR, how much, to whom"', () => {
    const r = complianceReport(t.db, { since: at(1, 0), until: NOW, outside: parseCountryList('de, fr') }, NOW);
    expect(r.outside).toEqual(['DE', 'FR']);
    expect(r.rows.map((x) => [x.app, x.country ?? 'unknown', x.org, x.bytesOut])).toEqual([
      ['browser', 'US', 'Google LLC', 4 * MB],
      ['browser', 'unknown', null, 2 * MB],
      [HOSTILE_APP.split('/').pop(), 'RU', HOSTILE_ORG, 4 * MB],
    ]);
    expect(r.totals.bytesOut).toBe(10 * MB);
    // Within a shorter period only what happened then.
    const late = complianceReport(t.db, { since: at(21, 0), until: NOW, outside: ['DE', 'FR'] }, NOW);
    expect(late.rows.map((x) => [x.country, x.bytesOut])).toEqual([['US', 1 * MB]]);
  });

  it('rejects country lists that are not ISO codes', () => {
    expect(() => parseCountryList('DEU')).toThrow(/ISO/);
    expect(() => parseCountryList('D1')).toThrow(/ISO/);
    expect(() => parseCountryList('')).toThrow(/ISO/);
    expect(() => complianceReport(t.db, { since: 0, until: NOW, outside: ["DE' OR 1=1 --"] }, NOW)).toThrow(/ISO/);
  });

  it('exports CSV with one line per group, formulas neutralised', () => {
    const evilFormula = t.app('/tmp/=cmd|"calc"');
    t.send(at(7), evilFormula, t.remote('203.0.113.77', { country: 'US' }), 1 * MB);
    const csv = complianceCsv(complianceReport(t.db, { since: at(1, 0), until: NOW }, NOW));
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('app,path,country,asn,org,scope,addresses,hosts,bytesOut,bytesIn,flows,firstSeen,lastSeen');
    expect(lines).toHaveLength(1 + 6);
    expect(lines[1]).toBe(`browser,/usr/bin/browser,DE,3320,Deutsche Telekom AG,internet,2,a.example.de b.example.de,15000000,1000000,2,${new Date(at(2)).toISOString()},${new Date(at(20)).toISOString()}`);
    expect(csv).toContain(`"'=cmd|""calc""","/tmp/=cmd|""calc""",US,`);
  });

  it('renders a self-contained printable HTML page with every data value escaped', () => {
    const html = renderComplianceHtml(complianceReport(t.db, { since: at(1, 0), until: NOW }, NOW));
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">");
    // No scripts, no external resources, no markup from the data.
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    // Data `<` is escaped, so every `<` left opens one of our own tags: none may load or run anything.
    expect(html).not.toMatch(/<[^>]*\b(src|href|on\w+)\s*=/i);
    expect(html).not.toMatch(/<link/i);
    expect(html).toContain(escapeHtml(HOSTILE_APP));
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('AS64666 &lt;img src=x onerror=alert(1)&gt; Evil &amp; Co');
    expect(html).toContain('<h2>browser</h2>');
    expect(html).toContain('<td>DE</td><td>AS3320 Deutsche Telekom AG</td><td>a.example.de, b.example.de</td>');
    expect(escapeHtml(`<a href="x" onclick='y'>&`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;');
  });
});
