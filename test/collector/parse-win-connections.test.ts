import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWinConnections, TCP_STATES } from '../../electron/collector/parse/win-connections';

const fixture = (name: string): string => readFileSync(join(__dirname, '../fixtures/win32', name), 'utf8');
const t0 = 1795680000000;

describe('parseWinConnections', () => {
  const parsed = parseWinConnections(fixture('connections.json'));

  it('knows the MSFT_NetTCPConnection states by number', () => {
    expect(TCP_STATES).toEqual({
      1: 'Closed', 2: 'Listen', 3: 'SynSent', 4: 'SynReceived', 5: 'Established', 6: 'FinWait1', 7: 'FinWait2',
      8: 'CloseWait', 9: 'Closing', 10: 'LastAck', 11: 'TimeWait', 12: 'DeleteTCB', 100: 'Bound',
    });
  });

  it('keeps connections with a destination, exactly, and drops listeners and bound sockets', () => {
    expect(parsed.tcp).toEqual([
      { family: 4, local: '192.168.1.23', lport: 50000, remote: '198.18.0.5', rport: 443, state: 'ESTAB', stateCode: 5, pid: 4242, createdAt: t0 + 1000 },
      { family: 6, local: '2001:db8::5', lport: 50010, remote: '2001:db8::9', rport: 443, state: 'ESTAB', stateCode: 5, pid: 4242, createdAt: t0 + 2000 },
      { family: 4, local: '192.168.1.23', lport: 50001, remote: '198.18.0.6', rport: 80, state: 'TIME-WAIT', stateCode: 11, pid: 0, createdAt: null },
      { family: 4, local: '192.168.1.23', lport: 50020, remote: '198.18.0.7', rport: 8443, state: 'SYN-SENT', stateCode: 3, pid: 5150, createdAt: t0 + 3000 },
      { family: 6, local: 'fe80::1c2a:2eff:fe61:9a2b', lport: 50030, remote: 'fe80::aede:48ff:fe00:1122', rport: 8080, state: 'ESTAB', stateCode: 5, pid: 6000, createdAt: t0 + 4000 },
      { family: 4, local: '127.0.0.1', lport: 50002, remote: '127.0.0.1', rport: 631, state: 'CLOSE-WAIT', stateCode: 8, pid: 7000, createdAt: t0 + 5000 },
      { family: 4, local: '192.168.1.23', lport: 50040, remote: '198.18.0.8', rport: 22, state: 'FIN-WAIT-1', stateCode: 6, pid: 8000, createdAt: t0 + 6000 },
    ]);
  });

  it('keeps UDP endpoints bound to an address, not wildcard binds', () => {
    expect(parsed.udp).toEqual([{ family: 4, local: '192.168.1.23', lport: 51000, pid: 4242, createdAt: t0 + 7000 }]);
  });

  it('reads processes: absolute paths only, escaped unicode decoded, hostile characters kept', () => {
    expect(Object.fromEntries(parsed.processes)).toEqual({
      0: { pid: 0, exe: null, name: 'Idle', startTime: null },
      4242: { pid: 4242, exe: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', name: 'chrome', startTime: t0 - 3600000 },
      5150: { pid: 5150, exe: 'C:\\Users\\Ana\\AppData\\Local\\We,ird (x) "q"\\naïve 日本.exe', name: 'naïve 日本', startTime: t0 - 60000 },
      6000: { pid: 6000, exe: '\\\\?\\C:\\Tools\\probe.exe', name: 'probe', startTime: t0 - 1000 },
      7000: { pid: 7000, exe: null, name: 'svchost', startTime: null },
      8100: { pid: 8100, exe: null, name: 'evil', startTime: t0 },
    });
  });

  it('sums adapter counters and counts every bad row', () => {
    expect(parsed.totals).toEqual({ txBytes: 123456789 + 1000, rxBytes: 987654321 + 2000 });
    expect(parsed.skipped).toBe(6);
  });

  it('accepts a lone object where a one-item array was meant', () => {
    const one = parseWinConnections(fixture('single-objects.json'));
    expect(one.tcp).toEqual([{ family: 4, local: '10.0.0.2', lport: 50000, remote: '198.18.0.1', rport: 443, state: 'ESTAB', stateCode: 5, pid: 77, createdAt: t0 }]);
    expect(one.udp).toEqual([]);
    expect(one.processes.get(77)).toEqual({ pid: 77, exe: 'C:\\Windows\\System32\\curl.exe', name: 'curl', startTime: t0 - 500 });
    expect(one.totals).toEqual({ txBytes: 10, rxBytes: 20 });
    expect(one.skipped).toBe(0);
  });

  it('unwraps Windows PowerShell 5.1 { value, Count } arrays, a BOM, state names and raw date forms', () => {
    const wrapped = parseWinConnections(fixture('ps51-value-count.json'));
    expect(wrapped.tcp.map((c) => [c.lport, c.state, c.createdAt])).toEqual([
      [50001, 'ESTAB', t0 + 1],
      [50002, 'TIME-WAIT', Date.UTC(2026, 10, 26, 9, 0, 0, 500)],
    ]);
    expect(wrapped.processes.get(78)).toEqual({ pid: 78, exe: 'C:\\Tools\\wget.exe', name: 'wget', startTime: t0 - 1 });
    expect(wrapped.totals).toBeNull();
    expect(wrapped.skipped).toBe(0);
  });

  it('reads empty and null lists as nothing', () => {
    expect(parseWinConnections(fixture('empty.json'))).toEqual({ tcp: [], udp: [], processes: new Map(), totals: null, skipped: 0 });
    expect(parseWinConnections('{"v":1,"tcp":null,"udp":null,"proc":null,"net":null}').tcp).toEqual([]);
  });

  it('throws only when the output is not the document at all', () => {
    expect(() => parseWinConnections('')).toThrow('PowerShell output is not JSON');
    expect(() => parseWinConnections('Get-NetTCPConnection : not recognized')).toThrow('not JSON');
    expect(() => parseWinConnections('[]')).toThrow('not the collector document');
    expect(() => parseWinConnections('{"v":2}')).toThrow('not the collector document');
  });
});
