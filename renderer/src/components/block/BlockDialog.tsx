import { useMemo, useState } from 'react';
import { toApiError } from '../../api/client';
import { useEngineStore } from '../../store/engine';
import { useRulesStore } from '../../store/rules';
import { useUiStore, type BlockRequest } from '../../store/ui';
import { Dialog } from '../Dialog';
import { Text } from '../Text';
import { appScopeReason, buildRuleInput, defaultScope, DURATIONS, scopeOptions, type BlockDuration, type BlockScope, type DestMatch } from './block-choices';
import { ErrorNote } from '../ErrorNote';

function BlockForm({ request, onClose }: { request: BlockRequest; onClose: () => void }) {
  const firewall = useEngineStore((s) => s.status?.firewall ?? null);
  const add = useRulesStore((s) => s.add);
  const remove = useRulesStore((s) => s.remove);
  const notify = useUiStore((s) => s.notify);
  const [match, setMatch] = useState<DestMatch>('address');
  const options = useMemo(() => scopeOptions(request, firewall, match), [request, firewall, match]);
  const [scope, setScope] = useState<BlockScope | null>(() => defaultScope(options, request.flow !== null));
  const [duration, setDuration] = useState<BlockDuration>('always');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const perAppNote = appScopeReason(firewall);
  const chosen = options.find((o) => o.scope === scope && o.enabled) ? scope : null;

  const submit = async (): Promise<void> => {
    if (!chosen) return;
    setBusy(true);
    setError(null);
    try {
      const rule = await add(buildRuleInput(request, chosen, duration, match));
      onClose();
      const where = rule.appPath ? request.appName : 'all apps';
      notify({
        kind: 'info',
        text: `Blocked ${rule.target === 'any' ? (rule.portLo !== null ? `port ${rule.portLo}` : 'all traffic') : rule.target} for ${where}.`,
        undo: () => {
          remove(rule.id).catch((err: unknown) => notify({ kind: 'error', text: `Could not undo: ${toApiError(err).message}` }));
        },
      });
    } catch (err) {
      setBusy(false);
      setError(toApiError(err).message);
    }
  };

  const stateNote =
    firewall && firewall.state !== 'enforcing'
      ? `The firewall is ${firewall.state === 'degraded' ? 'degraded' : 'not enforcing'}${firewall.reason ? `: ${firewall.reason}` : ''}. The rule is saved and applied once enforcement works.`
      : null;

  return (
    <Dialog
      title={request.flow ? 'Block destination' : 'Block app'}
      onClose={onClose}
      testId="block-dialog"
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn-danger" disabled={!chosen || busy} onClick={() => void submit()} data-testid="block-confirm">
            {busy ? 'Blocking…' : 'Block'}
          </button>
        </>
      }
    >
      <p className="dialog-lead">
        <Text value={request.appName} className="strong" title={request.appPath} />
        {request.flow ? (
          <>
            {' → '}
            <Text value={request.flow.host ?? request.flow.remote} className="mono" />
            <span className="muted">{request.flow.host ? ` (${request.flow.remote} port ${request.flow.rport}/${request.flow.proto})` : ` port ${request.flow.rport}/${request.flow.proto}`}</span>
          </>
        ) : null}
      </p>
      {perAppNote ? (
        <p className="note note-warn" data-testid="app-scope-note">
          {perAppNote}
        </p>
      ) : null}
      {stateNote ? <p className="note note-warn">{stateNote}</p> : null}
      {request.flow?.host ? (
        <fieldset className="field-group">
          <legend>Match</legend>
          <div className="choice-row">
            <label className="inline-choice">
              <input type="radio" name="match" checked={match === 'address'} onChange={() => setMatch('address')} /> Address {request.flow.remote}
            </label>
            <label className="inline-choice">
              <input type="radio" name="match" checked={match === 'host'} onChange={() => setMatch('host')} /> Hostname <Text value={request.flow.host} />
            </label>
          </div>
        </fieldset>
      ) : null}
      <fieldset className="field-group" data-testid="block-scope">
        <legend>What to block</legend>
        {options.map((o) => (
          <label key={o.scope} className={o.enabled ? 'choice' : 'choice disabled'} data-scope={o.scope}>
            <input type="radio" name="scope" value={o.scope} checked={chosen === o.scope} disabled={!o.enabled} onChange={() => setScope(o.scope)} data-autofocus={chosen === o.scope ? true : undefined} />
            <span className="choice-text">
              <Text value={o.label} className="choice-label" />
              {o.enabled ? <span className="choice-detail">{o.detail}</span> : <span className="choice-reason">{o.reason}</span>}
            </span>
          </label>
        ))}
      </fieldset>
      <fieldset className="field-group" data-testid="block-duration">
        <legend>For how long</legend>
        <div className="choice-row">
          {DURATIONS.map((d) => (
            <label key={d.id} className="inline-choice">
              <input type="radio" name="duration" value={d.id} checked={duration === d.id} onChange={() => setDuration(d.id)} /> {d.label}
            </label>
          ))}
        </div>
      </fieldset>
      <ErrorNote error={error} />
    </Dialog>
  );
}

/** Mounted once at the root; opened with useUiStore.openBlock from any row. */
export function BlockDialog() {
  const request = useUiStore((s) => s.block);
  const close = useUiStore((s) => s.closeBlock);
  if (!request) return null;
  return <BlockForm key={`${request.appPath}|${request.flow?.remote}|${request.flow?.rport}`} request={request} onClose={close} />;
}
