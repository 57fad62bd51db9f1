import type { ReactNode } from 'react';
import { Icon } from './Icon';

export function Banner({ kind, title, children, actions, testId }: { kind: 'error' | 'warn' | 'info' | 'ok'; title: string; children?: ReactNode; actions?: ReactNode; testId?: string }) {
  return (
    <div className={`banner banner-${kind}`} role={kind === 'error' ? 'alert' : 'status'} data-testid={testId}>
      <Icon name={kind === 'ok' ? 'check' : kind === 'info' ? 'bell' : 'warn'} size={18} />
      <div className="banner-text">
        <strong>{title}</strong>
        {children ? <span className="banner-detail">{children}</span> : null}
      </div>
      {actions ? <div className="banner-actions">{actions}</div> : null}
    </div>
  );
}
