import { afterEach, describe, expect, it } from 'vitest';
import { formatMessage, octetFrame, paramValue, TcpSyslogSender, UdpSyslogSender } from '../../../electron/insight/fleet/syslog';
import type { FleetRecord } from '../../../electron/insight/fleet/records';
import { octetFrames, parse5424, SyslogTcpReceiver, SyslogUdpReceiver, until } from './receivers';

const opts = { facility: 1, hostname: 'ws-17', appName: 'outflow', procId: '4242', sdId: 'outflow@32473' };
const alert: FleetRecord = {
  type: 'alert',
  id: 9,
  at: Date.UTC(2026, 10, 26, 10, 0, 0, 123),
  kind: 'new-destination',
  appId: 3,
  appName: 'naïve "app"',
  title: 'naïve: new destination',
  detail: 'evil.example: 198.51.100.9 port 443] injected="1"\nsecond line \\',
  count: 1,
  notified: true,
};

describe('RFC 5424 formatting', () => {
  it('writes PRI, version, timestamp, header fields, MSGID, escaped structured data and a BOM-prefixed UTF-8 MSG', () => {
    const m = formatMessage(alert, opts);
    const p = parse5424(m);
    expect(p).toMatchObject({ pri: 1 * 8 + 4, version: '1', timestamp: '2026-11-26T10:00:00.123Z', hostname: 'ws-17', appName: 'outflow', procId: '4242', msgId: 'alert', sdId: 'outflow@32473' });
    expect(p.params).toEqual({
      'event.name': 'outflow.alert',
      'outflow.alert.id': '9',
      'outflow.alert.kind': 'new-destination',
      'outflow.alert.title': 'naïve: new destination',
      'outflow.alert.detail': 'evil.example: 198.51.100.9 port 443] injected="1" second line \\',
      'outflow.alert.count': '1',
      'outflow.alert.notified': 'true',
      'outflow.app.id': '3',
      'outflow.app.name': 'naïve "app"',
    });
    expect(p.msg.startsWith('\ufeffnaïve: new destination: evil.example')).toBe(true);
    expect(m).not.toContain('\n');
    expect(paramValue('a"b\\c]d')).toBe('a\\"b\\\\c\\]d');
    // Enforcement lost is an error; flows are informational.
    expect(parse5424(formatMessage({ ...alert, kind: 'enforcement-lost' }, opts)).pri).toBe(8 + 3);
    const dropped = parse5424(formatMessage({ type: 'dropped', at: 0, sink: 'syslog', droppedTotal: 15 }, { ...opts, facility: 16 }));
    expect(dropped).toMatchObject({ pri: 16 * 8 + 4, msgId: 'dropped', params: { 'event.name': 'outflow.export.dropped', 'outflow.export.sink': 'syslog', 'outflow.export.dropped_total': '15' } });
  });

  it('uses the NILVALUE for unusable header fields and frames by octet count in bytes', () => {
    const p = parse5424(formatMessage(alert, { ...opts, hostname: 'bad host\n', appName: '' }));
    expect(p.hostname).toBe('badhost');
    expect(p.appName).toBe('-');
    const frame = octetFrame('<14>1 - - - - - - é');
    expect(frame.toString('utf8')).toBe(`${Buffer.byteLength('<14>1 - - - - - - é')} <14>1 - - - - - - é`);
    expect(octetFrames(Buffer.concat([frame, frame])).messages).toHaveLength(2);
  });
});

describe('syslog transports to listeners on loopback', () => {
  const tcp = new SyslogTcpReceiver();
  const udp = new SyslogUdpReceiver();
  afterEach(async () => {
    await tcp.stop();
    await udp.stop();
  });

  it('TCP: octet-counted frames arrive whole, and the sender reconnects after the receiver restarts', async () => {
    await tcp.start();
    const sender = new TcpSyslogSender('127.0.0.1', tcp.port, 2000);
    try {
      await sender.send([formatMessage(alert, opts), formatMessage({ ...alert, id: 10 }, opts)]);
      await until(() => tcp.messages.length === 2);
      await tcp.stop();
      await expect(sender.send([formatMessage({ ...alert, id: 11 }, opts)])).rejects.toThrow();
      await tcp.start();
      await sender.send([formatMessage({ ...alert, id: 12 }, opts)]);
      await until(() => tcp.messages.length === 3);
      expect(tcp.messages.map((m) => parse5424(m).params['outflow.alert.id'])).toEqual(['9', '10', '12']);
    } finally {
      sender.close();
    }
  });

  it('UDP: one message per datagram', async () => {
    await udp.start();
    const sender = new UdpSyslogSender('127.0.0.1', udp.port);
    try {
      await sender.send([formatMessage(alert, opts), formatMessage({ ...alert, id: 10 }, opts)]);
      await until(() => udp.messages.length === 2);
      expect(parse5424(udp.messages[1]!).params['outflow.alert.id']).toBe('10');
    } finally {
      sender.close();
    }
  });
});
