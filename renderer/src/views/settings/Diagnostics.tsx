import { useState } from 'react';
import type { DoctorCheck } from '../../../../electron/shared/types';
import { toApiError } from '../../api/client';
import { api } from '../../api/current';
import { Icon } from '../../components/Icon';
import { formatBytes } from '../../format/bytes';
import { formatDateTime, formatDay } from '../../format/time';
import { useEngineStore } from '../../store/engine';
import { ErrorNote } from '../../components/ErrorNote';

/** Engine facts and `doctor.run`: what works here, what does not and how to fix it. */
export function Diagnostics() {
  const status = useEngineStore((s) => s.status);
  const [checks, setChecks] = useState<DoctorCheck[] | null>(null);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const run = async (): Promise<void> => {
    setRunning(true);
    setError(null);
    try {
      setChecks(await api()['doctor.run']({}));
    } catch (err) {
      setError(toApiError(err).message);
    } finally {
      setRunning(false);
    }
  };

  return (
    <section className="card diagnostics" aria-label="Diagnostics">
      <div className="card-head">
        <h3>Diagnostics</h3>
        <button type="button" className="btn btn-small" onClick={() => void run()} disabled={running} data-testid="doctor-run">
          <Icon name="refresh" size={13} /> {running ? 'Checking…' : 'Run checks'}
        </button>
      </div>
      {status ? (
        <dl className="facts small">
          <div>
            <dt>Engine</dt>
            <dd title={formatDateTime(status.startedAt)}>{`v${status.version} · since ${formatDay(status.startedAt)}`}</dd>
          </div>
          <div>
            <dt>Collector</dt>
            <dd>{`${status.collector.mode} on ${status.collector.platform}${status.collector.lastTickMs !== null ? ` · tick ${status.collector.lastTickMs} ms` : ''}${status.collector.droppedSamples ? ` · ${status.collector.droppedSamples} samples dropped` : ''}`}</dd>
          </div>
          <div>
            <dt>Short-lived connections</dt>
            <dd>{status.collector.seesClosedSockets ? 'counted' : 'may be missed between polls'}</dd>
          </div>
          <div>
            <dt>UDP bytes</dt>
            <dd>{status.collector.udpBytes ? 'counted' : 'not available (shown as —)'}</dd>
          </div>
          <div>
            <dt>Database</dt>
            <dd className="ellipsis" title={status.store.path}>{`${formatBytes(status.store.sizeBytes)} · ${status.store.path}`}</dd>
          </div>
        </dl>
      ) : null}
      {status?.collector.lastError ? <p className="note note-error">{status.collector.lastError}</p> : null}
      {status?.store.recoveredFrom ? <p className="note note-warn">{`The database was damaged and was moved aside to ${status.store.recoveredFrom}; a new one was started.`}</p> : null}
      {status && status.collector.notes.length > 0 ? (
        <ul className="notes">
          {status.collector.notes.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      ) : null}
      <ErrorNote error={error} />
      {checks ? (
        <ul className="checks" data-testid="doctor-checks">
          {checks.map((c) => (
            <li key={c.name} className={c.ok ? 'ok' : 'bad'}>
              <Icon name={c.ok ? 'check' : 'warn'} size={14} />
              <span className="name-stack">
                <span className="strong">{c.name}</span>
                <span className="muted">{c.detail}</span>
                {c.fix ? <span className="fix">{`Fix: ${c.fix}`}</span> : null}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
