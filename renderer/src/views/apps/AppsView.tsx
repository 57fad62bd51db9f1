import { useEffect, useMemo } from 'react';
import type { AppSummary } from '../../../../electron/shared/types';
import { AppIcon } from '../../components/AppIcon';
import { EmptyState } from '../../components/EmptyState';
import { SearchBox } from '../../components/SearchBox';
import { Text } from '../../components/Text';
import { VirtualTable, type Column } from '../../components/VirtualTable';
import { formatBytes } from '../../format/bytes';
import { formatCost } from '../../format/money';
import { formatAgo, formatDateTime } from '../../format/time';
import { useNow } from '../../app/use-now';
import { useAppsStore, visibleAppSummaries, type AppsSortKey } from '../../store/apps';
import { useSettingsStore } from '../../store/settings';
import { AppDetail } from './AppDetail';
import { summaryLabel } from './labels';
import { ErrorNote } from '../../components/ErrorNote';

export function AppsView() {
  const { apps, loading, loaded, error, filter, sort, selectedId } = useAppsStore();
  const load = useAppsStore((s) => s.load);
  const setFilter = useAppsStore((s) => s.setFilter);
  const setSort = useAppsStore((s) => s.setSort);
  const select = useAppsStore((s) => s.select);
  const currency = useSettingsStore((s) => s.settings?.currency ?? 'USD');
  const now = useNow(30_000);

  useEffect(() => {
    void load();
  }, [load]);

  const rows = useMemo(() => visibleAppSummaries(apps, filter, sort), [apps, filter, sort]);
  const columns = useMemo<Column<AppSummary>[]>(
    () => [
      {
        id: 'name',
        header: 'App',
        width: 'minmax(180px, 1fr)',
        sortKey: 'name',
        cell: (a) => (
          <span className="cell-app">
            <AppIcon name={a.name} attributed={a.attributed} size={24} />
            <span className="name-stack">
              <Text value={summaryLabel(a)} className="app-name" title={a.path} />
              <Text value={a.path} className="app-path" />
            </span>
          </span>
        ),
      },
      { id: 'sent', header: 'Sent', width: '76px', align: 'right', sortKey: 'bytesOut', cell: (a) => <span className="num">{formatBytes(a.bytesOut)}</span> },
      { id: 'cost', header: 'Cost', width: '64px', align: 'right', sortKey: 'cost', cell: (a) => <span className="num muted">{formatCost(a.cost, currency)}</span> },
      { id: 'last', header: 'Seen', width: '80px', align: 'right', sortKey: 'lastSeen', cell: (a) => <span className="muted num" title={formatDateTime(a.lastSeen)}>{formatAgo(a.lastSeen, now)}</span> },
    ],
    [currency, now],
  );

  return (
    <section className="panel split" aria-label="Apps">
      <div className="split-list">
        <div className="toolbar">
          <SearchBox value={filter} onChange={setFilter} label="Filter apps" placeholder="Filter apps by name or path…" testId="apps-filter" />
          <span className="muted small">{loaded ? `${rows.length} of ${apps.length}` : loading ? 'Loading…' : ''}</span>
        </div>
        <ErrorNote error={error} />
        <VirtualTable
          rows={rows}
          columns={columns}
          rowKey={(a) => String(a.id)}
          label="Apps seen on this computer"
          rowHeight={52}
          selectedKey={selectedId === null ? null : String(selectedId)}
          onActivate={(a) => void select(a.id)}
          sort={sort}
          onSort={(k) => setSort(k as AppsSortKey)}
          testId="apps-table"
          rowTestId="apps-row"
          empty={
            filter ? (
              <EmptyState icon="search" title={`No app matches “${filter}”`} />
            ) : (
              <EmptyState icon="apps" title={loaded ? 'No apps recorded yet' : 'Loading apps…'}>
                {loaded ? 'Every app that sends traffic is listed here with its history, from the moment Outflow first sees it.' : null}
              </EmptyState>
            )
          }
        />
      </div>
      <div className="split-detail">
        <AppDetail />
      </div>
    </section>
  );
}
