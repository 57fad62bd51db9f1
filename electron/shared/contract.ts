import { z } from 'zod';
import { settingsPatchSchema, type Settings } from './settings';
import { ruleInputSchema } from './rule-input';
import type { ComplianceReport, CostSummary, FleetStatus } from './insight-types';
import type {
  Alert,
  AppSummary,
  DestinationSummary,
  DoctorCheck,
  EngineStatus,
  HistoryPage,
  LiveSnapshot,
  Overview,
  Rule,
  Series,
} from './types';

// The single API contract. Every transport (Electron IPC, HTTP + WebSocket) and every client is
// derived from `methods` (input schemas, validated at the receiving side) and `MethodResults`.

const time = z.number().int().min(0).max(8_640_000_000_000_000);
const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const text = (max: number) => z.string().max(max);

export const historyQuerySchema = z
  .object({
    since: time.optional(),
    until: time.optional(),
    /** Matches app name or path (substring, case-insensitive). */
    app: text(4096).optional(),
    appId: id.optional(),
    /** Matches hostname or address (substring). */
    host: text(300).optional(),
    /** Free text over app, host, address, country, org, port. */
    q: text(300).optional(),
    proto: z.enum(['tcp', 'udp']).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    country: z.string().regex(/^[A-Za-z]{2}$/).optional(),
    includeLoopback: z.boolean().optional(),
    limit: z.number().int().min(1).max(100_000).default(1000),
    offset: z.number().int().min(0).max(10_000_000).default(0),
  })
  .strict();
export type HistoryQuery = z.input<typeof historyQuerySchema>;

const empty = z.object({}).strict();
const range = z.object({ since: time.optional(), until: time.optional() }).strict();

export const methods = {
  'status.get': empty,
  'live.snapshot': empty,
  'live.setPaused': z.object({ paused: z.boolean() }).strict(),
  'overview.get': empty,
  'apps.list': range.extend({ includeLoopback: z.boolean().optional() }).strict(),
  'apps.destinations': range.extend({ appId: id, limit: z.number().int().min(1).max(10_000).default(50) }).strict(),
  'apps.series': range.extend({ appId: id.optional(), bucket: z.enum(['minute', 'hour']).default('minute') }).strict(),
  'history.query': historyQuerySchema,
  'rules.list': empty,
  'rules.add': ruleInputSchema,
  'rules.remove': z.object({ id }).strict(),
  'rules.setEnabled': z.object({ id, enabled: z.boolean() }).strict(),
  'rules.import': z.object({ rules: z.array(ruleInputSchema).max(10_000), replace: z.boolean().default(false) }).strict(),
  'rules.export': empty,
  'alerts.list': range.extend({ limit: z.number().int().min(1).max(10_000).default(500), unseenOnly: z.boolean().optional() }).strict(),
  'alerts.markSeen': z.object({ ids: z.array(id).max(10_000).optional(), all: z.boolean().optional() }).strict(),
  'alerts.mute': z.object({ appId: id, muted: z.boolean() }).strict(),
  'settings.get': empty,
  'settings.set': settingsPatchSchema,
  'doctor.run': empty,
  'cost.summary': range.extend({ destinationLimit: z.number().int().min(1).max(10_000).default(100) }).strict(),
  'report.compliance': range
    .extend({
      /** ISO 3166-1 alpha-2 codes: only internet traffic to other (or unknown) countries. */
      outside: z.array(z.string().regex(/^[A-Za-z]{2}$/)).min(1).max(250).optional(),
      includeLan: z.boolean().optional(),
    })
    .strict(),
  'fleet.status': empty,
} as const;

export type Method = keyof typeof methods;
export type MethodInput<M extends Method> = z.input<(typeof methods)[M]>;
export type MethodParsed<M extends Method> = z.output<(typeof methods)[M]>;

export interface RulesImportResult {
  added: number;
  removed: number;
  rules: Rule[];
}

export interface MethodResults {
  'status.get': EngineStatus;
  'live.snapshot': LiveSnapshot;
  'live.setPaused': { paused: boolean };
  'overview.get': Overview;
  'apps.list': AppSummary[];
  'apps.destinations': DestinationSummary[];
  'apps.series': Series;
  'history.query': HistoryPage;
  'rules.list': Rule[];
  'rules.add': Rule;
  'rules.remove': { removed: boolean };
  'rules.setEnabled': Rule;
  'rules.import': RulesImportResult;
  'rules.export': { version: 1; rules: Rule[] };
  'alerts.list': Alert[];
  'alerts.markSeen': { updated: number };
  'alerts.mute': Settings;
  'settings.get': Settings;
  'settings.set': Settings;
  'doctor.run': DoctorCheck[];
  'cost.summary': CostSummary;
  'report.compliance': ComplianceReport;
  'fleet.status': FleetStatus;
}

/** What every client (IPC or WebSocket/HTTP) offers the renderer. */
export type OutflowApi = {
  [M in Method]: (input: MethodInput<M>) => Promise<MethodResults[M]>;
};

/** Events pushed from the engine to subscribers. */
export type EngineEvent =
  | { type: 'live'; data: LiveSnapshot }
  | { type: 'status'; data: EngineStatus }
  | { type: 'alert'; data: Alert }
  | { type: 'rules'; data: Rule[] }
  | { type: 'settings'; data: Settings };

export type ErrorCode = 'invalid' | 'not-found' | 'conflict' | 'unauthorized' | 'unavailable' | 'internal';

export interface ApiErrorBody {
  code: ErrorCode;
  message: string;
  /** Field-level messages for `invalid`. */
  issues?: { path: string; message: string }[];
}

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'ApiError';
  }
  toBody(): ApiErrorBody {
    return this.issues ? { code: this.code, message: this.message, issues: this.issues } : { code: this.code, message: this.message };
  }
}

export const methodNames = Object.keys(methods) as Method[];

export function isMethod(name: unknown): name is Method {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(methods, name);
}

/** Validate a payload for `method`; throws ApiError('invalid') with one clear message per problem. */
export function parseInput<M extends Method>(method: M, payload: unknown): MethodParsed<M> {
  const result = methods[method].safeParse(payload ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    const first = issues[0];
    throw new ApiError('invalid', `${method}: ${first ? (first.path ? `${first.path}: ` : '') + first.message : 'invalid input'}`, issues);
  }
  return result.data as MethodParsed<M>;
}

/** The server's handler side: one function per method, receiving already-validated input. */
export type ApiHandlers = {
  [M in Method]: (input: MethodParsed<M>) => Promise<MethodResults[M]> | MethodResults[M];
};

/** Channel names for IPC, one per method, plus the event channel. */
export const ipcChannel = (m: Method): string => `outflow:${m}`;
export const IPC_EVENT_CHANNEL = 'outflow:event';
