import { useEffect, useMemo, useRef, useState } from 'react';
import type { Rule } from '../../../../electron/shared/types';
import { toApiError } from '../../api/client';
import { useNow } from '../../app/use-now';
import { EmptyState } from '../../components/EmptyState';
import { Icon } from '../../components/Icon';
import { SearchBox } from '../../components/SearchBox';
import { Switch } from '../../components/Switch';
import { Text } from '../../components/Text';
import { VirtualTable, type Column } from '../../components/VirtualTable';
import { downloadText, timestampedName } from '../../format/download';
import { formatCountdown } from '../../format/duration';
import { formatDateTime } from '../../format/time';
import { parseRulesFile } from '../../store/rule-io';
import { useRulesStore } from '../../store/rules';
import { useUiStore } from '../../store/ui';
import { ruleHits, ruleScope, ruleTarget } from './describe';
import { EnforcementBanner } from './EnforcementBanner';
import { ErrorNote } from '../../components/ErrorNote';

function Expiry({ rule, now }: { rule: Rule; now: number }) {
  if (rule.untilRestart) return <span className="muted">until restart</span>;
  if (rule.expiresAt === null) return <span className="muted">no limit</span>;
  const text = formatCountdown(rule.expiresAt, now);
  return (
    <span className={text === 'expired' ? 'muted' : 'num countdown'} title={formatDateTime(rule.expiresAt)} data-testid="rule-countdown">
      {text}
    </span>
  );
}

function RuleActions({ rule }: { rule: Rule }) {
  const busy = useRulesStore((s) => s.busy.has(rule.id));
  const setEnabled = useRulesStore((s) => s.setEnabled);
  const remove = useRulesStore((s) => s.remove);
  const notify = useUiStore((s) => s.notify);
  const label = ruleTarget(rule);
  return (
    <span className="row-actions">
      <Switch checked={rule.enabled} disabled={busy} onChange={(v) => void setEnabled(rule.id, v)} label={rule.enabled ? 'On' : 'Off'} testId="rule-enabled" hint={`Enable rule ${label}`} />
      <button
        type="button"
        className="icon-btn danger"
        aria-label={`Delete rule ${label}`}
        title="Delete rule"
        disabled={busy}
        data-testid="rule-delete"
        onClick={() => remove(rule.id).catch((err: unknown) => notify({ kind: 'error', text: `Could not delete: ${toApiError(err).message}` }))}
      >
        <Icon name="trash" size={15} />
      </button>
    </span>
  );
}

export function RulesView() {
  const rules = useRulesStore((s) => s.rules);
  const loaded = useRulesStore((s) => s.loaded);
  const error = useRulesStore((s) => s.error);
  const load = useRulesStore((s) => s.load);
  const importRules = useRulesStore((s) => s.importRules);
  const exportRules = useRulesStore((s) => s.exportRules);
  const notify = useUiStore((s) => s.notify);
  const setView = useUiStore((s) => s.setView);
  const [filter, setFilter] = useState('');
  const [replace, setReplace] = useState(false);
  const fileRef = useRef<HTMLInputElement>(null);
  const now = useNow(1000);

  useEffect(() => {
    void load();
  }, [load]);

  const rows = useMemo(() => {
    const q = filter.trim().toLocaleLowerCase();
    const list = q ? rules.filter((r) => r.target.toLowerCase().includes(q) || (r.appPath ?? '').toLowerCase().includes(q) || r.note.toLowerCase().includes(q) || String(r.portLo ?? '') === q) : [...rules];
    return list.sort((a, b) => b.createdAt - a.createdAt);
  }, [rules, filter]);

  const columns = useMemo<Column<Rule>[]>(
    () => [
      {
        id: 'target',
        header: 'Target',
        width: 'minmax(200px, 1.6fr)',
        cell: (r) => (
          <span className="name-stack">
            <Text value={ruleTarget(r)} className={r.enabled ? 'strong' : 'strong muted'} />
            {r.kind === 'host' && r.resolved.length ? <span className="app-path mono">{r.resolved.slice(0, 3).join(', ') + (r.resolved.length > 3 ? '…' : '')}</span> : null}
            {r.note ? <Text value={r.note} className="app-path" /> : null}
          </span>
        ),
      },
      {
        id: 'scope',
        header: 'Applies to',
        width: 'minmax(140px, 1fr)',
        cell: (r) => {
          const s = ruleScope(r);
          return (
            <span className="name-stack">
              <Text value={s.text} title={r.appPath} />
              {s.warn ? <span className="tag tag-warn" title={s.warn}>all apps here</span> : null}
            </span>
          );
        },
      },
      { id: 'action', header: 'Action', width: '64px', cell: (r) => <span className={r.action === 'block' ? 'tag tag-blocked' : 'tag tag-allow'}>{r.action}</span> },
      { id: 'expires', header: 'Expires', width: '104px', align: 'right', cell: (r) => <Expiry rule={r} now={now} /> },
      { id: 'hits', header: 'Hits', width: '176px', align: 'right', cell: (r) => <span className="muted num" data-testid="rule-hits">{ruleHits(r)}</span> },
      { id: 'actions', header: 'Enabled', width: '130px', align: 'right', cell: (r) => <RuleActions rule={r} /> },
    ],
    [now],
  );

  const onImport = async (file: File): Promise<void> => {
    try {
      const parsed = parseRulesFile(await file.text(), Date.now());
      const result = await importRules(parsed.rules, replace);
      const extra = [parsed.skippedExpired ? `${parsed.skippedExpired} expired skipped` : '', parsed.disabled ? `${parsed.disabled} were disabled in the file and are imported enabled` : ''].filter(Boolean).join('; ');
      notify({ kind: 'info', text: `Imported ${result.added} ${result.added === 1 ? 'rule' : 'rules'}${result.removed ? `, removed ${result.removed}` : ''}${extra ? ` (${extra})` : ''}.` });
    } catch (err) {
      notify({ kind: 'error', text: `Import failed: ${err instanceof Error ? err.message : String(err)}` });
    }
  };

  const onExport = async (): Promise<void> => {
    try {
      const doc = await exportRules();
      downloadText(timestampedName('outflow-rules', 'json'), 'application/json', `${JSON.stringify(doc, null, 2)}\n`);
    } catch (err) {
      notify({ kind: 'error', text: `Export failed: ${toApiError(err).message}` });
    }
  };

  return (
    <section className="panel rules" aria-label="Rules">
      <EnforcementBanner />
      <div className="toolbar">
        <SearchBox value={filter} onChange={setFilter} label="Filter rules" placeholder="Filter by target, app or note…" testId="rules-filter" />
        <div className="spacer" />
        <Switch checked={replace} onChange={setReplace} label="Import replaces all" />
        <input
          ref={fileRef}
          type="file"
          accept="application/json,.json"
          className="sr-only"
          tabIndex={-1}
          aria-hidden="true"
          data-testid="rules-import-file"
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (f) void onImport(f);
          }}
        />
        <button type="button" className="btn" onClick={() => fileRef.current?.click()} data-testid="rules-import">
          <Icon name="upload" size={14} /> Import
        </button>
        <button type="button" className="btn" onClick={() => void onExport()} disabled={rules.length === 0} data-testid="rules-export">
          <Icon name="download" size={14} /> Export
        </button>
      </div>
      <ErrorNote error={error} />
      <VirtualTable
        rows={rows}
        columns={columns}
        rowKey={(r) => String(r.id)}
        label="Firewall rules"
        rowHeight={56}
        testId="rules-table"
        rowTestId="rule-row"
        rowClassName={(r) => (r.enabled ? undefined : 'dim')}
        empty={
          filter ? (
            <EmptyState icon="search" title={`No rule matches “${filter}”`} />
          ) : (
            <EmptyState icon="rules" title={loaded ? 'No rules yet' : 'Loading rules…'}>
              {loaded ? (
                <>
                  Block a destination or an app from the <button type="button" className="link" onClick={() => setView('live')}>Live view</button>, or import a rules file.
                </>
              ) : null}
            </EmptyState>
          )
        }
      />
    </section>
  );
}
