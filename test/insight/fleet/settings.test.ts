import { describe, expect, it } from 'vitest';
import { defaultFleetSettings, fleetSettingsSchema } from '../../../electron/shared/fleet-settings';

describe('fleet export settings', () => {
  it('is off by default with sane defaults', () => {
    expect(defaultFleetSettings).toMatchObject({
      enabled: false,
      otlp: { enabled: false, url: null, headers: {}, timeoutMs: 10_000 },
      syslog: { enabled: false, transport: 'tcp', host: null, port: 514, facility: 1, appName: 'outflow', sdId: 'outflow@32473' },
      flows: true,
      alerts: true,
      batchSize: 500,
      queueMaxRecords: 100_000,
    });
  });

  it('validates destinations and refuses what could inject into a request or a message', () => {
    const ok = (v: unknown) => fleetSettingsSchema.safeParse(v).success;
    expect(ok({ enabled: true, otlp: { enabled: true, url: 'https://otel.example:4318' } })).toBe(true);
    expect(ok({ enabled: true, otlp: { enabled: true } })).toBe(false);
    expect(ok({ otlp: { url: 'file:///etc/passwd' } })).toBe(false);
    expect(ok({ otlp: { url: 'http://c:4318/?x=1' } })).toBe(false);
    expect(ok({ otlp: { headers: { Authorization: 'Bearer x' } } })).toBe(true);
    expect(ok({ otlp: { headers: { 'X-A': 'a\r\nX-Injected: 1' } } })).toBe(false);
    expect(ok({ otlp: { headers: { 'Bad Name': 'x' } } })).toBe(false);
    expect(ok({ enabled: true, syslog: { enabled: true, host: '198.18.0.9', transport: 'udp', port: 5514 } })).toBe(true);
    expect(ok({ syslog: { host: 'logs.example.org' } })).toBe(true);
    expect(ok({ syslog: { host: 'logs.example.org; rm -rf /' } })).toBe(false);
    expect(ok({ syslog: { sdId: 'a b' } })).toBe(false);
    expect(ok({ syslog: { facility: 24 } })).toBe(false);
    expect(ok({ unknown: 1 })).toBe(false);
  });
});
