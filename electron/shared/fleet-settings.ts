import { z } from 'zod';
import { addressFamily } from '../net/scope';
import { normalizeHostname } from '../net/hostname';

// Fleet export settings (off by default). Meant to be one field of the app settings:
//   fleet: fleetSettingsSchema.prefault({}),
// in electron/shared/settings.ts. Pure zod (no Node APIs) so the renderer can import it too.

const httpUrl = z
  .string()
  .max(2048)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.hash === '' && u.search === '';
    } catch {
      return false;
    }
  }, 'expected an http:// or https:// URL without query or fragment');

// Header names are RFC 9110 tokens; values printable, so nothing can split the request.
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/, 'invalid HTTP header name');
const headerValue = z.string().max(4096).regex(/^[\t\x20-\x7e\x80-\xff]*$/, 'header values must be printable');

const syslogHost = z
  .string()
  .max(253)
  .refine((s) => addressFamily(s) !== null || normalizeHostname(s) !== null, 'expected an IP address or a hostname');

export const fleetSettingsSchema = z
  .object({
    /** Master switch; nothing is collected, queued or sent while false. */
    enabled: z.boolean().default(false),
    otlp: z
      .object({
        enabled: z.boolean().default(false),
        /** Base URL of an OTLP/HTTP receiver (e.g. http://collector:4318); logs go to <url>/v1/logs. */
        url: httpUrl.nullable().default(null),
        /** Extra request headers, e.g. an Authorization token for the collector. */
        headers: z.record(headerName, headerValue).default({}),
        timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
      })
      .strict()
      .prefault({}),
    syslog: z
      .object({
        enabled: z.boolean().default(false),
        transport: z.enum(['tcp', 'udp']).default('tcp'),
        host: syslogHost.nullable().default(null),
        port: z.number().int().min(1).max(65535).default(514),
        /** RFC 5424 facility 0-23 (1 = user-level, 16-23 = local0-local7). */
        facility: z.number().int().min(0).max(23).default(1),
        appName: z.string().regex(/^[\x21-\x7e]{1,48}$/).default('outflow'),
        /** Structured-data ID; 32473 is the documentation Private Enterprise Number (RFC 5612). */
        sdId: z.string().regex(/^[\x21-\x7e]{1,32}$/).refine((s) => !/[= \]"]/.test(s), 'invalid SD-ID').default('outflow@32473'),
      })
      .strict()
      .prefault({}),
    /** Export per-minute flow summaries (app + destination + port). */
    flows: z.boolean().default(true),
    /** Export alerts as they are raised. */
    alerts: z.boolean().default(true),
    /** Records per request (OTLP) or per write (syslog). */
    batchSize: z.number().int().min(1).max(5000).default(500),
    flushIntervalMs: z.number().int().min(100).max(600_000).default(10_000),
    /** Queued records kept per destination while it is unreachable; the oldest are dropped (and counted) beyond it. */
    queueMaxRecords: z.number().int().min(10).max(10_000_000).default(100_000),
    retryBaseMs: z.number().int().min(10).max(60_000).default(1000),
    retryMaxMs: z.number().int().min(100).max(3_600_000).default(300_000),
  })
  .strict()
  .refine((s) => !s.enabled || !s.otlp.enabled || s.otlp.url !== null, { message: 'otlp.url is required when OTLP export is on', path: ['otlp', 'url'] })
  .refine((s) => !s.enabled || !s.syslog.enabled || s.syslog.host !== null, { message: 'syslog.host is required when syslog export is on', path: ['syslog', 'host'] });

export type FleetSettings = z.infer<typeof fleetSettingsSchema>;
export type FleetSettingsInput = z.input<typeof fleetSettingsSchema>;
export const defaultFleetSettings: FleetSettings = fleetSettingsSchema.parse({});
