import { useEffect, useId, useState, type ReactNode } from 'react';
import type { FleetStatus } from '../../../../electron/shared/insight-types';
import { api } from '../../api/current';
import { formatTime } from '../../format/time';
import type { FleetForm } from './fleet-form';

type Issues = Readonly<Record<string, string>>;

function Row({ label, help, error, children, id }: { label: string; help?: string; error?: string | undefined; children: ReactNode; id: string }) {
  return (
    <div className={error ? 'field has-error' : 'field'}>
      <div className="field-text">
        <label htmlFor={id}>{label}</label>
        {help ? <span className="field-help">{help}</span> : null}
        {error ? (
          <span className="field-error" role="alert">
            {error}
          </span>
        ) : null}
      </div>
      <div className="field-control">{children}</div>
    </div>
  );
}

function Toggle({ id, checked, onChange, testId }: { id: string; checked: boolean; onChange: (v: boolean) => void; testId: string }) {
  return (
    <span className="switch">
      <input id={id} type="checkbox" role="switch" checked={checked} onChange={(e) => onChange(e.target.checked)} data-testid={testId} />
      <span className="switch-track" aria-hidden="true">
        <span className="switch-thumb" />
      </span>
    </span>
  );
}

function FleetStatusLine() {
  const [status, setStatus] = useState<FleetStatus | null>(null);
  useEffect(() => {
    let live = true;
    api()['fleet.status']({}).then(
      (s) => live && setStatus(s),
      () => undefined, // an engine without the exporter: nothing to show
    );
    return () => {
      live = false;
    };
  }, []);
  if (!status || !status.enabled) return null;
  return (
    <ul className="notes" data-testid="fleet-status">
      {status.sinks.map((s) => (
        <li key={s.sink}>
          {`${s.sink}: ${s.enabled ? 'on' : 'off'} · ${s.sent.toLocaleString()} sent · ${s.queued.toLocaleString()} queued`}
          {s.dropped ? ` · ${s.dropped.toLocaleString()} dropped` : ''}
          {s.lastSuccessAt ? ` · last success ${formatTime(s.lastSuccessAt)}` : ''}
          {s.lastError ? ` · last error: ${s.lastError}` : ''}
        </li>
      ))}
    </ul>
  );
}

/** The nested `fleet` setting: forwarding flow summaries and alerts to OTLP/HTTP and syslog. */
export function FleetFields({ value, onChange, issues }: { value: FleetForm; onChange: (v: FleetForm) => void; issues: Issues }) {
  const base = useId();
  const id = (k: string): string => `${base}-${k}`;
  const set = (patch: Partial<FleetForm>): void => onChange({ ...value, ...patch });
  const setOtlp = (patch: Partial<FleetForm['otlp']>): void => onChange({ ...value, otlp: { ...value.otlp, ...patch } });
  const setSyslog = (patch: Partial<FleetForm['syslog']>): void => onChange({ ...value, syslog: { ...value.syslog, ...patch } });
  const err = (path: string): string | undefined => issues[`fleet.${path}`];
  const numInput = (key: string, v: string, on: (s: string) => void, unit?: string) => (
    <span className="input-unit">
      <input id={id(key)} type="number" value={v} onChange={(e) => on(e.target.value)} aria-invalid={err(key) ? true : undefined} data-testid={`setting-fleet-${key}`} />
      {unit ? <span className="unit">{unit}</span> : null}
    </span>
  );

  return (
    <div className="fleet" data-testid="setting-fleet">
      <Row id={id('enabled')} label="Forward to a central collector" help="Send per-minute flow summaries and alerts to OTLP/HTTP or syslog. Off by default; nothing is queued while off." error={err('enabled')}>
        <Toggle id={id('enabled')} checked={value.enabled} onChange={(v) => set({ enabled: v })} testId="setting-fleet-enabled" />
      </Row>
      {value.enabled ? (
        <>
          <Row id={id('flows')} label="Flow summaries" help="App, destination and port, per minute." error={err('flows')}>
            <Toggle id={id('flows')} checked={value.flows} onChange={(v) => set({ flows: v })} testId="setting-fleet-flows" />
          </Row>
          <Row id={id('alerts')} label="Alerts" help="Each alert as it is raised." error={err('alerts')}>
            <Toggle id={id('alerts')} checked={value.alerts} onChange={(v) => set({ alerts: v })} testId="setting-fleet-alerts" />
          </Row>
          <Row id={id('otlp.enabled')} label="OTLP/HTTP" help="Logs are posted to <url>/v1/logs." error={err('otlp.enabled')}>
            <Toggle id={id('otlp.enabled')} checked={value.otlp.enabled} onChange={(v) => setOtlp({ enabled: v })} testId="setting-fleet-otlp-enabled" />
          </Row>
          {value.otlp.enabled ? (
            <>
              <Row id={id('otlp.url')} label="Collector URL" help="e.g. http://collector.internal:4318" error={err('otlp.url')}>
                <input id={id('otlp.url')} type="url" className="wide" value={value.otlp.url} spellCheck={false} onChange={(e) => setOtlp({ url: e.target.value })} aria-invalid={err('otlp.url') ? true : undefined} data-testid="setting-fleet-otlp-url" />
              </Row>
              <Row id={id('otlp.headers')} label="Request headers" help="One per line, Name: value (e.g. an Authorization token)." error={Object.entries(issues).find(([k]) => k.startsWith('fleet.otlp.headers'))?.[1]}>
                <textarea id={id('otlp.headers')} rows={2} className="wide mono" value={value.otlp.headers} spellCheck={false} onChange={(e) => setOtlp({ headers: e.target.value })} data-testid="setting-fleet-otlp-headers" />
              </Row>
              <Row id={id('otlp.timeoutMs')} label="Request timeout" error={err('otlp.timeoutMs')}>
                {numInput('otlp.timeoutMs', value.otlp.timeoutMs, (s) => setOtlp({ timeoutMs: s }), 'ms')}
              </Row>
            </>
          ) : null}
          <Row id={id('syslog.enabled')} label="Syslog (RFC 5424)" error={err('syslog.enabled')}>
            <Toggle id={id('syslog.enabled')} checked={value.syslog.enabled} onChange={(v) => setSyslog({ enabled: v })} testId="setting-fleet-syslog-enabled" />
          </Row>
          {value.syslog.enabled ? (
            <>
              <Row id={id('syslog.host')} label="Syslog server" help="Host name or address, and port." error={err('syslog.host') ?? err('syslog.port')}>
                <span className="input-unit">
                  <input id={id('syslog.host')} type="text" value={value.syslog.host} spellCheck={false} onChange={(e) => setSyslog({ host: e.target.value })} aria-invalid={err('syslog.host') ? true : undefined} data-testid="setting-fleet-syslog-host" />
                  <input type="number" aria-label="Syslog port" value={value.syslog.port} onChange={(e) => setSyslog({ port: e.target.value })} className="narrow" data-testid="setting-fleet-syslog-port" />
                  <select aria-label="Syslog transport" value={value.syslog.transport} onChange={(e) => setSyslog({ transport: e.target.value === 'udp' ? 'udp' : 'tcp' })}>
                    <option value="tcp">TCP</option>
                    <option value="udp">UDP</option>
                  </select>
                </span>
              </Row>
              <Row id={id('syslog.facility')} label="Facility" help="0–23 (1 = user, 16–23 = local0–local7)." error={err('syslog.facility')}>
                {numInput('syslog.facility', value.syslog.facility, (s) => setSyslog({ facility: s }))}
              </Row>
              <Row id={id('syslog.appName')} label="App name and SD-ID" error={err('syslog.appName') ?? err('syslog.sdId')}>
                <span className="input-unit">
                  <input id={id('syslog.appName')} type="text" value={value.syslog.appName} onChange={(e) => setSyslog({ appName: e.target.value })} />
                  <input type="text" aria-label="Structured-data ID" value={value.syslog.sdId} onChange={(e) => setSyslog({ sdId: e.target.value })} />
                </span>
              </Row>
            </>
          ) : null}
          <Row id={id('batchSize')} label="Batch size" help="Records per request or write." error={err('batchSize')}>
            {numInput('batchSize', value.batchSize, (s) => set({ batchSize: s }))}
          </Row>
          <Row id={id('flushIntervalMs')} label="Flush every" error={err('flushIntervalMs')}>
            {numInput('flushIntervalMs', value.flushIntervalMs, (s) => set({ flushIntervalMs: s }), 'ms')}
          </Row>
          <Row id={id('queueMaxRecords')} label="Queue while unreachable" help="Oldest records are dropped (and counted) beyond this." error={err('queueMaxRecords')}>
            {numInput('queueMaxRecords', value.queueMaxRecords, (s) => set({ queueMaxRecords: s }), 'records')}
          </Row>
          <Row id={id('retryBaseMs')} label="Retry back-off" help="First and longest wait between attempts." error={err('retryBaseMs') ?? err('retryMaxMs')}>
            <span className="input-unit">
              <input id={id('retryBaseMs')} type="number" value={value.retryBaseMs} onChange={(e) => set({ retryBaseMs: e.target.value })} />
              <span className="unit">to</span>
              <input type="number" aria-label="Longest retry wait" value={value.retryMaxMs} onChange={(e) => set({ retryMaxMs: e.target.value })} />
              <span className="unit">ms</span>
            </span>
          </Row>
          <FleetStatusLine />
        </>
      ) : null}
    </div>
  );
}
