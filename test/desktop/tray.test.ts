import { describe, expect, it } from 'vitest';
import { createTrayController, type TrayActions } from '../../electron/desktop/tray';
import {
  formatRate,
  initialTrayModel,
  reduceTray,
  trayIconState,
  trayTitle,
  trayTooltip,
  withAlerts,
  type TrayIconState,
  type TrayModel,
} from '../../electron/desktop/tray-model';
import { createTrayState } from '../../electron/desktop/tray-state';
import type { TrayIcons } from '../../electron/desktop/tray-icons';
import type { NativeImageLike } from '../../electron/desktop/electron-shape';
import { FakeImage, FakeTray, createFakeElectron, fakeMenu } from './fakes/fake-electron';
import { alert, live, rule, scriptedEngine, status } from './fakes/fake-engine';

const icons = Object.fromEntries(
  (['normal', 'alert', 'not-enforcing'] as TrayIconState[]).map((s) => [s, new FakeImage(s) as unknown as NativeImageLike]),
) as TrayIcons;
const stateOf = (img: NativeImageLike) => (img as unknown as FakeImage).source;

function controller(model: TrayModel = initialTrayModel, platform: NodeJS.Platform = 'linux') {
  createFakeElectron({ userData: '/tmp', appPath: '/tmp' });
  const calls: string[] = [];
  const actions: TrayActions = {
    open: () => calls.push('open'),
    setPaused: (p) => calls.push(`paused:${p}`),
    openAlert: (id) => calls.push(`alert:${id}`),
    openAlerts: () => calls.push('alerts'),
    quit: () => calls.push('quit'),
  };
  const tray = createTrayController(model, { Tray: FakeTray, Menu: fakeMenu, icons, platform, actions, log: () => undefined });
  return { tray, fake: FakeTray.instances[0]!, calls };
}

describe('tray model', () => {
  it('picks the icon state: not-enforcing (with rules) > unseen alerts > normal', () => {
    let m = initialTrayModel;
    expect(trayIconState(m)).toBe('normal');
    m = reduceTray(m, { type: 'status', data: status({ state: 'not-enforcing', reason: 'nft missing' }) });
    expect(trayIconState(m)).toBe('normal'); // nothing to enforce yet
    m = reduceTray(m, { type: 'rules', data: [rule(1), rule(2, false)] });
    expect(m.activeRules).toBe(1);
    expect(trayIconState(m)).toBe('not-enforcing');
    m = reduceTray(m, { type: 'alert', data: alert(1) });
    expect(trayIconState(m)).toBe('not-enforcing');
    m = reduceTray(m, { type: 'status', data: status({ state: 'enforcing' }) });
    expect(trayIconState(m)).toBe('alert');
    m = reduceTray(m, { type: 'status', data: status({ state: 'degraded', reason: 'helper gone' }) });
    expect(trayIconState(m)).toBe('not-enforcing');
    m = withAlerts(reduceTray(m, { type: 'status', data: status() }), 0, [alert(1, { seen: true })]);
    expect(trayIconState(m)).toBe('normal');
  });

  it('counts an alert once even when the engine re-announces it', () => {
    let m = reduceTray(initialTrayModel, { type: 'alert', data: alert(1) });
    m = reduceTray(m, { type: 'alert', data: alert(1, { count: 2 }) });
    m = reduceTray(m, { type: 'alert', data: alert(2, { seen: true }) });
    expect(m.unseen).toBe(1);
    expect(m.recent.map((r) => r.id)).toEqual([2, 1]);
  });

  it('shows the live up-rate in tooltip and title', () => {
    const m = reduceTray(initialTrayModel, { type: 'live', data: live([1500, 250.5, Number.NaN]) });
    expect(m.rateOut).toBe(1750.5);
    expect(trayTooltip(m)).toBe('Outflow — ↑ 1.75 kB/s');
    expect(trayTitle(m)).toBe('↑ 1.75 kB/s');
    const paused = reduceTray(m, { type: 'live', data: live([], true) });
    expect(trayTooltip(paused)).toBe('Outflow — monitoring paused');
    expect(trayTitle(paused)).toBe('paused');
    expect(trayTooltip(initialTrayModel)).toBe('Outflow');
  });

  it('formats rates in SI units with three significant digits', () => {
    expect([0, -5, Number.NaN, 950, 999.4, 999.6, 12_345, 1_050_000, 99_960, 3.2e9, 7e15].map(formatRate)).toEqual([
      '0 B/s',
      '0 B/s',
      '0 B/s',
      '950 B/s',
      '999 B/s',
      '1.00 kB/s',
      '12.3 kB/s',
      '1.05 MB/s',
      '100 kB/s',
      '3.20 GB/s',
      '7000 TB/s',
    ]);
  });

  it('keeps the tooltip within the Windows limit', () => {
    const m: TrayModel = { ...initialTrayModel, activeRules: 1, enforcement: 'not-enforcing', enforcementReason: 'x'.repeat(300), unseen: 250 };
    expect(trayTooltip(m).length).toBeLessThanOrEqual(127);
  });
});

describe('tray controller', () => {
  it('changes the icon with the state and rebuilds the menu only when it changes', () => {
    const { tray, fake } = controller();
    expect(stateOf(fake.image)).toBe('normal');
    expect(fake.menuBuilds).toBe(1);
    let m = initialTrayModel;
    for (const r of [100, 200, 300]) {
      m = reduceTray(m, { type: 'live', data: live([r]) });
      tray.update(m);
    }
    expect(fake.tooltip).toBe('Outflow — ↑ 300 B/s');
    expect(fake.menuBuilds).toBe(1); // live ticks do not rebuild the menu
    expect(fake.images).toHaveLength(1);
    m = reduceTray(m, { type: 'alert', data: alert(9) });
    tray.update(m);
    expect(tray.state).toBe('alert');
    expect(stateOf(fake.image)).toBe('alert');
    expect(fake.menuBuilds).toBe(2);
    m = reduceTray(reduceTray(m, { type: 'rules', data: [rule(1)] }), { type: 'status', data: status({ state: 'not-enforcing' }) });
    tray.update(m);
    expect(stateOf(fake.image)).toBe('not-enforcing');
    expect(fake.tooltip).toContain('Firewall not enforcing');
    tray.destroy();
    expect(fake.destroyed).toBe(true);
    tray.update(initialTrayModel); // after destroy: ignored, no throw
  });

  it('menu: open, pause (checkbox), recent alerts, quit', () => {
    const m = withAlerts(initialTrayModel, 1, [alert(4, { title: 'R&D app phoned home' }), alert(3, { seen: true })]);
    const { fake, calls } = controller(m);
    expect(fake.menu!.items.map((i) => i.label ?? i.type)).toEqual(['Open Outflow', 'separator', 'Pause monitoring', 'Recent alerts (1 unseen)', 'separator', 'Quit Outflow']);
    fake.item('Open Outflow').click!();
    const pause = fake.item('Pause monitoring');
    expect(pause).toMatchObject({ type: 'checkbox', checked: false });
    pause.click!();
    fake.item('• R&&D app phoned home').click!();
    fake.item('Show all alerts').click!();
    fake.item('Quit Outflow').click!();
    fake.emit('click');
    expect(calls).toEqual(['open', 'paused:true', 'alert:4', 'alerts', 'quit', 'open']);
  });

  it('uses the title on macOS only', () => {
    const m = reduceTray(initialTrayModel, { type: 'live', data: live([2048]) });
    expect(controller(m, 'darwin').fake.title).toBe('↑ 2.05 kB/s');
    expect(controller(m, 'linux').fake.title).toBe('');
  });
});

describe('tray state follows the engine', () => {
  it('reads status, rules and alerts at start, follows events, and notices alerts marked seen', async () => {
    const engine = scriptedEngine({ status: status({ state: 'enforcing' }), rules: [rule(1)], alerts: [alert(1, { seen: true })] });
    const models: TrayModel[] = [];
    const state = createTrayState({ engine, onChange: (m) => models.push(m), log: () => undefined, debounceMs: 5, refreshMs: 60_000 });
    await state.start();
    expect(state.model).toMatchObject({ enforcement: 'enforcing', activeRules: 1, unseen: 0 });
    expect(trayIconState(state.model)).toBe('normal');

    engine.emit({ type: 'status', data: status({ state: 'not-enforcing', reason: 'helper missing' }) });
    expect(trayIconState(state.model)).toBe('not-enforcing');
    engine.emit({ type: 'status', data: status({ state: 'enforcing' }) });

    engine.raise(alert(2));
    expect(trayIconState(state.model)).toBe('alert');
    await new Promise((r) => setTimeout(r, 30));
    expect(state.model.unseen).toBe(1);

    // The user reads the alert in the window: no event, but the next refresh sees it.
    await engine.call('alerts.markSeen', { all: true });
    state.refreshSoon();
    await new Promise((r) => setTimeout(r, 30));
    expect(state.model.unseen).toBe(0);
    expect(trayIconState(state.model)).toBe('normal');
    state.dispose();
    engine.emit({ type: 'live', data: live([1]) });
    expect(state.model.rateOut).toBeNull();
    expect(engine.listeners.size).toBe(0);
  });
});
