import { useEffect, useSyncExternalStore } from 'react';
import { useUiStore } from '../store/ui';

const QUERY = '(prefers-color-scheme: dark)';

function subscribe(cb: () => void): () => void {
  if (typeof matchMedia !== 'function') return () => undefined;
  const mq = matchMedia(QUERY);
  mq.addEventListener('change', cb);
  return () => mq.removeEventListener('change', cb);
}

const systemDark = (): boolean => typeof matchMedia === 'function' && matchMedia(QUERY).matches;

/** The theme in effect: the manual choice, else the OS preference (followed live). */
export function useResolvedTheme(): 'light' | 'dark' {
  const choice = useUiStore((s) => s.theme);
  const dark = useSyncExternalStore(subscribe, systemDark, () => false);
  return choice === 'system' ? (dark ? 'dark' : 'light') : choice;
}

/** Puts the resolved theme on <html data-theme> where the stylesheet picks its palette. */
export function useApplyTheme(): void {
  const theme = useResolvedTheme();
  useEffect(() => {
    const root = document.documentElement;
    root.dataset.theme = theme;
    root.style.colorScheme = theme;
  }, [theme]);
}
