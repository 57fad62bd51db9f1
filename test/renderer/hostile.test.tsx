// Names from the machine and the network are attacker-controlled: they must reach the DOM as text.
import { act, fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import './setup';
import { setClient } from '../../renderer/src/api/current';
import { App } from '../../renderer/src/app/App';
import { Text } from '../../renderer/src/components/Text';
import { useAlertsStore } from '../../renderer/src/store/alerts';
import { useEngineStore } from '../../renderer/src/store/engine';
import { useLiveStore } from '../../renderer/src/store/live';
import { useRulesStore } from '../../renderer/src/store/rules';
import { useUiStore } from '../../renderer/src/store/ui';
import { createFakeClient } from './fake-client';
import { app, flow, rule, snapshot, status } from './fixtures';

const XSS = '<img src=x onerror=alert(1)>';
const RTL = 'invoice\u202Efdp.exe';
const NEWLINE = 'line one\nline two';
const SCRIPT = '<script>window.__pwned = true</script>';

function assertInert(root: ParentNode): void {
  expect(root.querySelector('img, script, iframe, object, embed')).toBeNull();
  for (const el of Array.from(root.querySelectorAll('*'))) {
    for (const attr of Array.from(el.attributes)) expect(attr.name.startsWith('on')).toBe(false);
  }
  expect((window as { __pwned?: boolean }).__pwned).toBeUndefined();
}

describe('Text', () => {
  it('renders markup as literal text and makes invisible characters visible', () => {
    const { container } = render(
      <div>
        <Text value={XSS} />
        <Text value={RTL} title={RTL} />
        <Text value={NEWLINE} />
      </div>,
    );
    assertInert(container);
    expect(container.textContent).toContain(XSS);
    expect(container.textContent).not.toContain('\u202E');
    expect(container.textContent).toContain('⟦U+202E⟧');
    expect(container.textContent).not.toContain('\n');
    expect(container.querySelector('bdi[title]')!.getAttribute('title')).toBe('invoice⟦U+202E⟧fdp.exe');
  });
});

describe('hostile data in every view', () => {
  it('Live, Rules, Alerts and History show hostile names as text', async () => {
    const hostileApp = app({
      key: '7',
      name: XSS,
      path: `/tmp/${RTL}`,
      flows: [flow({ key: 'h1', host: NEWLINE, org: SCRIPT, remote: '198.18.0.9' })],
    });
    const u = app({ key: 'uid:1000', name: SCRIPT, attributed: false, path: null, flows: [flow({ key: 'u1' })] });
    const client = createFakeClient({
      'status.get': () => status(),
      'overview.get': () => ({ at: 0, rateOut: 0, rateIn: 0, todayOut: 0, todayIn: 0, machine: null, machineTodayOut: null, coverage: null, costToday: 0, costMonth: 0, costProjectedMonth: 0, currency: 'USD' }),
      'rules.list': () => [rule({ id: 1, target: 'x.example', kind: 'host', note: XSS, appPath: `/opt/${RTL}` })],
      'settings.get': () => {
        throw new Error('not needed');
      },
      'alerts.list': () => [{ id: 1, at: 0, kind: 'new-app', appId: 7, appName: XSS, title: `${XSS} connected`, detail: NEWLINE, count: 1, seen: false, notified: true }],
      'live.snapshot': () => snapshot([hostileApp, u]),
      'history.query': () => ({
        rows: [{ id: 1, appId: 7, appName: XSS, appPath: RTL, attributed: true, pid: 1, uid: 1, proto: 'tcp', family: 4, local: '192.168.1.5', lport: 1, remote: '198.18.0.9', rport: 443, openedAt: 0, closedAt: null, bytesOut: null, bytesIn: 5, host: SCRIPT, country: null, asn: null, org: NEWLINE, scope: 'internet' }],
        totals: { count: 1, bytesOut: 0, bytesIn: 5 },
      }),
    });
    setClient(client);
    useEngineStore.setState({ connection: { status: 'open' }, status: status() });
    const { container } = render(<App />);
    act(() => useLiveStore.getState().applySnapshot(snapshot([hostileApp, u])));
    act(() => useLiveStore.getState().setExpanded('7', true));
    expect(screen.getAllByText(XSS).length).toBeGreaterThan(0);
    expect(container.textContent).toContain('line one\u240Aline two');
    expect(container.textContent).toContain('Unattributed (uid 1000)');
    assertInert(container);

    for (const view of ['rules', 'alerts', 'history'] as const) {
      await act(async () => useUiStore.getState().setView(view));
      await act(async () => undefined);
      assertInert(container);
    }
    expect(useRulesStore.getState().rules).toHaveLength(1);
    expect(useAlertsStore.getState().alerts).toHaveLength(1);
    await act(async () => useUiStore.getState().setView('rules'));
    expect(container.textContent).toContain(XSS);
    expect(container.textContent).not.toContain('\u202E');
    await act(async () => useUiStore.getState().setView('history'));
    expect(container.textContent).toContain(SCRIPT);

    // The block dialog quotes the names too.
    await act(async () => useUiStore.getState().setView('live'));
    fireEvent.click(screen.getByRole('button', { name: `Block ${XSS}` }));
    assertInert(document.body);
    expect(screen.getByRole('dialog').textContent).toContain(XSS);
  });
});
