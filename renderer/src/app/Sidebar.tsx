import { Icon, type IconName } from '../components/Icon';
import { unseenCount, useAlertsStore } from '../store/alerts';
import { useEngineStore } from '../store/engine';
import { useRulesStore } from '../store/rules';
import { useUiStore, type ThemeChoice, type ViewName } from '../store/ui';

const NAV: readonly { view: ViewName; label: string; icon: IconName }[] = [
  { view: 'live', label: 'Live', icon: 'live' },
  { view: 'apps', label: 'Apps', icon: 'apps' },
  { view: 'history', label: 'History', icon: 'history' },
  { view: 'rules', label: 'Rules', icon: 'rules' },
  { view: 'alerts', label: 'Alerts', icon: 'alerts' },
  { view: 'settings', label: 'Settings', icon: 'settings' },
];

const THEMES: readonly { value: ThemeChoice; label: string; icon: IconName }[] = [
  { value: 'system', label: 'Follow system theme', icon: 'monitor' },
  { value: 'light', label: 'Light theme', icon: 'sun' },
  { value: 'dark', label: 'Dark theme', icon: 'moon' },
];

const MODE_TEXT = { precise: 'Precise (kernel)', polling: 'Polling', unsupported: 'Not supported' } as const;

function CollectorPill() {
  const collector = useEngineStore((s) => s.status?.collector ?? null);
  const firewall = useEngineStore((s) => s.status?.firewall ?? null);
  if (!collector) return null;
  const title = collector.notes.join('\n') || undefined;
  return (
    <div className="side-status">
      <div className={`pill pill-${collector.mode}`} title={title} data-testid="collector-mode">
        <span className="dot" aria-hidden="true" />
        {MODE_TEXT[collector.mode]}
        {collector.paused ? ' · paused' : ''}
      </div>
      {firewall ? (
        <div className={`pill pill-fw-${firewall.state}`} title={firewall.reason ?? undefined} data-testid="firewall-state">
          <span className="dot" aria-hidden="true" />
          {firewall.state === 'enforcing' ? 'Enforcing' : firewall.state === 'degraded' ? 'Degraded' : 'Not enforcing'}
          <span className="muted">{` · ${firewall.backend}`}</span>
        </div>
      ) : null}
    </div>
  );
}

export function Sidebar() {
  const view = useUiStore((s) => s.view);
  const setView = useUiStore((s) => s.setView);
  const theme = useUiStore((s) => s.theme);
  const setTheme = useUiStore((s) => s.setTheme);
  const unseen = useAlertsStore((s) => unseenCount(s.alerts));
  const ruleCount = useRulesStore((s) => s.rules.length);
  return (
    <nav className="sidebar" aria-label="Main">
      <div className="brand">
        <svg width="26" height="26" viewBox="0 0 32 32" aria-hidden="true">
          <rect width="32" height="32" rx="8" className="brand-bg" />
          <path d="M8 20c4 0 5-8 9-8h7M20 8l4 4-4 4" fill="none" stroke="#fff" strokeWidth="2.4" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
        <span>Outflow</span>
      </div>
      <ul className="nav">
        {NAV.map((n) => (
          <li key={n.view}>
            <button
              type="button"
              className={view === n.view ? 'nav-item active' : 'nav-item'}
              aria-current={view === n.view ? 'page' : undefined}
              onClick={() => setView(n.view)}
              data-testid={`nav-${n.view}`}
            >
              <Icon name={n.icon} size={18} />
              <span>{n.label}</span>
              {n.view === 'alerts' && unseen > 0 ? (
                <span className="badge" aria-label={`${unseen} unseen`}>
                  {unseen > 99 ? '99+' : unseen}
                </span>
              ) : null}
              {n.view === 'rules' && ruleCount > 0 ? <span className="count">{ruleCount}</span> : null}
            </button>
          </li>
        ))}
      </ul>
      <div className="side-foot">
        <CollectorPill />
        <div className="theme-switch" role="radiogroup" aria-label="Theme">
          {THEMES.map((t) => (
            <button key={t.value} type="button" role="radio" aria-checked={theme === t.value} aria-label={t.label} title={t.label} className={theme === t.value ? 'active' : ''} onClick={() => setTheme(t.value)} data-testid={`theme-${t.value}`}>
              <Icon name={t.icon} size={15} />
            </button>
          ))}
        </div>
      </div>
    </nav>
  );
}
