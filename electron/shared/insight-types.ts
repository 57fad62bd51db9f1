// Result types of the insight queries and the fleet exporter: plain JSON-safe data, no Node imports,
// so the API contract (and the renderer) can use them.
import type { AddressScope } from '../shared/types';

export type DestinationKind = 'domain' | 'asn' | 'network' | 'address';
export type FleetSinkName = 'otlp' | 'syslog';

export interface CostLine {
  bytes: number;
  cost: number;
}

export interface AppCost extends CostLine {
  appId: number;
  name: string;
  /** Null for traffic no process could be found for. */
  path: string | null;
  attributed: boolean;
}

export interface DestinationCost extends CostLine {
  /** Registrable domain, `AS<n>` or a /24 or /48 network (see engine/alerts/destination-key.ts). */
  destination: string;
  kind: DestinationKind;
  org: string | null;
  country: string | null;
  addresses: number;
}

export interface PeriodCost extends CostLine {
  /** `YYYY-MM-DD` or `YYYY-MM`, local time. */
  period: string;
  start: number;
}

export interface MonthProjection extends CostLine {
  start: number;
  end: number;
  /** Fraction of the month elapsed, 0..1. */
  elapsed: number;
  projectedBytes: number;
  projectedCost: number;
}

export interface CostSummary {
  currency: string;
  perGb: number;
  since: number;
  until: number;
  total: CostLine;
  zeroRatedBytes: number;
  byApp: AppCost[];
  byDestination: DestinationCost[];
  byDay: PeriodCost[];
  byMonth: PeriodCost[];
  month: MonthProjection;
}

export interface ComplianceRow {
  appId: number;
  app: string;
  /** Null for traffic no process could be found for. */
  path: string | null;
  country: string | null;
  asn: number | null;
  org: string | null;
  scope: AddressScope;
  addresses: number;
  /** Up to five known names of the addresses in this group. */
  hosts: string[];
  bytesOut: number;
  bytesIn: number;
  flows: number;
  firstSeen: number;
  lastSeen: number;
}

export interface ComplianceApp {
  appId: number;
  app: string;
  path: string | null;
  bytesOut: number;
  bytesIn: number;
  countries: string[];
  groups: number;
}

export interface ComplianceReport {
  generatedAt: number;
  since: number;
  until: number;
  outside: string[] | null;
  apps: ComplianceApp[];
  rows: ComplianceRow[];
  totals: { bytesOut: number; bytesIn: number };
}

export interface FleetSinkStatus {
  sink: FleetSinkName;
  enabled: boolean;
  queued: number;
  /** Records dropped from the full queue, since the queue was created. */
  dropped: number;
  /** Records an OTLP receiver refused for good (HTTP 4xx other than 429, or partial success). */
  rejected: number;
  sent: number;
  failures: number;
  lastError: string | null;
  lastSuccessAt: number | null;
  nextAttemptAt: number | null;
}

export interface FleetStatus {
  enabled: boolean;
  sinks: FleetSinkStatus[];
}

