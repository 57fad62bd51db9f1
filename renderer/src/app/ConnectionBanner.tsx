import { Banner } from '../components/Banner';
import { getClient } from '../api/current';
import { useEngineStore } from '../store/engine';
import { useNow } from './use-now';

/** Says clearly when the engine cannot be reached, when it retries, and offers to retry now. */
function RetryCountdown({ retryAt }: { retryAt: number }) {
  const now = useNow(1000);
  return <>{`Retrying in ${Math.max(0, Math.ceil((retryAt - now) / 1000))} s.`}</>;
}

export function ConnectionBanner() {
  const connection = useEngineStore((s) => s.connection);
  if (connection.status === 'open') return null;
  if (connection.status === 'connecting' && connection.attempt === 0) return null;
  const retry = (
    <button type="button" className="btn btn-small" onClick={() => getClient()?.reconnectNow()} data-testid="reconnect-now">
      Retry now
    </button>
  );
  if (connection.status === 'unauthorized') {
    return (
      <Banner kind="error" title="Not authorised" testId="engine-banner" actions={retry}>
        {connection.reason}
      </Banner>
    );
  }
  if (connection.status === 'connecting') {
    return (
      <Banner kind="warn" title="Engine unreachable" testId="engine-banner">
        Reconnecting… (attempt {connection.attempt + 1}). The data shown may be out of date.
      </Banner>
    );
  }
  return (
    <Banner kind="error" title="Engine unreachable" testId="engine-banner" actions={retry}>
      {`${connection.reason} `}
      <RetryCountdown retryAt={connection.retryAt} />
      {' The data shown may be out of date; is the Outflow engine (`outflow serve`) still running?'}
    </Banner>
  );
}
