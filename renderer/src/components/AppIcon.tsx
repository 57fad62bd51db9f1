import { memo } from 'react';

// Apps have no icons from the engine; a coloured initial tile (stable per name) tells them apart.
const HUES = [210, 160, 30, 280, 340, 190, 100, 250, 10, 130];

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return Math.abs(h);
}

export const AppIcon = memo(function AppIcon({ name, attributed = true, size = 28 }: { name: string; attributed?: boolean; size?: number }) {
  const initial = attributed ? (Array.from(name.replace(/[^\p{L}\p{N}]/gu, ''))[0] ?? '?').toUpperCase() : '?';
  const hue = HUES[hash(name) % HUES.length];
  return (
    <span
      className={attributed ? 'app-icon' : 'app-icon app-icon-unknown'}
      style={attributed ? { ['--hue' as string]: String(hue), width: size, height: size } : { width: size, height: size }}
      aria-hidden="true"
    >
      {initial}
    </span>
  );
});
