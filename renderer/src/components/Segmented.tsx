export interface SegmentOption<T extends string> {
  value: T;
  label: string;
}

/** A radio group styled as a segmented control; arrow keys move between options (native radios). */
export function Segmented<T extends string>({ options, value, onChange, label, testId }: { options: readonly SegmentOption<T>[]; value: T; onChange: (v: T) => void; label: string; testId?: string }) {
  return (
    <div className="segmented" role="radiogroup" aria-label={label} data-testid={testId}>
      {options.map((o) => (
        <label key={o.value} className={o.value === value ? 'seg active' : 'seg'}>
          <input type="radio" name={label} value={o.value} checked={o.value === value} onChange={() => onChange(o.value)} />
          <span>{o.label}</span>
        </label>
      ))}
    </div>
  );
}
