import { useEffect, useMemo } from 'react';
import type { FlowRecord } from '../../../../electron/shared/types';
import { EmptyState } from '../../components/EmptyState';
import { Icon } from '../../components/Icon';
import { SearchBox } from '../../components/SearchBox';
import { Segmented } from '../../components/Segmented';
import { Switch } from '../../components/Switch';
import { Text } from '../../components/Text';
import { VirtualTable, type Column } from '../../components/VirtualTable';
import { formatBytes } from '../../format/bytes';
import { downloadText, timestampedName } from '../../format/download';
import { formatDuration } from '../../format/duration';
import { formatDateTime, formatTime, fromLocalInputValue, toLocalInputValue } from '../../format/time';
import { useHistoryStore } from '../../store/history';
import { useSettingsStore } from '../../store/settings';
import { RANGE_PRESETS, type RangePreset } from '../../store/ranges';
import { detailNote } from './detail-note';
import { historyToCsv, historyToJson } from './export';
import { ErrorNote } from '../../components/ErrorNote';

const RANGE_OPTIONS: { value: RangePreset | 'custom'; label: string }[] = [...RANGE_PRESETS.map((p) => ({ value: p.id, label: p.label })), { value: 'custom', label: 'Custom' }];

const unknownCell = (v: number | null) => (v === null ? <span className="unknown" title="Unknown: the OS did not report bytes for this connection.">—</span> : <span className="num">{formatBytes(v)}</span>);

const COLUMNS: Column<FlowRecord>[] = [
  { id: 'opened', header: 'Opened', width: '118px', cell: (r) => <span className="num muted" title={formatDateTime(r.openedAt)}>{formatTime(r.openedAt)}</span> },
  {
    id: 'app',
    header: 'App',
    width: 'minmax(140px, 1.1fr)',
    cell: (r) => <Text value={r.attributed ? r.appName : `Unattributed (uid ${r.uid ?? '?'})`} className="strong" title={r.appPath} />,
  },
  {
    id: 'dest',
    header: 'Destination',
    width: 'minmax(180px, 1.6fr)',
    cell: (r) => (
      <span className="dest-cell">
        <Text value={r.host ?? r.remote} className="dest-host" title={`${r.remote}:${r.rport}`} />
        {r.host ? <span className="dest-addr mono">{r.remote}</span> : null}
      </span>
    ),
  },
  { id: 'cc', header: 'Country', width: '68px', cell: (r) => (r.country ? <span className="cc">{r.country}</span> : <span className="muted">{r.scope === 'lan' ? 'LAN' : '—'}</span>) },
  { id: 'org', header: 'Network', width: 'minmax(110px, 1fr)', cell: (r) => (r.org ? <Text value={r.org} className="ellipsis" /> : <span className="muted">—</span>) },
  { id: 'port', header: 'Port', width: '78px', cell: (r) => <span className="mono">{`${r.rport}/${r.proto}`}</span> },
  { id: 'dur', header: 'Duration', width: '92px', align: 'right', cell: (r) => <span className="muted num">{r.closedAt === null ? 'open' : formatDuration(r.closedAt - r.openedAt)}</span> },
  { id: 'out', header: 'Sent', width: '86px', align: 'right', cell: (r) => unknownCell(r.bytesOut) },
  { id: 'in', header: 'Received', width: '86px', align: 'right', cell: (r) => unknownCell(r.bytesIn) },
];

function CustomRange() {
  const since = useHistoryStore((s) => s.customSince);
  const until = useHistoryStore((s) => s.customUntil);
  const setCustom = useHistoryStore((s) => s.setCustom);
  return (
    <div className="range-inputs">
      <label>
        From
        <input type="datetime-local" value={since === null ? '' : toLocalInputValue(since)} onChange={(e) => setCustom(fromLocalInputValue(e.target.value), until)} data-testid="history-since" />
      </label>
      <label>
        To
        <input type="datetime-local" value={until === null ? '' : toLocalInputValue(until)} onChange={(e) => setCustom(since, fromLocalInputValue(e.target.value))} data-testid="history-until" />
      </label>
    </div>
  );
}

export function HistoryView() {
  const { preset, text, includeLoopback, rows, totals, detailFrom, loading, loaded, error, problems, lastQuery } = useHistoryStore();
  const keptDays = useSettingsStore((s) => s.settings?.retentionDays);
  const setPreset = useHistoryStore((s) => s.setPreset);
  const setCustom = useHistoryStore((s) => s.setCustom);
  const setText = useHistoryStore((s) => s.setText);
  const setIncludeLoopback = useHistoryStore((s) => s.setIncludeLoopback);
  const run = useHistoryStore((s) => s.run);
  const loadMore = useHistoryStore((s) => s.loadMore);

  useEffect(() => {
    void run();
    // Re-run when the range or loopback choice changes; text runs on Enter or the Search button.
  }, [preset, includeLoopback, run]);

  const shownOut = useMemo(() => rows.reduce((n, r) => n + (r.bytesOut ?? 0), 0), [rows]);
  const more = totals !== null && rows.length < totals.count;
  const detail = lastQuery ? detailNote(lastQuery.since, detailFrom, keptDays) : null;

  return (
    <section className="panel history" aria-label="History">
      <div className="toolbar wrap">
        <Segmented
          options={RANGE_OPTIONS}
          value={preset}
          onChange={(v) => (v === 'custom' ? setCustom(Date.now() - 24 * 3600_000, null) : setPreset(v))}
          label="Time range"
          testId="history-range"
        />
        {preset === 'custom' ? <CustomRange /> : null}
      </div>
      <div className="toolbar">
        <SearchBox
          value={text}
          onChange={setText}
          onEnter={() => void run()}
          label="Search history"
          placeholder="Search app, host, address, country, port (or app:firefox port:443)"
          testId="history-search"
        />
        <Switch checked={includeLoopback} onChange={setIncludeLoopback} label="Loopback" />
        <button type="button" className="btn btn-primary" onClick={() => void run()} disabled={loading} data-testid="history-run">
          <Icon name="search" size={14} /> Search
        </button>
      </div>
      {problems.length > 0 ? <p className="note note-warn">{`Not used: ${problems.join('; ')}.`}</p> : null}
      <ErrorNote error={error} />
      {detail ? (
        <p className="note" data-testid="history-detail-note">
          {detail}
        </p>
      ) : null}
      <div className="totals" data-testid="history-totals">
        {totals ? (
          <>
            <span>
              <strong>{totals.count.toLocaleString()}</strong> {totals.count === 1 ? 'connection' : 'connections'}
              {rows.length < totals.count ? <span className="muted">{` (showing ${rows.length.toLocaleString()})`}</span> : null}
            </span>
            <span>
              <Icon name="up" size={13} className="c-out" /> {formatBytes(totals.bytesOut)} sent
            </span>
            <span>
              <Icon name="down" size={13} className="c-in" /> {formatBytes(totals.bytesIn)} received
            </span>
            {rows.length < totals.count ? <span className="muted">{`${formatBytes(shownOut)} sent in the rows shown`}</span> : null}
          </>
        ) : (
          <span className="muted">{loading ? 'Searching…' : ''}</span>
        )}
        <div className="spacer" />
        <button type="button" className="btn btn-small" disabled={rows.length === 0} onClick={() => downloadText(timestampedName('outflow-history', 'csv'), 'text/csv', historyToCsv(rows))} data-testid="export-csv">
          <Icon name="download" size={13} /> CSV
        </button>
        <button type="button" className="btn btn-small" disabled={rows.length === 0} onClick={() => downloadText(timestampedName('outflow-history', 'json'), 'application/json', historyToJson(rows, lastQuery))} data-testid="export-json">
          <Icon name="download" size={13} /> JSON
        </button>
      </div>
      <VirtualTable
        rows={rows}
        columns={COLUMNS}
        rowKey={(r) => String(r.id)}
        label="Connection history"
        rowHeight={38}
        testId="history-table"
        rowTestId="history-row"
        footer={
          more ? (
            <button type="button" className="btn" onClick={() => void loadMore()} disabled={loading} data-testid="history-more">
              {loading ? 'Loading…' : `Load ${Math.min(1000, totals!.count - rows.length).toLocaleString()} more`}
            </button>
          ) : null
        }
        empty={
          <EmptyState icon="history" title={loaded ? 'No traffic matches' : 'Searching…'}>
            {loaded ? 'Widen the time range or change the search. Traffic is recorded while Outflow runs.' : null}
          </EmptyState>
        }
      />
    </section>
  );
}
