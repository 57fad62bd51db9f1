import { useEffect } from 'react';
import { BlockDialog } from '../components/block/BlockDialog';
import { Notices } from '../components/Notices';
import { useEngineStore } from '../store/engine';
import { useUiStore } from '../store/ui';
import { AlertsView } from '../views/alerts/AlertsView';
import { AppsView } from '../views/apps/AppsView';
import { HistoryView } from '../views/history/HistoryView';
import { LiveView } from '../views/live/LiveView';
import { RulesView } from '../views/rules/RulesView';
import { SettingsView } from '../views/settings/SettingsView';
import { ConnectionBanner } from './ConnectionBanner';
import { OverviewHeader } from './OverviewHeader';
import { Sidebar } from './Sidebar';
import { useApplyTheme } from './theme';

const OVERVIEW_EVERY_MS = 2000;

function useOverviewPolling(): void {
  const open = useEngineStore((s) => s.connection.status === 'open');
  useEffect(() => {
    if (!open) return undefined;
    // The overview has no push event; a light poll while visible keeps the header current.
    const t = setInterval(() => {
      if (typeof document === 'undefined' || document.visibilityState !== 'hidden') void useEngineStore.getState().refreshOverview();
    }, OVERVIEW_EVERY_MS);
    return () => clearInterval(t);
  }, [open]);
}

function CurrentView() {
  const view = useUiStore((s) => s.view);
  switch (view) {
    case 'live':
      return <LiveView />;
    case 'apps':
      return <AppsView />;
    case 'history':
      return <HistoryView />;
    case 'rules':
      return <RulesView />;
    case 'alerts':
      return <AlertsView />;
    case 'settings':
      return <SettingsView />;
  }
}

export function App() {
  useApplyTheme();
  useOverviewPolling();
  // Stale data stays visible (it is still useful) but is visibly muted while the engine is away.
  const stale = useEngineStore((s) => s.connection.status === 'down' || s.connection.status === 'unauthorized');
  return (
    <div className="shell">
      <Sidebar />
      <main className={stale ? 'main stale' : 'main'} id="main" aria-busy={stale || undefined}>
        <ConnectionBanner />
        <OverviewHeader />
        <div className="view">
          <CurrentView />
        </div>
      </main>
      <BlockDialog />
      <Notices />
    </div>
  );
}
