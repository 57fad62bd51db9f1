import { useEffect } from 'react';
import { useUiStore, type Notice } from '../store/ui';
import { Icon } from './Icon';

function NoticeItem({ notice }: { notice: Notice }) {
  const dismiss = useUiStore((s) => s.dismiss);
  useEffect(() => {
    const t = setTimeout(() => dismiss(notice.id), notice.kind === 'error' ? 12_000 : 8000);
    return () => clearTimeout(t);
  }, [notice.id, notice.kind, dismiss]);
  return (
    <div className={`notice notice-${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'}>
      <span className="notice-text">{notice.text}</span>
      {notice.undo ? (
        <button
          type="button"
          className="btn btn-small"
          onClick={() => {
            notice.undo?.();
            dismiss(notice.id);
          }}
        >
          <Icon name="undo" size={14} /> Undo
        </button>
      ) : null}
      <button type="button" className="icon-btn" aria-label="Dismiss" onClick={() => dismiss(notice.id)}>
        <Icon name="close" size={14} />
      </button>
    </div>
  );
}

export function Notices() {
  const notices = useUiStore((s) => s.notices);
  return (
    <div className="notices" aria-live="polite">
      {notices.map((n) => (
        <NoticeItem key={n.id} notice={n} />
      ))}
    </div>
  );
}
