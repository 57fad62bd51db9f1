import { formatBytes, formatRate } from '../format/bytes';
import { formatCost, formatPercent } from '../format/money';
import { useEngineStore } from '../store/engine';
import { Icon } from '../components/Icon';

/** Total egress now and today, honest coverage against the interface counters, cost. */
export function OverviewHeader() {
  const o = useEngineStore((s) => s.overview);
  const machine = o?.machine ?? null;
  return (
    <section className="overview" aria-label="Overview" data-testid="overview">
      <div className="stat">
        <span className="stat-label">Sending now</span>
        <span className="stat-value" data-testid="overview-rate-out">
          <Icon name="up" size={14} className="c-out" /> {o ? formatRate(o.rateOut) : '—'}
        </span>
        <span className="stat-sub">
          <Icon name="down" size={12} className="c-in" /> {o ? formatRate(o.rateIn) : '—'} receiving
        </span>
      </div>
      <div className="stat">
        <span className="stat-label">Sent today</span>
        <span className="stat-value" data-testid="overview-today-out">{o ? formatBytes(o.todayOut) : '—'}</span>
        <span className="stat-sub">{o ? `${formatBytes(o.todayIn)} received` : ''}</span>
      </div>
      <div className="stat">
        <span className="stat-label">Attributed to apps</span>
        <span className="stat-value" data-testid="overview-coverage">{o ? formatPercent(o.coverage) : '—'}</span>
        <span className="stat-sub" title={`Bytes Outflow could tie to an app, against what the network interfaces counted.${machine ? ` Machine now: ↑ ${formatRate(machine.txRate)} ↓ ${formatRate(machine.rxRate)}.` : ''}`}>
          {o
            ? o.machineTodayOut !== null
              ? `of ${formatBytes(o.machineTodayOut)} the machine sent`
              : 'machine total not available here'
            : ''}
        </span>
      </div>
      <div className="stat">
        <span className="stat-label">Egress cost</span>
        <span className="stat-value" data-testid="overview-cost-today">{o ? formatCost(o.costToday, o.currency) : '—'}</span>
        <span className="stat-sub">
          {o ? `${formatCost(o.costMonth, o.currency)} month · ${formatCost(o.costProjectedMonth, o.currency)} projected` : ''}
        </span>
      </div>
    </section>
  );
}
