import type { Db } from '../db';
import { durably } from '../db';
import { defaultSettings, settingsSchema, type Settings, type SettingsPatch } from '../../shared/settings';

const PREFIX = 'user.';

/** User settings as one JSON value per key; unknown or invalid stored keys fall back to defaults. */
export function loadSettings(db: Db, warn: (message: string) => void = () => {}): Settings {
  const rows = db.prepare('SELECT key, value FROM settings WHERE key LIKE ?').all(`${PREFIX}%`) as { key: string; value: string }[];
  const merged: Record<string, unknown> = { ...defaultSettings };
  for (const { key, value } of rows) {
    const name = key.slice(PREFIX.length);
    if (!(name in defaultSettings)) continue;
    try {
      merged[name] = JSON.parse(value);
    } catch {
      warn(`setting ${name}: stored value is not JSON; using the default`);
    }
  }
  const parsed = settingsSchema.safeParse(merged);
  if (parsed.success) return parsed.data;
  const bad = new Set(parsed.error.issues.map((i) => String(i.path[0])));
  for (const name of bad) {
    warn(`setting ${name}: stored value is invalid; using the default`);
    merged[name] = (defaultSettings as Record<string, unknown>)[name];
  }
  return settingsSchema.parse(merged);
}

export function saveSettings(db: Db, current: Settings, patch: SettingsPatch): Settings {
  const next = settingsSchema.parse({ ...current, ...patch });
  const put = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  durably(db, () => {
    for (const key of Object.keys(patch) as (keyof Settings)[]) put.run(PREFIX + key, JSON.stringify(next[key]));
  });
  return next;
}
