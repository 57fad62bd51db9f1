import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import './setup';
import { defaultSettings, settingsSchema } from '../../electron/shared/settings';
import type { FlowRecord } from '../../electron/shared/types';
import { setClient } from '../../renderer/src/api/current';
import { ConnectionBanner } from '../../renderer/src/app/ConnectionBanner';
import { OverviewHeader } from '../../renderer/src/app/OverviewHeader';
import { useEngineStore } from '../../renderer/src/store/engine';
import { useHistoryStore } from '../../renderer/src/store/history';
import { useLiveStore } from '../../renderer/src/store/live';
import { useRulesStore } from '../../renderer/src/store/rules';
import { useSettingsStore } from '../../renderer/src/store/settings';
import { useUiStore } from '../../renderer/src/store/ui';
import { detailNote } from '../../renderer/src/views/history/detail-note';
import { historyToCsv } from '../../renderer/src/views/history/export';
import { HistoryView } from '../../renderer/src/views/history/HistoryView';
import { LiveView } from '../../renderer/src/views/live/LiveView';
import { RulesView } from '../../renderer/src/views/rules/RulesView';
import { SettingsView } from '../../renderer/src/views/settings/SettingsView';
import { createFakeClient } from './fake-client';
import { app, flow, rule, snapshot, status } from './fixtures';

afterEach(() => {
  vi.useRealTimers();
});

function liveSetup(extra: Parameters<typeof createFakeClient>[0] = {}) {
  const client = createFakeClient({ 'live.setPaused': (i) => ({ paused: i.paused }), 'rules.remove': () => ({ removed: true }), ...extra });
  setClient(client);
  useEngineStore.setState({ connection: { status: 'open' }, status: status() });
  return client;
}

describe('Live view', () => {
  const snap = () =>
    snapshot([
      app({
        key: '1',
        name: 'firefox',
        flows: [
          flow({ key: 'a', host: 'example.org', remote: '198.18.0.1', bytesOut: 1500, rateOut: 2000 }),
          flow({ key: 'b', proto: 'udp', remote: '198.18.0.2', bytesOut: null, bytesIn: null, rateOut: null, rateIn: null, state: 'UNCONN', blockedBy: 5 }),
        ],
      }),
      app({ key: 'uid:1000', name: 'x', attributed: false, path: null, pids: [], flows: [flow({ key: 'c', pid: null })] }),
    ]);

  it('groups by app, labels unattributed traffic and shows unknown bytes as a dash, never 0', () => {
    liveSetup();
    render(<LiveView />);
    act(() => useLiveStore.getState().applySnapshot(snap()));
    const rows = screen.getAllByTestId('live-app-row');
    expect(rows.map((r) => r.getAttribute('data-app-key'))).toEqual(['1', 'uid:1000']);
    expect(within(rows[1]!).getByText('Unattributed (uid 1000)')).toBeTruthy();
    act(() => useLiveStore.getState().setExpanded('1', true));
    const udp = screen.getAllByTestId('live-flow-row').find((r) => r.getAttribute('data-remote') === '198.18.0.2')!;
    const cells = within(udp).getAllByRole('gridcell');
    const unknown = within(udp).getAllByLabelText('unknown');
    expect(unknown).toHaveLength(4); // up, down, sent, received
    expect(cells.some((c) => c.textContent === '0 B')).toBe(false);
    // Partial totals are flagged on the group row.
    expect(rows[0]!.textContent).toContain('≥');
    expect(screen.getByTestId('live-mode').textContent).toMatch(/Polling mode/);
  });

  it('shows a blocked destination with one-click undo (rules.remove)', async () => {
    const client = liveSetup();
    useRulesStore.setState({ rules: [rule({ id: 5, target: '198.18.0.2' })] });
    render(<LiveView />);
    act(() => {
      useLiveStore.getState().applySnapshot(snap());
      useLiveStore.getState().setExpanded('1', true);
    });
    expect(screen.getByTestId('blocked-badge').textContent).toMatch(/Blocked/);
    await act(async () => {
      fireEvent.click(screen.getByTestId('undo-block'));
    });
    expect(client.calls).toContainEqual({ method: 'rules.remove', input: { id: 5 } });
  });

  it('a rule made after the snapshot marks matching rows blocked at once', () => {
    liveSetup();
    render(<LiveView />);
    act(() => {
      useLiveStore.getState().applySnapshot(snap());
      useLiveStore.getState().setExpanded('1', true);
      useRulesStore.setState({ rules: [rule({ id: 9, target: 'example.org', kind: 'host', createdAt: 3_000_000 })] });
    });
    const row = screen.getAllByTestId('live-flow-row').find((r) => r.getAttribute('data-remote') === '198.18.0.1')!;
    expect(within(row).getByTestId('blocked-badge')).toBeTruthy();
  });

  it('pause calls live.setPaused', async () => {
    const client = liveSetup();
    render(<LiveView />);
    act(() => useLiveStore.getState().applySnapshot(snap()));
    await act(async () => {
      fireEvent.click(screen.getByTestId('live-pause'));
    });
    expect(client.calls).toContainEqual({ method: 'live.setPaused', input: { paused: true } });
    expect(screen.getByTestId('live-pause').textContent).toMatch(/Resume/);
  });

  it('keyboard: arrows move, Enter and → expand, ← collapses, B opens the block dialog', () => {
    liveSetup();
    render(<LiveView />);
    act(() => useLiveStore.getState().applySnapshot(snap()));
    const grid = screen.getByRole('treegrid');
    grid.focus();
    fireEvent.keyDown(grid, { key: 'ArrowDown' });
    const active = () => document.getElementById(grid.getAttribute('aria-activedescendant')!)!;
    expect(active().getAttribute('data-app-key')).toBe('1');
    fireEvent.keyDown(grid, { key: 'Enter' });
    expect(active().getAttribute('aria-expanded')).toBe('true');
    fireEvent.keyDown(grid, { key: 'ArrowRight' });
    expect(active().getAttribute('aria-level')).toBe('2');
    fireEvent.keyDown(grid, { key: 'ArrowLeft' });
    expect(active().getAttribute('data-app-key')).toBe('1');
    fireEvent.keyDown(grid, { key: 'ArrowLeft' });
    expect(active().getAttribute('aria-expanded')).toBe('false');
    fireEvent.keyDown(grid, { key: 'End' });
    expect(active().getAttribute('data-app-key')).toBe('uid:1000');
    fireEvent.keyDown(grid, { key: 'b' });
    expect(useUiStore.getState().block).toMatchObject({ appName: 'Unattributed (uid 1000)', appPath: null, flow: null });
  });

  it('loopback is hidden by default and can be shown', () => {
    liveSetup();
    render(<LiveView />);
    act(() => useLiveStore.getState().applySnapshot(snapshot([app({ key: '1', name: 'dev-server', flows: [flow({ scope: 'loopback', remote: '127.0.0.1' })] })])));
    expect(screen.getByTestId('live-empty').textContent).toMatch(/Only loopback/);
    fireEvent.click(screen.getByTestId('live-loopback'));
    expect(screen.getAllByTestId('live-app-row')).toHaveLength(1);
  });

  it('empty states tell the user what to do', () => {
    liveSetup();
    render(<LiveView />);
    expect(screen.getByTestId('live-empty').textContent).toMatch(/Waiting for the first snapshot/);
    act(() => useLiveStore.getState().applySnapshot(snapshot([])));
    expect(screen.getByTestId('live-empty').textContent).toMatch(/No outbound connections right now/);
    act(() => useLiveStore.getState().applySnapshot(snap()));
    fireEvent.change(screen.getByTestId('live-filter'), { target: { value: 'zzz' } });
    expect(screen.getByTestId('live-empty').textContent).toMatch(/Nothing matches/);
  });

  it('renders only the visible rows of a 2 000-flow snapshot', () => {
    liveSetup();
    render(<LiveView />);
    const flows = Array.from({ length: 2000 }, (_, i) => flow({ key: `k${i}`, remote: `198.18.${i >> 8}.${i & 255}` }));
    act(() => {
      useLiveStore.getState().applySnapshot(snapshot([app({ key: '1', name: 'big', flows })]));
      useLiveStore.getState().setExpanded('1', true);
    });
    const rendered = screen.getAllByTestId('live-flow-row').length;
    expect(rendered).toBeGreaterThan(10);
    expect(rendered).toBeLessThan(100);
  });
});

describe('Overview and connection banner', () => {
  it('is honest about coverage and cost', () => {
    useEngineStore.setState({
      overview: { at: 0, rateOut: 2_000_000, rateIn: 5, todayOut: 3_870_000_000, todayIn: 1, machine: null, machineTodayOut: null, coverage: null, costToday: 0.35, costMonth: 7.92, costProjectedMonth: 9.81, currency: 'USD' },
    });
    render(<OverviewHeader />);
    expect(screen.getByTestId('overview-rate-out').textContent).toContain('2.00 MB/s');
    expect(screen.getByTestId('overview-today-out').textContent).toBe('3.87 GB');
    expect(screen.getByTestId('overview-coverage').textContent).toBe('unknown');
    expect(screen.getByText('machine total not available here')).toBeTruthy();
    expect(screen.getByTestId('overview-cost-today').textContent).toMatch(/0\.35/);
  });

  it('says clearly when the engine is unreachable and offers a retry', () => {
    useEngineStore.setState({ connection: { status: 'down', attempt: 2, retryAt: Date.now() + 4000, reason: 'The connection to the engine was lost.' } });
    render(<ConnectionBanner />);
    const banner = screen.getByTestId('engine-banner');
    expect(banner.getAttribute('role')).toBe('alert');
    expect(banner.textContent).toMatch(/Engine unreachable/);
    expect(banner.textContent).toMatch(/Retrying in [45] s/);
    expect(screen.getByTestId('reconnect-now')).toBeTruthy();
  });
});

describe('Rules view', () => {
  it('lists scope, target, countdown and hits; toggles and deletes', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
    vi.setSystemTime(1_000_000);
    const rules = [
      rule({ id: 1, target: '198.18.0.1', hits: 3, expiresAt: 1_000_000 + 9 * 60_000 + 59_000 }),
      rule({ id: 2, target: 'any', kind: 'any', portLo: 25, portHi: 25, proto: 'tcp', hits: null, appPath: '/usr/bin/slack', appScopeEnforced: false, createdAt: 5 }),
    ];
    const client = createFakeClient({
      'rules.list': () => rules,
      'rules.setEnabled': (i) => ({ ...rules.find((r) => r.id === i.id)!, enabled: i.enabled }),
      'rules.remove': () => ({ removed: true }),
    });
    setClient(client);
    useEngineStore.setState({ status: status({ state: 'degraded', reason: 'iptables fallback: per-app scope unavailable' }) });
    render(<RulesView />);
    await act(async () => undefined);
    expect(screen.getByTestId('enforcement-banner').textContent).toMatch(/Degraded.*iptables fallback/);
    const rows = screen.getAllByTestId('rule-row');
    const byText = (t: string) => rows.find((r) => r.textContent!.includes(t))!;
    expect(within(byText('198.18.0.1')).getByTestId('rule-countdown').textContent).toBe('9:59');
    expect(within(byText('198.18.0.1')).getByTestId('rule-hits').textContent).toBe('blocked 3 attempts');
    expect(within(byText('port 25')).getByTestId('rule-hits').textContent).toBe('—');
    expect(byText('port 25').textContent).toMatch(/all apps here/);
    await act(async () => vi.advanceTimersByTime(2000));
    expect(within(byText('198.18.0.1')).getByTestId('rule-countdown').textContent).toBe('9:57');
    await act(async () => {
      fireEvent.click(within(byText('198.18.0.1')).getByTestId('rule-enabled'));
    });
    expect(client.calls).toContainEqual({ method: 'rules.setEnabled', input: { id: 1, enabled: false } });
    await act(async () => {
      fireEvent.click(within(byText('port 25')).getByTestId('rule-delete'));
    });
    expect(client.calls).toContainEqual({ method: 'rules.remove', input: { id: 2 } });
  });

  it('imports an exported rules file through rules.import', async () => {
    const exported = { version: 1, rules: [rule({ id: 9, target: 'tracker.example', kind: 'host', note: 'x' }), rule({ id: 10, target: '198.18.0.1', expiresAt: 1 })] };
    const client = createFakeClient({ 'rules.list': () => [], 'rules.import': (i) => ({ added: i.rules.length, removed: 0, rules: [] }) });
    setClient(client);
    render(<RulesView />);
    await act(async () => undefined);
    const file = new File([JSON.stringify(exported)], 'rules.json', { type: 'application/json' });
    await act(async () => {
      fireEvent.change(screen.getByTestId('rules-import-file'), { target: { files: [file] } });
    });
    await act(async () => undefined);
    const call = client.calls.find((c) => c.method === 'rules.import');
    expect(call?.input).toEqual({ rules: [expect.objectContaining({ target: 'tracker.example', note: 'x', force: false })], replace: false });
    expect(useUiStore.getState().notices.at(-1)!.text).toMatch(/Imported 1 rule.*1 expired skipped/);
  });

  it('rejects a file that is not a rules file, without calling the engine', async () => {
    const client = createFakeClient({ 'rules.list': () => [] });
    setClient(client);
    render(<RulesView />);
    await act(async () => undefined);
    await act(async () => {
      fireEvent.change(screen.getByTestId('rules-import-file'), { target: { files: [new File(['{"hello":1}'], 'x.json')] } });
    });
    await act(async () => undefined);
    expect(client.calls.some((c) => c.method === 'rules.import')).toBe(false);
    expect(useUiStore.getState().notices.at(-1)).toMatchObject({ kind: 'error' });
  });
});

describe('Settings view', () => {
  it('validates with the engine schema before sending, and sends only what changed', async () => {
    const client = createFakeClient({ 'settings.set': (patch) => settingsSchema.parse({ ...defaultSettings, ...patch }), 'apps.list': () => [] });
    setClient(client);
    useSettingsStore.setState({ settings: defaultSettings });
    render(<SettingsView />);
    const poll = screen.getByTestId('setting-pollMs') as HTMLInputElement;
    fireEvent.change(poll, { target: { value: '100' } }); // below the 250 ms minimum
    await act(async () => {
      fireEvent.click(screen.getByTestId('settings-save'));
    });
    expect(client.calls.some((c) => c.method === 'settings.set')).toBe(false);
    expect(poll.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByRole('alert').textContent).toMatch(/needs fixing; nothing was saved/);

    fireEvent.change(poll, { target: { value: '2000' } });
    fireEvent.change(screen.getByTestId('setting-currency'), { target: { value: 'eur' } });
    fireEvent.click(screen.getByTestId('setting-notifySpike'));
    await act(async () => {
      fireEvent.click(screen.getByTestId('settings-save'));
    });
    // The complete document (latest values + the three changes): see SettingsView for why.
    expect(client.calls.filter((c) => c.method === 'settings.set')).toEqual([{ method: 'settings.set', input: { ...defaultSettings, pollMs: 2000, currency: 'EUR', notifySpike: false } }]);
  });

  it('keeps unsaved edits when the engine pushes new settings', async () => {
    setClient(createFakeClient({ 'apps.list': () => [] }));
    useSettingsStore.setState({ settings: defaultSettings });
    render(<SettingsView />);
    fireEvent.change(screen.getByTestId('setting-pollMs'), { target: { value: '3000' } });
    act(() => useSettingsStore.getState().setSettings({ ...defaultSettings, retentionDays: 90 }));
    expect((screen.getByTestId('setting-pollMs') as HTMLInputElement).value).toBe('3000');
    expect((screen.getByTestId('setting-retentionDays') as HTMLInputElement).value).toBe('90');
  });

  it('has a control for every setting in the schema', () => {
    useSettingsStore.setState({ settings: defaultSettings });
    setClient(createFakeClient({ 'apps.list': () => [] }));
    render(<SettingsView />);
    for (const key of Object.keys(defaultSettings)) {
      if (key === 'mutedAppIds') continue; // a list, shown as "None" when empty
      expect(screen.getByTestId(`setting-${key}`)).toBeTruthy();
    }
  });

  it('fleet export: the engine schema refuses OTLP without a URL, then sends the nested setting', async () => {
    const client = createFakeClient({ 'settings.set': (patch) => settingsSchema.parse({ ...defaultSettings, ...patch }), 'apps.list': () => [], 'fleet.status': () => ({ enabled: false, sinks: [] }) });
    setClient(client);
    useSettingsStore.setState({ settings: defaultSettings });
    render(<SettingsView />);
    fireEvent.click(screen.getByTestId('setting-fleet-enabled'));
    fireEvent.click(screen.getByTestId('setting-fleet-otlp-enabled'));
    await act(async () => {
      fireEvent.click(screen.getByTestId('settings-save'));
    });
    expect(client.calls.some((c) => c.method === 'settings.set')).toBe(false);
    expect(screen.getByTestId('setting-fleet-otlp-url').getAttribute('aria-invalid')).toBe('true');
    fireEvent.change(screen.getByTestId('setting-fleet-otlp-url'), { target: { value: 'http://collector.internal:4318' } });
    fireEvent.change(screen.getByTestId('setting-fleet-otlp-headers'), { target: { value: 'Authorization: Bearer abc\n' } });
    await act(async () => {
      fireEvent.click(screen.getByTestId('settings-save'));
    });
    const sent = client.calls.find((c) => c.method === 'settings.set')!.input as typeof defaultSettings;
    expect(sent.fleet).toMatchObject({ enabled: true, otlp: { enabled: true, url: 'http://collector.internal:4318', headers: { Authorization: 'Bearer abc' } } });
  });
});

describe('History view', () => {
  const rows: FlowRecord[] = Array.from({ length: 3 }, (_, i) => ({
    id: i + 1, appId: 1, appName: i === 1 ? '=HYPERLINK("x")' : 'firefox', appPath: '/usr/bin/firefox', attributed: true, pid: 1, uid: 1000, proto: 'tcp', family: 4,
    local: '192.168.1.5', lport: 5000 + i, remote: `198.18.0.${i}`, rport: 443, openedAt: 1000 * i, closedAt: null, bytesOut: i === 2 ? null : 10, bytesIn: 20,
    host: null, country: 'DE', asn: null, org: null, scope: 'internet',
  }));

  it('sends structured search terms and exports exactly the rows shown', async () => {
    const client = createFakeClient({ 'history.query': () => ({ rows, totals: { count: 3, bytesOut: 20, bytesIn: 60 } }) });
    setClient(client);
    let blob: Blob | null = null;
    const created = vi.fn((b: Blob) => {
      blob = b;
      return 'blob:test';
    });
    Object.assign(URL, { createObjectURL: created, revokeObjectURL: () => undefined });
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    render(<HistoryView />);
    await act(async () => undefined);
    fireEvent.change(screen.getByTestId('history-search'), { target: { value: 'app:firefox port:443 country:de tracker' } });
    await act(async () => {
      fireEvent.click(screen.getByTestId('history-run'));
    });
    const last = client.calls.filter((c) => c.method === 'history.query').at(-1)!.input as Record<string, unknown>;
    expect(last).toMatchObject({ app: 'firefox', port: 443, country: 'DE', q: 'tracker', limit: 1000, offset: 0 });
    expect(typeof last.since).toBe('number');
    expect(screen.getAllByTestId('history-row')).toHaveLength(3);
    fireEvent.click(screen.getByTestId('export-csv'));
    expect(click).toHaveBeenCalled();
    const bytes = new Uint8Array(await blob!.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // BOM, so spreadsheets read UTF-8
    expect(await blob!.text()).toBe(historyToCsv(rows).replace(/^\uFEFF/, ''));
    expect(await blob!.text()).toContain(`"'=HYPERLINK(""x"")"`);
    click.mockRestore();
  });

  it('says how long individual connections are kept when the range reaches before the oldest one held', async () => {
    const DAY = 86_400_000;
    let detailFrom: number | undefined = Date.now() - 3 * DAY;
    const client = createFakeClient({ 'history.query': () => ({ rows, totals: { count: 3, bytesOut: 20, bytesIn: 60 }, ...(detailFrom === undefined ? {} : { detailFrom }) }) });
    setClient(client);
    useSettingsStore.setState({ settings: { ...defaultSettings, retentionDays: 3 } });
    useHistoryStore.setState({ preset: '7d', text: '' });
    render(<HistoryView />);
    await act(async () => undefined);
    expect(screen.getByTestId('history-detail-note').textContent).toBe(
      'Individual connections are kept 3 days; older traffic appears in the totals by app and destination.',
    );
    // Within the detail window: the rows are all there, nothing to say.
    await act(async () => useHistoryStore.getState().setPreset('24h'));
    expect(client.calls.filter((c) => c.method === 'history.query')).toHaveLength(2);
    expect(screen.queryByTestId('history-detail-note')).toBeNull();
    // Nothing deleted yet: no note, however far back the range goes.
    detailFrom = undefined;
    await act(async () => useHistoryStore.getState().setPreset('30d'));
    expect(screen.queryByTestId('history-detail-note')).toBeNull();
    // The wording follows the setting, and names the date while settings are not loaded.
    expect(detailNote(0, 5 * DAY, 1)).toMatch(/^Individual connections are kept 1 day;/);
    expect(detailNote(undefined, 5 * DAY, undefined)).toMatch(/^Individual connections are kept from .+ on;/);
    useHistoryStore.setState({ preset: '24h' });
  });
});
