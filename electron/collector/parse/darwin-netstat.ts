// Machine-wide interface counters on macOS from `netstat -ibn`: one `<Link#n>` row per interface
// (other rows repeat the same counters per address). The Address column is empty for interfaces
// without a link-layer address (utun, gif), so counters are located from the right using the header.
import type { InterfaceTotals } from '../../engine/ports';

export function netstatArgv(): string[] {
  return ['-ibn'];
}

export interface NetstatParse {
  totals: InterfaceTotals | null;
  interfaces: number;
  skipped: number;
}

export function parseNetstat(output: string): NetstatParse {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  const headerAt = lines.findIndex((l) => /^Name\s/.test(l));
  if (headerAt < 0) return { totals: null, interfaces: 0, skipped: lines.length };
  const header = lines[headerAt].trim().split(/\s+/);
  const fromRightIn = header.length - header.indexOf('Ibytes');
  const fromRightOut = header.length - header.indexOf('Obytes');
  if (header.indexOf('Ibytes') < 0 || header.indexOf('Obytes') < 0) {
    return { totals: null, interfaces: 0, skipped: lines.length };
  }
  let txBytes = 0;
  let rxBytes = 0;
  let interfaces = 0;
  let skipped = 0;
  const seen = new Set<string>();
  for (const line of lines.slice(headerAt + 1)) {
    const cells = line.trim().split(/\s+/);
    if (cells.length < 3 || !cells[2].startsWith('<Link#')) continue;
    const name = cells[0].replace(/\*$/, '');
    if (/^lo\d*$/.test(name) || seen.has(name)) continue;
    const rx = cells[cells.length - fromRightIn];
    const tx = cells[cells.length - fromRightOut];
    if (!/^\d{1,20}$/.test(rx ?? '') || !/^\d{1,20}$/.test(tx ?? '')) {
      skipped++;
      continue;
    }
    seen.add(name);
    rxBytes += Number(rx);
    txBytes += Number(tx);
    interfaces++;
  }
  return { totals: { txBytes, rxBytes }, interfaces, skipped };
}
