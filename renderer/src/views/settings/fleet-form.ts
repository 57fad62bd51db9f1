import type { FleetSettings } from '../../../../electron/shared/fleet-settings';

// The nested `fleet` setting as form strings; numbers and headers are turned back into values and
// the engine's schema decides what is valid (so its messages show next to the fields).

export interface FleetForm {
  enabled: boolean;
  flows: boolean;
  alerts: boolean;
  batchSize: string;
  flushIntervalMs: string;
  queueMaxRecords: string;
  retryBaseMs: string;
  retryMaxMs: string;
  otlp: { enabled: boolean; url: string; headers: string; timeoutMs: string };
  syslog: { enabled: boolean; transport: 'tcp' | 'udp'; host: string; port: string; facility: string; appName: string; sdId: string };
}

const num = (v: string): number => (v.trim() === '' ? Number.NaN : Number(v));

/** "Name: value" per line; a line without a colon becomes a header name the schema will refuse. */
export function parseHeaders(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const i = line.indexOf(':');
    if (i < 0) out[line.trim()] = '';
    else out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

export function formatHeaders(headers: Record<string, string>): string {
  return Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
}

export function toFleetForm(f: FleetSettings): FleetForm {
  return {
    enabled: f.enabled,
    flows: f.flows,
    alerts: f.alerts,
    batchSize: String(f.batchSize),
    flushIntervalMs: String(f.flushIntervalMs),
    queueMaxRecords: String(f.queueMaxRecords),
    retryBaseMs: String(f.retryBaseMs),
    retryMaxMs: String(f.retryMaxMs),
    otlp: { enabled: f.otlp.enabled, url: f.otlp.url ?? '', headers: formatHeaders(f.otlp.headers), timeoutMs: String(f.otlp.timeoutMs) },
    syslog: {
      enabled: f.syslog.enabled,
      transport: f.syslog.transport,
      host: f.syslog.host ?? '',
      port: String(f.syslog.port),
      facility: String(f.syslog.facility),
      appName: f.syslog.appName,
      sdId: f.syslog.sdId,
    },
  };
}

export function fromFleetForm(f: FleetForm): unknown {
  return {
    enabled: f.enabled,
    flows: f.flows,
    alerts: f.alerts,
    batchSize: num(f.batchSize),
    flushIntervalMs: num(f.flushIntervalMs),
    queueMaxRecords: num(f.queueMaxRecords),
    retryBaseMs: num(f.retryBaseMs),
    retryMaxMs: num(f.retryMaxMs),
    otlp: { enabled: f.otlp.enabled, url: f.otlp.url.trim() || null, headers: parseHeaders(f.otlp.headers), timeoutMs: num(f.otlp.timeoutMs) },
    syslog: {
      enabled: f.syslog.enabled,
      transport: f.syslog.transport,
      host: f.syslog.host.trim() || null,
      port: num(f.syslog.port),
      facility: num(f.syslog.facility),
      appName: f.syslog.appName,
      sdId: f.syslog.sdId,
    },
  };
}

export function isFleetForm(v: unknown): v is FleetForm {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'otlp' in v && 'syslog' in v;
}
