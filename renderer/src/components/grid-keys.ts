import type { KeyboardEvent } from 'react';

export interface GridKeyOptions {
  count: number;
  active: number;
  pageSize: number;
  setActive(index: number): void;
  onEnter?(index: number): void;
  onLeft?(index: number): void;
  onRight?(index: number): void;
  /** Extra single-key shortcuts (e.g. "b" to block); return true when handled. */
  onOther?(key: string, index: number): boolean;
}

/** Arrow keys, Home/End, PageUp/PageDown and Enter over a list of rows (used by every table). */
export function handleGridKey(e: KeyboardEvent<HTMLElement>, o: GridKeyOptions): void {
  if (e.target !== e.currentTarget) return; // keys typed into a control inside a row are the control's
  if (o.count === 0) return;
  const cur = Math.min(Math.max(o.active, 0), o.count - 1);
  let next: number | null = null;
  switch (e.key) {
    case 'ArrowDown':
      next = o.active < 0 ? 0 : Math.min(o.count - 1, cur + 1);
      break;
    case 'ArrowUp':
      next = Math.max(0, cur - 1);
      break;
    case 'Home':
      next = 0;
      break;
    case 'End':
      next = o.count - 1;
      break;
    case 'PageDown':
      next = Math.min(o.count - 1, cur + o.pageSize);
      break;
    case 'PageUp':
      next = Math.max(0, cur - o.pageSize);
      break;
    case 'Enter':
    case ' ':
      if (o.active >= 0 && o.onEnter) {
        e.preventDefault();
        o.onEnter(cur);
      }
      return;
    case 'ArrowLeft':
      if (o.active >= 0 && o.onLeft) {
        e.preventDefault();
        o.onLeft(cur);
      }
      return;
    case 'ArrowRight':
      if (o.active >= 0 && o.onRight) {
        e.preventDefault();
        o.onRight(cur);
      }
      return;
    default:
      if (!e.ctrlKey && !e.metaKey && !e.altKey && o.active >= 0 && o.onOther?.(e.key, cur)) e.preventDefault();
      return;
  }
  e.preventDefault();
  o.setActive(next);
}
