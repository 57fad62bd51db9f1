import type { DestinationSummary } from '../../../../electron/shared/types';
import { AppIcon } from '../../components/AppIcon';
import { BandwidthChart } from '../../components/BandwidthChart';
import { EmptyState } from '../../components/EmptyState';
import { Segmented } from '../../components/Segmented';
import { Text } from '../../components/Text';
import { formatBytes } from '../../format/bytes';
import { formatCost } from '../../format/money';
import { formatAgo, formatDateTime, formatDay } from '../../format/time';
import { useAppsStore } from '../../store/apps';
import { RANGE_PRESETS, type RangePreset } from '../../store/ranges';
import { useSettingsStore } from '../../store/settings';
import { summaryLabel } from './labels';
import { ErrorNote } from '../../components/ErrorNote';

const RANGE_OPTIONS = RANGE_PRESETS.map((p) => ({ value: p.id, label: p.id }));

function Destinations({ rows }: { rows: DestinationSummary[] }) {
  if (rows.length === 0) return <p className="muted">No destinations in this period.</p>;
  const max = Math.max(1, ...rows.map((d) => d.bytesOut));
  return (
    <table className="table" data-testid="app-destinations">
      <colgroup>
        <col />
        <col style={{ width: 66 }} />
        <col style={{ width: '22%' }} />
        <col style={{ width: 70 }} />
        <col style={{ width: 80 }} />
        <col style={{ width: 80 }} />
      </colgroup>
      <thead>
        <tr>
          <th scope="col">Destination</th>
          <th scope="col">Country</th>
          <th scope="col">Network</th>
          <th scope="col">Ports</th>
          <th scope="col" className="align-right">Sent</th>
          <th scope="col" className="align-right">Received</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((d) => (
          <tr key={d.remote} title={`${d.flows} connections · first ${formatDateTime(d.firstSeen)} · last ${formatAgo(d.lastSeen)}`}>
            <td>
              <span className="dest-cell">
                <Text value={d.host ?? d.remote} className="dest-host" title={d.remote} />
                {d.host ? <span className="dest-addr mono">{d.remote}</span> : null}
              </span>
              <span className="bar" aria-hidden="true">
                <span style={{ width: `${Math.max(2, (d.bytesOut / max) * 100)}%` }} />
              </span>
            </td>
            <td>{d.country ? <span className="cc">{d.country}</span> : <span className="muted">{d.scope === 'lan' ? 'LAN' : '—'}</span>}</td>
            <td className="ellipsis">{d.org ? <Text value={d.org} /> : <span className="muted">—</span>}</td>
            <td className="mono small">{d.ports.slice(0, 4).join(', ') + (d.ports.length > 4 ? '…' : '')}</td>
            <td className="align-right num">{formatBytes(d.bytesOut)}</td>
            <td className="align-right num">{formatBytes(d.bytesIn)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function AppDetail() {
  const apps = useAppsStore((s) => s.apps);
  const selectedId = useAppsStore((s) => s.selectedId);
  const series = useAppsStore((s) => s.series);
  const destinations = useAppsStore((s) => s.destinations);
  const detailLoading = useAppsStore((s) => s.detailLoading);
  const detailError = useAppsStore((s) => s.detailError);
  const chartRange = useAppsStore((s) => s.chartRange);
  const setChartRange = useAppsStore((s) => s.setChartRange);
  const currency = useSettingsStore((s) => s.settings?.currency ?? 'USD');
  const app = apps.find((a) => a.id === selectedId) ?? null;

  if (!app) {
    return (
      <EmptyState icon="apps" title="Select an app">
        Choose an app on the left to see its traffic over time, where it sends data and what that costs.
      </EmptyState>
    );
  }
  return (
    <article className="detail" aria-label={`Details for ${summaryLabel(app)}`} data-testid="app-detail">
      <header className="detail-head">
        <AppIcon name={app.name} attributed={app.attributed} size={44} />
        <div className="name-stack">
          <h2>
            <Text value={summaryLabel(app)} />
          </h2>
          <Text value={app.path} className="app-path mono" />
          {app.sha256 ? <span className="muted small mono" title={app.sha256}>{`sha256 ${app.sha256.slice(0, 16)}…`}</span> : null}
        </div>
      </header>
      <dl className="facts">
        <div>
          <dt>First seen</dt>
          <dd title={formatDateTime(app.firstSeen)}>{formatDay(app.firstSeen)}</dd>
        </div>
        <div>
          <dt>Last seen</dt>
          <dd title={formatDateTime(app.lastSeen)}>{formatDay(app.lastSeen)}</dd>
        </div>
        <div>
          <dt>Sent</dt>
          <dd className="c-out strong">{formatBytes(app.bytesOut)}</dd>
        </div>
        <div>
          <dt>Received</dt>
          <dd className="c-in">{formatBytes(app.bytesIn)}</dd>
        </div>
        <div>
          <dt>Connections</dt>
          <dd>{app.flows.toLocaleString()}</dd>
        </div>
        <div>
          <dt>Egress cost</dt>
          <dd data-testid="app-cost">{formatCost(app.cost, currency)}</dd>
        </div>
      </dl>
      <div className="card">
        <div className="card-head">
          <h3>Bandwidth</h3>
          <Segmented options={RANGE_OPTIONS} value={chartRange} onChange={(r) => void setChartRange(r as RangePreset)} label="Chart range" testId="chart-range" />
        </div>
        <ErrorNote error={detailError} />
        {series && series.points.length > 0 ? (
          <BandwidthChart series={series} label={`Bandwidth of ${app.name}`} />
        ) : (
          <p className="muted chart-empty">{detailLoading ? 'Loading…' : 'No traffic in this period.'}</p>
        )}
      </div>
      <div className="card">
        <div className="card-head">
          <h3>Top destinations</h3>
        </div>
        {detailLoading && destinations.length === 0 ? <p className="muted">Loading…</p> : <Destinations rows={destinations} />}
      </div>
    </article>
  );
}
