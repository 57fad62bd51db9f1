import type { ComplianceReport, ComplianceRow } from './compliance-report';
import { formatBytes, formatLocalTime as formatLocal } from '../shared/format';

// The "where data goes" report as one printable, self-contained HTML page: inline CSS, no scripts, no
// external resources (a CSP meta tag forbids them anyway), and every value from the data — app names,
// paths, host names, organisations, all written by whoever controls a binary or a reverse DNS zone —
// HTML-escaped.

export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const CSS = `
  body { font: 13px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1f24; margin: 2rem; }
  h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
  h2 { font-size: 1.1rem; margin: 1.75rem 0 .25rem; page-break-after: avoid; }
  .meta, .path { color: #57606a; }
  .path { font-family: ui-monospace, monospace; font-size: 11px; word-break: break-all; }
  table { border-collapse: collapse; width: 100%; margin-top: .5rem; page-break-inside: auto; }
  th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #d0d7de; vertical-align: top; }
  th { background: #f6f8fa; font-weight: 600; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  tr { page-break-inside: avoid; }
  .empty { color: #57606a; font-style: italic; }
  @media print { body { margin: 0; } a { color: inherit; } }
`;

export function renderComplianceHtml(report: ComplianceReport): string {
  const scope = report.outside ? `Internet traffic to countries other than ${report.outside.join(', ')} (or unknown)` : 'All destinations except loopback';
  const period = `${formatLocal(report.since)} – ${formatLocal(report.until)}`;
  const parts: string[] = [];
  parts.push(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Outflow — where data goes</title>
<style>${CSS}</style>
</head>
<body>
<h1>Where data goes</h1>
<p class="meta">${escapeHtml(period)} · ${escapeHtml(scope)} · generated ${escapeHtml(formatLocal(report.generatedAt))} by Outflow</p>
<p>${escapeHtml(report.apps.length)} app${report.apps.length === 1 ? '' : 's'} sent ${escapeHtml(formatBytes(report.totals.bytesOut))} and received ${escapeHtml(formatBytes(report.totals.bytesIn))}.</p>`);

  if (report.apps.length === 0) {
    parts.push('<p class="empty">Nothing matched in this period.</p>');
  } else {
    parts.push('<h2>Summary</h2><table><thead><tr><th>App</th><th class="num">Sent</th><th class="num">Received</th><th>Countries</th></tr></thead><tbody>');
    for (const a of report.apps) {
      parts.push(
        `<tr><td>${escapeHtml(a.app)}</td><td class="num">${escapeHtml(formatBytes(a.bytesOut))}</td><td class="num">${escapeHtml(formatBytes(a.bytesIn))}</td><td>${escapeHtml(a.countries.join(', '))}</td></tr>`,
      );
    }
    parts.push('</tbody></table>');
    for (const a of report.apps) {
      parts.push(`<h2>${escapeHtml(a.app)}</h2>`);
      parts.push(`<div class="path">${escapeHtml(a.path ?? 'traffic no process could be found for')}</div>`);
      parts.push(
        '<table><thead><tr><th>Country</th><th>Network owner</th><th>Names</th><th class="num">Addresses</th><th class="num">Sent</th><th class="num">Received</th><th>First</th><th>Last</th></tr></thead><tbody>',
      );
      for (const r of report.rows) if (r.appId === a.appId) parts.push(row(r));
      parts.push('</tbody></table>');
    }
  }
  parts.push('</body>\n</html>\n');
  return parts.join('\n');
}

function row(r: ComplianceRow): string {
  const owner = r.asn !== null ? `AS${r.asn}${r.org ? ` ${r.org}` : ''}` : (r.org ?? (r.scope === 'lan' ? 'local network' : 'unknown'));
  return `<tr><td>${escapeHtml(r.country ?? 'unknown')}</td><td>${escapeHtml(owner)}</td><td>${escapeHtml(r.hosts.join(', '))}</td><td class="num">${escapeHtml(r.addresses)}</td><td class="num">${escapeHtml(formatBytes(r.bytesOut))}</td><td class="num">${escapeHtml(formatBytes(r.bytesIn))}</td><td>${escapeHtml(formatLocal(r.firstSeen))}</td><td>${escapeHtml(formatLocal(r.lastSeen))}</td></tr>`;
}
