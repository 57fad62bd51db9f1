import { Banner } from '../../components/Banner';
import { formatTime } from '../../format/time';
import { useEngineStore } from '../../store/engine';

/** Enforcing / degraded + reason / not enforcing: the truth about whether rules bite right now. */
export function EnforcementBanner() {
  const fw = useEngineStore((s) => s.status?.firewall ?? null);
  if (!fw) {
    return (
      <Banner kind="warn" title="Enforcement status unknown" testId="enforcement-banner">
        Waiting for the engine to report the firewall state.
      </Banner>
    );
  }
  const last = fw.lastReconcileAt ? ` Last checked ${formatTime(fw.lastReconcileAt)}.` : '';
  const scope = fw.appScope ? '' : ` Per-app rules apply to all apps here${fw.appScopeNote ? ` (${fw.appScopeNote})` : ''}.`;
  if (fw.state === 'enforcing') {
    return (
      <Banner kind="ok" title={`Enforcing · ${fw.backend}`} testId="enforcement-banner">
        {`${fw.ruleCount} ${fw.ruleCount === 1 ? 'rule is' : 'rules are'} active in the firewall.${last}${scope}`}
      </Banner>
    );
  }
  if (fw.state === 'degraded') {
    return (
      <Banner kind="warn" title={`Degraded · ${fw.backend}`} testId="enforcement-banner">
        {`${fw.reason ?? 'Some rules could not be applied.'}${last}${scope}`}
      </Banner>
    );
  }
  return (
    <Banner kind="error" title="Not enforcing" testId="enforcement-banner">
      {`${fw.reason ?? 'Rules are saved but the firewall does not apply them.'}${last}`}
    </Banner>
  );
}
