import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nettopArgv, parseNettop, splitCsv } from '../../electron/collector/parse/nettop';

const fixture = (name: string): string => readFileSync(join(__dirname, '../fixtures/darwin', name), 'utf8');

describe('nettopArgv', () => {
  it('asks for one sample with numeric addresses, raw counters and the columns we read', () => {
    expect(nettopArgv()).toEqual(['-L', '1', '-n', '-x', '-J', 'state,bytes_in,bytes_out']);
  });
});

describe('parseNettop on macOS logging output', () => {
  const parsed = parseNettop(fixture('nettop-macos.txt'));

  it('reads every process row and every flow row', () => {
    expect(parsed.skipped).toBe(0);
    expect(parsed.processes.map((p) => [p.pid, p.name, p.bytesIn, p.bytesOut])).toEqual([
      [1, 'launchd', 0, 0],
      [375, 'apsd', 87292, 449441],
      [412, 'mDNSResponder', 11920435, 8353813],
      [913, 'Google Chrome H', 14558436, 6611270],
      [2201, 'weird,name (x) ', 3000, 70000],
      [2202, 'a,b', 10, 20],
      [2203, 'naïve 日本', 5, 6],
      [640, 'syncdefaultsd', 1000, 2000],
      [650, 'quoted, name', 7, 8],
    ]);
    expect(parsed.flows).toHaveLength(16);
  });

  it('reads listeners with no peer and no counters', () => {
    expect(parsed.flows.filter((f) => f.pid === 1)).toEqual([
      { pid: 1, processName: 'launchd', proto: 'tcp', family: 6, local: '::', lport: 22, remote: null, rport: null, state: 'Listen', bytesIn: null, bytesOut: null },
      { pid: 1, processName: 'launchd', proto: 'tcp', family: 4, local: '0.0.0.0', lport: 22, remote: null, rport: null, state: 'Listen', bytesIn: null, bytesOut: null },
    ]);
  });

  it('reads an IPv4 flow exactly', () => {
    expect(parsed.flows.find((f) => f.pid === 375)).toEqual({
      pid: 375,
      processName: 'apsd',
      proto: 'tcp',
      family: 4,
      local: '192.168.1.23',
      lport: 61151,
      remote: '17.57.144.246',
      rport: 5223,
      state: 'Established',
      bytesIn: 87292,
      bytesOut: 449441,
    });
  });

  it('reads IPv6 flows with the dot port separator, scopes, mapped addresses and QUIC', () => {
    const mdns = parsed.flows.filter((f) => f.pid === 412);
    expect(mdns.map((f) => [f.proto, f.family, f.local, f.lport, f.remote, f.rport, f.bytesIn, f.bytesOut])).toEqual([
      ['udp', 6, '::', 5353, null, null, 5735596, 3533949],
      ['udp', 4, '0.0.0.0', 5353, null, null, 6184839, 4819864],
      ['udp', 6, 'fe80::aede:48ff:fe00:1122', 5353, 'fe80::1c2a:2eff:fe61:9a2b', 5353, 1200, 800],
    ]);
    const chrome = parsed.flows.filter((f) => f.pid === 913);
    expect(chrome.map((f) => [f.proto, f.family, f.local, f.lport, f.remote, f.rport, f.state, f.bytesIn, f.bytesOut])).toEqual([
      ['tcp', 4, '192.168.1.23', 49565, '52.26.44.205', 443, 'Established', 4653, 2194],
      ['tcp', 6, '2001:db8::1', 52000, '2606:4700::6810:84e5', 443, 'Established', 900, 100],
      ['tcp', 4, '192.168.1.23', 52001, '198.18.0.7', 8443, 'SynSent', 0, 0],
      ['udp', 4, '192.168.1.23', 53993, '17.248.245.233', 443, null, 5413, 5321],
      ['tcp', 4, '127.0.0.1', 52002, '127.0.0.1', 631, 'CloseWait', 10, 20],
    ]);
  });

  it('attributes flows of processes with hostile names to the right pid', () => {
    expect(parsed.flows.filter((f) => f.pid === 2201).map((f) => [f.lport, f.bytesIn, f.bytesOut])).toEqual([[50100, 3000, 70000]]);
    expect(parsed.flows.filter((f) => f.pid === 2202).map((f) => [f.lport, f.state])).toEqual([[50101, 'FinWait2']]);
    expect(parsed.flows.filter((f) => f.pid === 2203).map((f) => [f.local, f.remote, f.rport])).toEqual([['2001:db8::5', '2001:db8::9', 8080]]);
    expect(parsed.flows.filter((f) => f.pid === 650).map((f) => [f.processName, f.lport])).toEqual([['quoted, name', 50300]]);
  });
});

describe('parseNettop on the padded format with a time column', () => {
  it('finds columns by header and keeps only the last sample', () => {
    const parsed = parseNettop(fixture('nettop-padded.txt'));
    expect(parsed.skipped).toBe(0);
    expect(parsed.processes.map((p) => p.pid)).toEqual([1, 150]);
    expect(parsed.flows).toEqual([
      {
        pid: 150,
        processName: 'apsd',
        proto: 'tcp',
        family: 4,
        local: '192.168.1.219',
        lport: 49853,
        remote: '17.57.146.57',
        rport: 5223,
        state: 'Established',
        bytesIn: 5495300,
        bytesOut: 711460,
      },
    ]);
  });
});

describe('parseNettop robustness', () => {
  it('skips and counts malformed rows, and never gives a flow the wrong pid', () => {
    const parsed = parseNettop(fixture('nettop-malformed.txt'));
    expect(parsed.flows.map((f) => [f.pid, f.lport, f.bytesIn, f.bytesOut])).toEqual([
      [901, 1002, 8, 9],
      [902, 1006, 5, 6],
    ]);
    expect(parsed.processes.map((p) => [p.pid, p.name])).toEqual([
      [901, 'curl'],
      [902, '"unbalanced'],
    ]);
    expect(parsed.skipped).toBe(8);
  });

  it('reports output without a header as unreadable', () => {
    expect(parseNettop('garbage\nmore garbage\n')).toEqual({ sampled: false, flows: [], processes: [], skipped: 2 });
    expect(parseNettop('')).toEqual({ sampled: false, flows: [], processes: [], skipped: 0 });
    expect(parseNettop(',state,bytes_in,bytes_out,\n')).toEqual({ sampled: true, flows: [], processes: [], skipped: 0 });
  });

  it('reads quoted cells with commas, doubled quotes and newlines', () => {
    expect(splitCsv('a,"b,c","d""e","f\ng"\r\nh,\n')).toEqual([['a', 'b,c', 'd"e', 'f\ng'], ['h', '']]);
    const parsed = parseNettop(',bytes_in,bytes_out,\n"line\nbreak.77",1,2,\ntcp4 10.0.0.2:1<->198.18.0.1:2,1,2,\n');
    expect(parsed.processes.map((p) => [p.pid, p.name])).toEqual([[77, 'line\nbreak']]);
    expect(parsed.flows.map((f) => f.pid)).toEqual([77]);
  });

  it('treats an unbalanced quote literally instead of swallowing the rows after it', () => {
    const text = ',bytes_in,bytes_out,\n"evil.5,1,1,\ntcp4 10.0.0.2:1<->198.18.0.1:2,1,1,\nok.6,2,2,\ntcp4 10.0.0.2:3<->198.18.0.1:4,2,2,\n';
    const parsed = parseNettop(text);
    expect(parsed.flows.map((f) => [f.pid, f.lport])).toEqual([
      [5, 1],
      [6, 3],
    ]);
  });
});
