import type { ReactNode } from 'react';
import { Icon, type IconName } from './Icon';

export function EmptyState({ icon, title, children, testId }: { icon: IconName; title: string; children?: ReactNode; testId?: string }) {
  return (
    <div className="empty" role="status" data-testid={testId}>
      <div className="empty-icon">
        <Icon name={icon} size={28} />
      </div>
      <h3>{title}</h3>
      {children ? <div className="empty-body">{children}</div> : null}
    </div>
  );
}
