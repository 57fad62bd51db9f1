import { useId } from 'react';
import type { Settings } from '../../../../electron/shared/settings';
import { Text } from '../../components/Text';
import type { FieldSpec, FormValue } from './fields';
import { FleetFields } from './FleetFields';
import { isFleetForm } from './fleet-form';

export function FieldControl({ name, spec, value, error, issues, appNames, onChange }: { name: keyof Settings; spec: FieldSpec; value: FormValue; error: string | null; issues: Readonly<Record<string, string>>; appNames: ReadonlyMap<number, string>; onChange: (v: FormValue) => void }) {
  if (spec.kind === 'fleet') return isFleetForm(value) ? <FleetFields value={value} onChange={onChange} issues={issues} /> : null;
  const id = useId();
  const helpId = `${id}-help`;
  const errId = `${id}-err`;
  const described = error ? `${helpId} ${errId}` : helpId;
  const common = { id, name, 'aria-describedby': described, 'aria-invalid': error ? true : undefined, 'data-testid': `setting-${name}` } as const;

  let control;
  switch (spec.kind) {
    case 'bool':
      control = (
        <span className="switch">
          <input {...common} type="checkbox" role="switch" checked={value === true} onChange={(e) => onChange(e.target.checked)} />
          <span className="switch-track" aria-hidden="true">
            <span className="switch-thumb" />
          </span>
        </span>
      );
      break;
    case 'number':
      control = (
        <span className="input-unit">
          <input {...common} type="number" inputMode="decimal" step={spec.step ?? 1} value={typeof value === 'string' ? value : ''} onChange={(e) => onChange(e.target.value)} />
          {spec.unit ? <span className="unit">{spec.unit}</span> : null}
        </span>
      );
      break;
    case 'currency':
      control = <input {...common} type="text" maxLength={3} className="short" autoComplete="off" spellCheck={false} value={typeof value === 'string' ? value : ''} onChange={(e) => onChange(e.target.value.toUpperCase())} />;
      break;
    case 'time':
      control = (
        <span className="input-unit">
          <input {...common} type="time" value={typeof value === 'string' ? value : ''} onChange={(e) => onChange(e.target.value)} />
          {value ? (
            <button type="button" className="btn btn-small" onClick={() => onChange('')}>
              Clear
            </button>
          ) : null}
        </span>
      );
      break;
    case 'apps': {
      const ids = Array.isArray(value) ? value : [];
      control =
        ids.length === 0 ? (
          <span className="muted" id={id}>
            None. Mute an app from the Alerts view.
          </span>
        ) : (
          <ul className="muted-apps" id={id} aria-describedby={described}>
            {ids.map((appId) => (
              <li key={appId}>
                <Text value={appNames.get(appId) ?? `App #${appId}`} />
                <button type="button" className="btn btn-small" onClick={() => onChange(ids.filter((x) => x !== appId))} aria-label={`Unmute ${appNames.get(appId) ?? `app ${appId}`}`}>
                  Unmute
                </button>
              </li>
            ))}
          </ul>
        );
      break;
    }
  }

  return (
    <div className={error ? 'field has-error' : 'field'}>
      <div className="field-text">
        <label htmlFor={id}>{spec.label}</label>
        <span className="field-help" id={helpId}>
          {spec.help}
        </span>
        {error ? (
          <span className="field-error" id={errId}>
            {error}
          </span>
        ) : null}
      </div>
      <div className="field-control">{control}</div>
    </div>
  );
}
