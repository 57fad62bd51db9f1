import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFleetExporter, type FleetExporter } from '../../../electron/insight/fleet/exporter';
import { fleetSettingsSchema, type FleetSettingsInput } from '../../../electron/shared/fleet-settings';
import { AlertsTable } from '../../../electron/store/queries/alerts';
import { trafficDb, type TrafficDb } from '../fixture';
import { attrs, OtlpReceiver, parse5424, SyslogTcpReceiver, until, type OtlpLogRecord } from './receivers';

// The exporter end to end: a real database on disk, the on-disk queue, and real receivers on
// loopback that are stopped and restarted to play an outage.

const MIN = 60_000;
const M0 = Math.floor(Date.UTC(2026, 10, 26, 9, 0) / MIN) * MIN;

let t: TrafficDb;
let otlp: OtlpReceiver;
let syslog: SyslogTcpReceiver;
let clock: number;
let exporters: FleetExporter[];
let appId: number;

beforeEach(async () => {
  t = trafficDb();
  otlp = new OtlpReceiver();
  syslog = new SyslogTcpReceiver();
  await otlp.start();
  await syslog.start();
  clock = M0 + 30_000;
  exporters = [];
  appId = t.app('/usr/bin/uploader');
});
afterEach(async () => {
  for (const e of exporters) await e.stop();
  await otlp.stop();
  await syslog.stop();
  t.close();
});

function exporter(patch: FleetSettingsInput = {}): FleetExporter {
  const settings = fleetSettingsSchema.parse({
    enabled: true,
    otlp: { enabled: true, url: otlp.url, timeoutMs: 2000 },
    syslog: { enabled: true, transport: 'tcp', host: '127.0.0.1', port: syslog.port },
    batchSize: 4,
    retryBaseMs: 10,
    retryMaxMs: 100,
    ...patch,
  });
  const e = createFleetExporter({ db: t.db, queuePath: join(t.dir, 'fleet-queue.db'), settings, version: '9.9.9', hostName: 'ws-17', now: () => clock });
  exporters.push(e);
  return e;
}

const otlpFlows = (): OtlpLogRecord[] => otlp.records.filter((r) => r.eventName === 'outflow.flow.minute');
const otlpIds = (): string[] => otlpFlows().map((r) => String(attrs(r.attributes)['destination.address']));
const syslogIds = (): string[] => syslog.messages.map((m) => parse5424(m)).filter((p) => p.msgId === 'flow').map((p) => p.params['destination.address']!);

function sendTo(minute: number, addrs: string[]): void {
  for (const a of addrs) t.send(minute + 5_000, appId, t.remote(a, { country: 'US', asn: 64500, org: 'Example', host: `h-${a}.example.com` }), 1000, 10);
}

describe('fleet exporter', () => {
  it('sends completed minutes and new alerts to OTLP and syslog with the documented fields', async () => {
    const e = exporter();
    await e.runOnce(); // first pass: starts from now, history is not replayed
    sendTo(M0, ['198.51.100.1', '198.51.100.2']);
    const alerts = new AlertsTable(t.db);
    alerts.record({ at: M0 + 10_000, kind: 'new-destination', appId, title: 'uploader: new destination', detail: 'example.com: 198.51.100.1 port 443', notified: true, dedupeKey: null, windowMs: 0 });
    // The minute is still open: nothing yet.
    clock = M0 + MIN + 10_000;
    await e.runOnce();
    expect(otlpFlows()).toHaveLength(0);
    clock = M0 + MIN + 16_000;
    await e.runOnce();
    await until(() => syslog.messages.length === 3);
    expect(otlpIds()).toEqual(['198.51.100.1', '198.51.100.2']);

    const flow = otlpFlows()[0]!;
    expect(flow.timeUnixNano).toBe(`${M0}000000`);
    expect(flow.severityText).toBe('INFO');
    expect(attrs(flow.attributes)).toEqual({
      'event.name': 'outflow.flow.minute',
      'outflow.app.id': appId,
      'outflow.app.name': 'uploader',
      'outflow.app.path': '/usr/bin/uploader',
      'outflow.app.attributed': true,
      'destination.address': '198.51.100.1',
      'destination.port': 443,
      'network.transport': 'tcp',
      'outflow.dest.host': 'h-198.51.100.1.example.com',
      'outflow.dest.country': 'US',
      'outflow.dest.asn': 64500,
      'outflow.dest.org': 'Example',
      'outflow.dest.scope': 'internet',
      'outflow.bytes_out': 1000,
      'outflow.bytes_in': 10,
      'outflow.flows': 1,
    });
    const alert = otlp.records.find((r) => r.eventName === 'outflow.alert')!;
    expect(alert.severityText).toBe('WARN');
    expect(attrs(alert.attributes)).toMatchObject({ 'outflow.alert.kind': 'new-destination', 'outflow.alert.title': 'uploader: new destination', 'outflow.app.name': 'uploader', 'outflow.alert.notified': true });
    expect(attrs(otlp.requests[0]!.body.resourceLogs[0]!.resource.attributes)).toEqual({ 'service.name': 'outflow', 'service.version': '9.9.9', 'host.name': 'ws-17' });

    const sys = syslog.messages.map(parse5424);
    expect(sys.map((p) => p.msgId).sort()).toEqual(['alert', 'flow', 'flow']);
    const sflow = sys.find((p) => p.msgId === 'flow')!;
    expect(sflow).toMatchObject({ hostname: 'ws-17', appName: 'outflow', sdId: 'outflow@32473', timestamp: new Date(M0).toISOString() });
    expect(sflow.params).toMatchObject({ 'destination.address': '198.51.100.1', 'outflow.bytes_out': '1000', 'outflow.app.path': '/usr/bin/uploader' });
    expect(e.status().sinks.map((s) => [s.sink, s.queued, s.sent, s.dropped])).toEqual([
      ['otlp', 0, 3, 0],
      ['syslog', 0, 3, 0],
    ]);
  });

  it('loses nothing while the receivers are down, across back-off and an exporter restart', async () => {
    let e = exporter();
    await e.runOnce();
    await otlp.stop();
    await syslog.stop();
    sendTo(M0, ['198.51.100.1', '198.51.100.2', '198.51.100.3']);
    clock = M0 + MIN + 16_000;
    await e.runOnce();
    let st = e.status();
    expect(st.sinks.map((s) => [s.queued, s.failures])).toEqual([
      [3, 1],
      [3, 1],
    ]);
    expect(st.sinks[0]!.lastError).toMatch(/unreachable/);
    expect(st.sinks[1]!.lastError).toMatch(/ECONNREFUSED/);
    expect(st.sinks[0]!.nextAttemptAt).toBeGreaterThan(clock);

    // Still down, more traffic, another failed attempt after the back-off.
    sendTo(M0 + MIN, ['198.51.100.4', '198.51.100.5']);
    clock = M0 + 2 * MIN + 16_000;
    await e.runOnce();
    expect(e.status().sinks.map((s) => [s.queued, s.failures])).toEqual([
      [5, 2],
      [5, 2],
    ]);

    // Outflow restarts while the receivers are still down: the queue is on disk.
    await e.stop();
    e = exporter();
    sendTo(M0 + 2 * MIN, ['198.51.100.6']);
    clock = M0 + 3 * MIN + 16_000;
    await e.runOnce();
    expect(e.status().sinks.map((s) => s.queued)).toEqual([6, 6]);

    await otlp.start();
    await syslog.start();
    clock += 1000;
    await e.runOnce();
    await until(() => syslog.messages.length === 6);
    const all = ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4', '198.51.100.5', '198.51.100.6'];
    expect(otlpIds()).toEqual(all);
    expect(syslogIds()).toEqual(all);
    st = e.status();
    expect(st.sinks.map((s) => [s.queued, s.failures, s.dropped])).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
  });

  it('caps the queue: drops the oldest, counts them, and exports the count ahead of the rest', async () => {
    const e = exporter({ queueMaxRecords: 10, syslog: { enabled: false } });
    await e.runOnce();
    await otlp.stop();
    const addrs = Array.from({ length: 25 }, (_, i) => `198.51.100.${i + 1}`);
    sendTo(M0, addrs);
    clock = M0 + MIN + 16_000;
    await e.runOnce();
    expect(e.status().sinks[0]).toMatchObject({ sink: 'otlp', queued: 10, dropped: 15 });

    await otlp.start();
    clock += 1000;
    await e.runOnce();
    const dropped = otlp.records.filter((r) => r.eventName === 'outflow.export.dropped');
    expect(dropped).toHaveLength(1);
    expect(dropped[0]!.severityText).toBe('WARN');
    expect(attrs(dropped[0]!.attributes)).toEqual({ 'event.name': 'outflow.export.dropped', 'outflow.export.sink': 'otlp', 'outflow.export.dropped_total': 15 });
    // The notice comes first, then the newest ten, in order.
    expect(otlp.records[0]!.eventName).toBe('outflow.export.dropped');
    expect(otlpIds()).toEqual(addrs.slice(15));
    expect(e.status().sinks[0]).toMatchObject({ queued: 0, dropped: 15 });
    // The count is announced once, not with every batch.
    sendTo(M0 + MIN, ['198.51.100.99']);
    clock = M0 + 2 * MIN + 16_000;
    await e.runOnce();
    expect(otlp.records.filter((r) => r.eventName === 'outflow.export.dropped')).toHaveLength(1);
  });

  it('drops a batch an OTLP receiver refuses for good (HTTP 400) and counts it, but retries 503', async () => {
    const e = exporter({ syslog: { enabled: false } });
    await e.runOnce();
    sendTo(M0, ['198.51.100.1']);
    clock = M0 + MIN + 16_000;
    otlp.reply = { status: 503 };
    await e.runOnce();
    expect(e.status().sinks[0]).toMatchObject({ queued: 1, failures: 1 });
    otlp.reply = { status: 400, body: '{"message":"schema"}' };
    clock += 1000;
    await e.runOnce();
    expect(e.status().sinks[0]).toMatchObject({ queued: 0, failures: 0, rejected: 1, lastError: 'OTLP receiver answered HTTP 400: {"message":"schema"}' });
  });

  it('does nothing while disabled and, when enabled, starts from now', async () => {
    const e = exporter({ enabled: false });
    sendTo(M0 - 5 * MIN, ['198.51.100.1']);
    clock = M0 + 16_000;
    await e.runOnce();
    expect(e.status()).toMatchObject({ enabled: false, sinks: [{ enabled: false, queued: 0 }, { enabled: false, queued: 0 }] });
    e.configure(fleetSettingsSchema.parse({ enabled: true, otlp: { enabled: true, url: otlp.url } }));
    sendTo(M0, ['198.51.100.2']);
    clock = M0 + MIN + 16_000;
    await e.runOnce();
    expect(otlpIds()).toEqual(['198.51.100.2']);
  });
});
