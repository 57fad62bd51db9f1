import { recordAttributes, recordEventName, recordSeverity, recordText, recordTime, type AttrValue, type FleetRecord, type Severity } from './records';

// OpenTelemetry logs over OTLP/HTTP with the JSON Protobuf encoding (OTLP specification, "JSON
// Protobuf Encoding"): an ExportLogsServiceRequest POSTed to <url>/v1/logs with
// Content-Type: application/json. Per the proto3 JSON mapping as OTLP uses it: lowerCamelCase keys,
// 64-bit integers (timestamps, intValue) as decimal strings, enums (severityNumber) as integers.
// Responses: 2xx is success (a partial_success is logged, never retried); 429, 502, 503 and 504 are
// retried after Retry-After or the exponential back-off; any other status is permanent for that batch.

export interface OtlpResource {
  serviceVersion: string;
  hostName: string;
}

type AnyValue = { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean };
interface KeyValue {
  key: string;
  value: AnyValue;
}

const SEVERITY: Record<Severity, { number: number; text: string }> = {
  info: { number: 9, text: 'INFO' },
  warn: { number: 13, text: 'WARN' },
  error: { number: 17, text: 'ERROR' },
};

export const SCOPE_NAME = 'outflow.fleet';
export const SCOPE_VERSION = '1';

function anyValue(v: AttrValue): AnyValue {
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isSafeInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  return { stringValue: v };
}

const kv = (key: string, v: AttrValue): KeyValue => ({ key, value: anyValue(v) });

/** Milliseconds → nanoseconds as the decimal string OTLP/JSON wants for fixed64. */
export function unixNano(ms: number): string {
  return (BigInt(Math.trunc(ms)) * 1_000_000n).toString();
}

export function encodeLogs(records: FleetRecord[], resource: OtlpResource, observedAt: number): string {
  const observed = unixNano(observedAt);
  const logRecords = records.map((r) => {
    const sev = SEVERITY[recordSeverity(r)];
    return {
      timeUnixNano: unixNano(recordTime(r)),
      observedTimeUnixNano: observed,
      severityNumber: sev.number,
      severityText: sev.text,
      eventName: recordEventName(r),
      body: { stringValue: recordText(r) },
      attributes: recordAttributes(r).map(([k, v]) => kv(k, v)),
    };
  });
  return JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes: [kv('service.name', 'outflow'), kv('service.version', resource.serviceVersion), kv('host.name', resource.hostName)] },
        scopeLogs: [{ scope: { name: SCOPE_NAME, version: SCOPE_VERSION }, logRecords }],
      },
    ],
  });
}

/** `http://collector:4318` or `…/` → `http://collector:4318/v1/logs`; a URL already ending in /v1/logs is kept. */
export function logsEndpoint(url: string): string {
  const u = new URL(url);
  const path = u.pathname.replace(/\/+$/, '');
  u.pathname = path.endsWith('/v1/logs') ? path : `${path}/v1/logs`;
  return u.toString();
}

export type SendResult =
  | { ok: true; rejected: number; message: string | null }
  | { ok: false; retryable: boolean; retryAfterMs: number | null; message: string };

const RETRYABLE = new Set([429, 502, 503, 504]);

export async function postLogs(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<SendResult> {
  let res: Response;
  try {
    res = await fetch(logsEndpoint(url), {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
  } catch (err) {
    // Refused, reset, DNS, timeout: the receiver may come back.
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { ok: false, retryable: true, retryAfterMs: null, message: `OTLP receiver unreachable: ${cause?.code ?? cause?.message ?? (err as Error).message}` };
  }
  const text = await res.text().catch(() => '');
  if (res.ok) {
    const partial = parsePartial(text);
    return { ok: true, rejected: partial.rejected, message: partial.message };
  }
  const retryable = RETRYABLE.has(res.status);
  return {
    ok: false,
    retryable,
    retryAfterMs: retryable ? retryAfter(res.headers.get('retry-after')) : null,
    message: `OTLP receiver answered HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
  };
}

function parsePartial(text: string): { rejected: number; message: string | null } {
  try {
    const p = (JSON.parse(text) as { partialSuccess?: { rejectedLogRecords?: string | number; errorMessage?: string } }).partialSuccess;
    if (!p) return { rejected: 0, message: null };
    const n = Number(p.rejectedLogRecords ?? 0);
    return { rejected: Number.isFinite(n) ? n : 0, message: p.errorMessage ?? null };
  } catch {
    return { rejected: 0, message: null };
  }
}

/** Retry-After as seconds or an HTTP date; capped at an hour. */
export function retryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const secs = /^\d{1,6}$/.test(value.trim()) ? Number(value.trim()) * 1000 : Date.parse(value) - now;
  return Number.isFinite(secs) && secs >= 0 ? Math.min(secs, 3_600_000) : null;
}
