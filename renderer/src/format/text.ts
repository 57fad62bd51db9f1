// Names come from the machine (process names, paths, reverse DNS) and may be hostile. React renders
// them as text; this also makes invisible characters visible so they cannot spoof the layout:
// newlines and other controls become Unicode control pictures, bidi overrides a visible marker.

const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
// C0 controls, DEL and C1 controls.
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/g;

function controlPicture(ch: string): string {
  const code = ch.charCodeAt(0);
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return '\uFFFD';
}

// Names repeat across rows and ticks; a small cache avoids re-running the regexes on each render.
const cache = new Map<string, string>();
const CACHE_MAX = 5000;

export function visibleText(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const out = clean(text);
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(text, out);
  return out;
}

function clean(text: string): string {
  return text
    .replace(BIDI, (ch) => `⟦U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}⟧`)
    .replace(CONTROL, controlPicture);
}

/** Last path component, for when a name is missing. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}
