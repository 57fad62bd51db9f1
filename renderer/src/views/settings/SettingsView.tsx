import { useEffect, useMemo, useRef, useState } from 'react';
import { settingsSchema, type Settings, type SettingsPatch } from '../../../../electron/shared/settings';
import { EmptyState } from '../../components/EmptyState';
import { Icon } from '../../components/Icon';
import { useAppsStore } from '../../store/apps';
import { useSettingsStore } from '../../store/settings';
import { Diagnostics } from './Diagnostics';
import { FIELDS, fromForm, GROUPS, sameValue, toForm, type FormState } from './fields';
import { FieldControl } from './FieldControl';

export function SettingsView() {
  const settings = useSettingsStore((s) => s.settings);
  const saving = useSettingsStore((s) => s.saving);
  const storeError = useSettingsStore((s) => s.error);
  const storeIssues = useSettingsStore((s) => s.issues);
  const savedAt = useSettingsStore((s) => s.savedAt);
  const load = useSettingsStore((s) => s.load);
  const save = useSettingsStore((s) => s.save);
  const apps = useAppsStore((s) => s.apps);
  const loadApps = useAppsStore((s) => s.load);
  const [form, setForm] = useState<FormState | null>(settings ? toForm(settings) : null);
  // Keyed by dotted path ("pollMs", "fleet.otlp.url").
  const [issues, setIssues] = useState<Record<string, string>>({});

  useEffect(() => {
    if (!settings) void load();
    if (apps.length === 0) void loadApps();
    // Load once on open; later changes arrive as 'settings' events.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // New settings from the engine (another window, alerts.mute) update the fields the user has not
  // touched; edits in progress are kept.
  const shown = useRef<Settings | null>(settings);
  useEffect(() => {
    if (!settings) return;
    const before = shown.current;
    shown.current = settings;
    setForm((cur) => {
      const next = toForm(settings);
      if (!cur || !before) return next;
      const old = toForm(before);
      for (const k of Object.keys(FIELDS) as (keyof Settings)[]) if (!sameValue(cur[k], old[k])) next[k] = cur[k];
      return next;
    });
  }, [settings]);

  const appNames = useMemo(() => new Map(apps.map((a) => [a.id, a.name])), [apps]);

  if (!settings || !form) {
    return (
      <section className="panel" aria-label="Settings">
        <EmptyState icon="settings" title="Loading settings…" />
      </section>
    );
  }

  const candidate = fromForm(form);
  const changed = (Object.keys(FIELDS) as (keyof Settings)[]).filter((k) => !sameValue(candidate[k], settings[k]));

  const onSave = async (): Promise<void> => {
    // The engine's schema, applied to the whole form: cross-field defaults and limits as the engine sees them.
    const parsed = settingsSchema.safeParse(candidate);
    if (!parsed.success) {
      const next: Record<string, string> = {};
      for (const i of parsed.error.issues) {
        const key = i.path.map(String).join('.');
        if (!next[key]) next[key] = i.message;
      }
      setIssues(next);
      return;
    }
    setIssues({});
    // The changed fields on top of the engine's latest values, as a complete document: the engine
    // parses settings.set with a partial schema that (zod 4) still applies defaults, so a diff alone
    // would reset every other setting. Sending all keys is correct with or without that behaviour.
    const latest = useSettingsStore.getState().settings ?? settings;
    const patch: SettingsPatch = { ...latest };
    for (const k of changed) (patch as Record<string, unknown>)[k] = parsed.data[k];
    await save(patch);
  };

  const allIssues = { ...storeIssues, ...issues };
  const issueCount = Object.keys(allIssues).length;

  return (
    <section className="panel settings" aria-label="Settings">
      <form
        className="settings-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void onSave();
        }}
      >
        {GROUPS.map((g) => (
          <fieldset key={g.id} className="card settings-group">
            <legend>{g.title}</legend>
            {g.fields.map((key) => (
              <FieldControl
                key={key}
                name={key}
                spec={FIELDS[key]}
                value={form[key]}
                error={allIssues[key] ?? null}
                issues={allIssues}
                appNames={appNames}
                onChange={(v) => setForm({ ...form, [key]: v })}
              />
            ))}
          </fieldset>
        ))}
        <div className="settings-bar">
          {issueCount > 0 ? (
            <span className="note-inline error" role="alert">{`${issueCount} ${issueCount === 1 ? 'value needs' : 'values need'} fixing; nothing was saved.`}</span>
          ) : storeError ? (
            <span className="note-inline error" role="alert">
              {storeError}
            </span>
          ) : changed.length > 0 ? (
            <span className="muted">{`${changed.length} unsaved ${changed.length === 1 ? 'change' : 'changes'}`}</span>
          ) : savedAt ? (
            <span className="muted">
              <Icon name="check" size={13} /> Saved
            </span>
          ) : (
            <span className="muted">Changes apply as soon as they are saved.</span>
          )}
          <div className="spacer" />
          <button type="button" className="btn" disabled={changed.length === 0 || saving} onClick={() => (setForm(toForm(settings)), setIssues({}))}>
            Revert
          </button>
          <button type="submit" className="btn btn-primary" disabled={changed.length === 0 || saving} data-testid="settings-save">
            {saving ? 'Saving…' : 'Save changes'}
          </button>
        </div>
      </form>
      <Diagnostics />
    </section>
  );
}
