import { Icon } from './Icon';

export function SearchBox({ value, onChange, label, placeholder, testId, onEnter }: { value: string; onChange: (v: string) => void; label: string; placeholder: string; testId?: string; onEnter?: () => void }) {
  return (
    <div className="search">
      <Icon name="search" size={15} />
      <input
        type="search"
        aria-label={label}
        placeholder={placeholder}
        value={value}
        maxLength={300}
        spellCheck={false}
        autoComplete="off"
        data-testid={testId}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && onEnter) onEnter();
          if (e.key === 'Escape' && value) {
            e.stopPropagation();
            onChange('');
          }
        }}
      />
    </div>
  );
}
