import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeLogs, logsEndpoint, postLogs, retryAfter, unixNano } from '../../../electron/insight/fleet/otlp';
import type { FleetRecord } from '../../../electron/insight/fleet/records';
import { attrs, OtlpReceiver, type OtlpBody } from './receivers';

const flow: FleetRecord = {
  type: 'flow',
  minute: 1_790_000_040_000,
  appId: 7,
  appName: 'curl',
  appPath: '/usr/bin/curl',
  attributed: true,
  remote: '198.51.100.4',
  rport: 443,
  proto: 'tcp',
  host: 'api.example.com',
  country: 'US',
  asn: 64500,
  org: 'Example',
  scope: 'internet',
  bytesOut: 12_345_678_901,
  bytesIn: 10,
  flows: 2,
};

describe('OTLP/HTTP JSON encoding', () => {
  it('follows the OTLP JSON mapping: camelCase keys, 64-bit integers as strings, integer enums', () => {
    const body = JSON.parse(encodeLogs([flow], { serviceVersion: '1.2.3', hostName: 'ws-17' }, 1_790_000_100_123)) as OtlpBody;
    const rl = body.resourceLogs[0]!;
    expect(attrs(rl.resource.attributes)).toEqual({ 'service.name': 'outflow', 'service.version': '1.2.3', 'host.name': 'ws-17' });
    expect(rl.scopeLogs[0]!.scope).toEqual({ name: 'outflow.fleet', version: '1' });
    const rec = rl.scopeLogs[0]!.logRecords[0]!;
    expect(rec.timeUnixNano).toBe('1790000040000000000');
    expect(rec.observedTimeUnixNano).toBe('1790000100123000000');
    expect(rec.severityNumber).toBe(9);
    expect(rec.severityText).toBe('INFO');
    expect(rec.eventName).toBe('outflow.flow.minute');
    expect(rec.body.stringValue).toBe('curl sent 12345678901 bytes to api.example.com port 443/tcp');
    expect(rec.attributes.find((a) => a.key === 'outflow.bytes_out')!.value).toEqual({ intValue: '12345678901' });
    expect(rec.attributes.find((a) => a.key === 'outflow.app.attributed')!.value).toEqual({ boolValue: true });
    expect(attrs(rec.attributes)).toEqual({
      'event.name': 'outflow.flow.minute',
      'outflow.app.id': 7,
      'outflow.app.name': 'curl',
      'outflow.app.path': '/usr/bin/curl',
      'outflow.app.attributed': true,
      'destination.address': '198.51.100.4',
      'destination.port': 443,
      'network.transport': 'tcp',
      'outflow.dest.host': 'api.example.com',
      'outflow.dest.country': 'US',
      'outflow.dest.asn': 64500,
      'outflow.dest.org': 'Example',
      'outflow.dest.scope': 'internet',
      'outflow.bytes_out': 12345678901,
      'outflow.bytes_in': 10,
      'outflow.flows': 2,
    });
  });

  it('leaves unknown values out instead of sending empty strings', () => {
    const body = JSON.parse(encodeLogs([{ ...flow, host: null, country: null, asn: null, org: null, appPath: null, attributed: false }], { serviceVersion: '1', hostName: 'h' }, 0)) as OtlpBody;
    const keys = body.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!.attributes.map((a) => a.key);
    expect(keys).not.toContain('outflow.dest.host');
    expect(keys).not.toContain('outflow.app.path');
    expect(unixNano(1)).toBe('1000000');
  });

  it('builds <url>/v1/logs and parses Retry-After', () => {
    expect(logsEndpoint('http://collector:4318')).toBe('http://collector:4318/v1/logs');
    expect(logsEndpoint('https://otel.example/ingest/')).toBe('https://otel.example/ingest/v1/logs');
    expect(logsEndpoint('http://c:4318/v1/logs')).toBe('http://c:4318/v1/logs');
    expect(retryAfter('7')).toBe(7000);
    expect(retryAfter(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
    expect(retryAfter('soon')).toBeNull();
  });
});

describe('OTLP/HTTP delivery to a receiver on loopback', () => {
  const rx = new OtlpReceiver();
  beforeEach(() => rx.start());
  afterEach(() => rx.stop());

  it('POSTs application/json to /v1/logs with the configured headers', async () => {
    const r = await postLogs(rx.url, encodeLogs([flow], { serviceVersion: '1', hostName: 'h' }, 0), { authorization: 'Bearer t0ken' }, 5000);
    expect(r).toEqual({ ok: true, rejected: 0, message: null });
    expect(rx.requests[0]).toMatchObject({ path: '/v1/logs', contentType: 'application/json' });
    expect(rx.requests[0]!.headers.authorization).toBe('Bearer t0ken');
    expect(rx.records).toHaveLength(1);
  });

  it('classifies answers: partial success, throttling with Retry-After, permanent errors, and no receiver', async () => {
    const body = encodeLogs([flow], { serviceVersion: '1', hostName: 'h' }, 0);
    rx.reply = { status: 200, body: JSON.stringify({ partialSuccess: { rejectedLogRecords: '1', errorMessage: 'too old' } }) };
    expect(await postLogs(rx.url, body, {}, 5000)).toEqual({ ok: true, rejected: 1, message: 'too old' });
    rx.reply = { status: 503, headers: { 'retry-after': '3' } };
    expect(await postLogs(rx.url, body, {}, 5000)).toMatchObject({ ok: false, retryable: true, retryAfterMs: 3000 });
    rx.reply = { status: 429 };
    expect(await postLogs(rx.url, body, {}, 5000)).toMatchObject({ ok: false, retryable: true, retryAfterMs: null });
    rx.reply = { status: 400, body: '{"message":"bad"}' };
    expect(await postLogs(rx.url, body, {}, 5000)).toMatchObject({ ok: false, retryable: false, message: 'OTLP receiver answered HTTP 400: {"message":"bad"}' });
    const url = rx.url;
    await rx.stop();
    // The pooled keep-alive connection may fail first ("other side closed"); then the port refuses.
    expect(await postLogs(url, body, {}, 5000)).toMatchObject({ ok: false, retryable: true, message: expect.stringMatching(/unreachable/) });
    expect(await postLogs(url, body, {}, 5000)).toMatchObject({ ok: false, retryable: true, message: expect.stringMatching(/unreachable: ECONNREFUSED/) });
  });
});
