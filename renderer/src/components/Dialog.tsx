import { useEffect, useId, useRef, type ReactNode } from 'react';
import { focusableIn, trapTab } from './focus';
import { Icon } from './Icon';

/**
 * Modal dialog: focus moves in on open (to [data-autofocus] or the first control), Tab stays inside,
 * Esc closes, and focus returns to what had it before.
 */
export function Dialog({ title, onClose, children, footer, testId, describedBy, wide }: { title: string; onClose: () => void; children: ReactNode; footer?: ReactNode; testId?: string; describedBy?: string; wide?: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const root = ref.current;
    if (root) {
      const auto = root.querySelector<HTMLElement>('[data-autofocus]:not([disabled])');
      (auto ?? focusableIn(root)[0] ?? root).focus();
    }
    return () => {
      if (previous && typeof previous.focus === 'function' && document.contains(previous)) previous.focus();
    };
  }, []);

  return (
    <div
      className="overlay"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onCloseRef.current();
      }}
    >
      <div
        ref={ref}
        className={wide ? 'dialog dialog-wide' : 'dialog'}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={describedBy}
        tabIndex={-1}
        data-testid={testId}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.stopPropagation();
            onCloseRef.current();
            return;
          }
          if (ref.current) trapTab(ref.current, e);
        }}
      >
        <header className="dialog-head">
          <h2 id={titleId}>{title}</h2>
          <button type="button" className="icon-btn" aria-label="Close" onClick={() => onCloseRef.current()}>
            <Icon name="close" />
          </button>
        </header>
        <div className="dialog-body">{children}</div>
        {footer ? <footer className="dialog-foot">{footer}</footer> : null}
      </div>
    </div>
  );
}
