import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import './setup';
import { setClient } from '../../renderer/src/api/current';
import { buildRuleInput, defaultScope, scopeOptions, type BlockScope } from '../../renderer/src/components/block/block-choices';
import { BlockDialog } from '../../renderer/src/components/block/BlockDialog';
import { ruleInputSchema } from '../../electron/shared/rule-input';
import { useEngineStore } from '../../renderer/src/store/engine';
import { useRulesStore } from '../../renderer/src/store/rules';
import { useUiStore, type BlockRequest } from '../../renderer/src/store/ui';
import { createFakeClient } from './fake-client';
import { firewall, rule, status } from './fixtures';

const fromFlow: BlockRequest = {
  appName: 'firefox',
  appPath: '/usr/lib/firefox/firefox',
  attributed: true,
  flow: { remote: '198.18.0.7', rport: 443, proto: 'tcp', host: 'tracker.example' },
};
const fromApp: BlockRequest = { ...fromFlow, flow: null };
const unattributed: BlockRequest = { appName: 'Unattributed (uid 1000)', appPath: null, attributed: false, flow: fromFlow.flow };

describe('block choices', () => {
  it('each scope produces the right rules.add input', () => {
    const expected: Record<BlockScope, object> = {
      'dest-app': { target: '198.18.0.7', appPath: '/usr/lib/firefox/firefox', port: null, proto: null, force: false },
      'dest-all': { target: '198.18.0.7', appPath: null, port: null, proto: null, force: false },
      port: { target: 'any', appPath: null, port: '443', proto: 'tcp', force: true },
      app: { target: 'any', appPath: '/usr/lib/firefox/firefox', port: null, proto: null, force: true },
    };
    for (const scope of Object.keys(expected) as BlockScope[]) {
      const input = buildRuleInput(fromFlow, scope, 'always');
      expect(input).toMatchObject({ ...expected[scope], action: 'block', forMs: null, untilRestart: false });
      // Every input the dialog builds passes the engine's own schema.
      expect(ruleInputSchema.safeParse(input).success).toBe(true);
    }
  });

  it('durations: always, 10 min, 1 h, until restart', () => {
    expect(buildRuleInput(fromFlow, 'dest-all', 'always')).toMatchObject({ forMs: null, untilRestart: false });
    expect(buildRuleInput(fromFlow, 'dest-all', '10m')).toMatchObject({ forMs: 600_000, untilRestart: false });
    expect(buildRuleInput(fromFlow, 'dest-all', '1h')).toMatchObject({ forMs: 3_600_000, untilRestart: false });
    expect(buildRuleInput(fromFlow, 'dest-all', 'restart')).toMatchObject({ forMs: null, untilRestart: true });
  });

  it('can match the hostname instead of the address', () => {
    expect(buildRuleInput(fromFlow, 'dest-all', 'always', 'host')).toMatchObject({ target: 'tracker.example' });
  });

  it('with appScope=false, "this app only" and "whole app" are disabled and say why', () => {
    const opts = scopeOptions(fromFlow, firewall({ appScope: false, appScopeNote: 'apps do not run in their own cgroup' }));
    const by = Object.fromEntries(opts.map((o) => [o.scope, o]));
    expect(by['dest-app']!.enabled).toBe(false);
    expect(by['dest-app']!.reason).toMatch(/per-app rules cannot be enforced/i);
    expect(by.app!.enabled).toBe(false);
    expect(by.app!.reason).toMatch(/block every app/i);
    expect(by['dest-all']!.enabled).toBe(true);
    expect(by.port!.enabled).toBe(true);
    expect(defaultScope(opts, true)).toBe('dest-all');
  });

  it('with appScope=true the narrowest scope is preselected', () => {
    const opts = scopeOptions(fromFlow, firewall({ appScope: true }));
    expect(opts.every((o) => o.enabled)).toBe(true);
    expect(defaultScope(opts, true)).toBe('dest-app');
    expect(defaultScope(scopeOptions(fromApp, firewall()), false)).toBe('app');
  });

  it('unattributed traffic cannot be scoped to an app', () => {
    const by = Object.fromEntries(scopeOptions(unattributed, firewall()).map((o) => [o.scope, o]));
    expect(by['dest-app']!.enabled).toBe(false);
    expect(by.app!.enabled).toBe(false);
    expect(by['dest-app']!.reason).toMatch(/no executable/i);
    expect(() => buildRuleInput(unattributed, 'app', 'always')).toThrow();
  });

  it('from an app row only the whole-app scope applies', () => {
    const by = Object.fromEntries(scopeOptions(fromApp, firewall()).map((o) => [o.scope, o]));
    expect(by['dest-all']!.enabled).toBe(false);
    expect(by.port!.enabled).toBe(false);
    expect(by.app!.enabled).toBe(true);
  });
});

describe('BlockDialog', () => {
  function setup(appScope: boolean, request: BlockRequest = fromFlow) {
    const client = createFakeClient({
      'rules.add': (input) => rule({ id: 42, target: input.target, appPath: input.appPath ?? null, createdAt: Date.now() }),
      'rules.remove': () => ({ removed: true }),
    });
    setClient(client);
    useEngineStore.setState({ status: status({ appScope, appScopeNote: appScope ? null : 'no per-app cgroups here' }) });
    const opener = document.createElement('button');
    opener.textContent = 'opener';
    document.body.appendChild(opener);
    opener.focus();
    render(<BlockDialog />);
    act(() => useUiStore.getState().openBlock(request));
    return { client, opener };
  }

  it('sends the chosen scope and duration to rules.add and reports it with one-click undo', async () => {
    const { client } = setup(true);
    const dialog = screen.getByRole('dialog', { name: 'Block destination' });
    fireEvent.click(within(dialog).getByLabelText(/198\.18\.0\.7, for all apps/));
    fireEvent.click(within(dialog).getByLabelText('1 hour'));
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'Block' }));
    });
    expect(client.calls).toEqual([
      { method: 'rules.add', input: expect.objectContaining({ target: '198.18.0.7', appPath: null, forMs: 3_600_000, untilRestart: false }) },
    ]);
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(useRulesStore.getState().rules.map((r) => r.id)).toEqual([42]);
    const notice = useUiStore.getState().notices.at(-1)!;
    expect(notice.text).toMatch(/Blocked 198\.18\.0\.7 for all apps/);
    await act(async () => notice.undo!());
    expect(client.calls.at(-1)).toEqual({ method: 'rules.remove', input: { id: 42 } });
  });

  it('with appScope=false the per-app choice is disabled and the dialog says the block applies to all apps', () => {
    setup(false);
    const dialog = screen.getByRole('dialog');
    expect(within(dialog).getByTestId('app-scope-note').textContent).toMatch(/applies to all apps/);
    expect((within(dialog).getByLabelText(/only for firefox/) as HTMLInputElement).disabled).toBe(true);
    expect((within(dialog).getByLabelText(/Everything firefox sends/) as HTMLInputElement).disabled).toBe(true);
    expect((within(dialog).getByLabelText(/for all apps/, { selector: 'input[value="dest-all"]' }) as HTMLInputElement).checked).toBe(true);
  });

  it('shows the engine error and stays open', async () => {
    const client = createFakeClient({
      'rules.add': () => {
        throw Object.assign(new Error('rules.add: target: refusing to block the loopback network'), { code: 'invalid' });
      },
    });
    setup(true);
    setClient(client);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Block' }));
    });
    expect(screen.getByRole('dialog')).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toMatch(/refusing to block/);
  });

  it('keeps focus inside (Tab wraps), closes on Esc and gives focus back', () => {
    const { opener } = setup(true);
    const dialog = screen.getByRole('dialog');
    expect(dialog.contains(document.activeElement)).toBe(true);
    const buttons = within(dialog).getAllByRole('button');
    const last = buttons[buttons.length - 1]!;
    last.focus();
    fireEvent.keyDown(last, { key: 'Tab' });
    expect(dialog.contains(document.activeElement)).toBe(true);
    expect(document.activeElement).not.toBe(last);
    const first = within(dialog).getByRole('button', { name: 'Close' });
    first.focus();
    fireEvent.keyDown(first, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(last);
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(opener);
  });
});
