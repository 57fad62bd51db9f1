import { useId } from 'react';

export function Switch({ checked, onChange, label, disabled, testId, hint }: { checked: boolean; onChange: (v: boolean) => void; label: string; disabled?: boolean; testId?: string; hint?: string }) {
  const id = useId();
  return (
    <label className={disabled ? 'switch disabled' : 'switch'} htmlFor={id}>
      <input id={id} type="checkbox" role="switch" checked={checked} disabled={disabled} onChange={(e) => onChange(e.target.checked)} data-testid={testId} aria-describedby={hint ? `${id}-hint` : undefined} />
      <span className="switch-track" aria-hidden="true">
        <span className="switch-thumb" />
      </span>
      <span className="switch-label">{label}</span>
      {hint ? (
        <span id={`${id}-hint`} className="sr-only">
          {hint}
        </span>
      ) : null}
    </label>
  );
}
