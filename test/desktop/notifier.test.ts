import { describe, expect, it } from 'vitest';
import { createElectronNotifier, notificationText } from '../../electron/desktop/notifier';
import type { HashRoute } from '../../electron/desktop/app-origin';
import { FakeNotification, createFakeElectron } from './fakes/fake-electron';
import { alert } from './fakes/fake-engine';

function setup(platform: NodeJS.Platform = 'linux') {
  createFakeElectron({ userData: '/tmp', appPath: '/tmp' }); // resets the fake's instance lists
  const routes: HashRoute[] = [];
  const logs: string[] = [];
  const notifier = createElectronNotifier({
    Notification: FakeNotification,
    platform,
    onActivate: (r) => routes.push(r),
    log: (_l, m) => logs.push(m),
  });
  return { notifier, routes, logs };
}

describe('Electron notifier', () => {
  it('shows only alerts the engine marked notified', () => {
    const { notifier } = setup();
    notifier.notify(alert(1, { notified: false }));
    expect(FakeNotification.instances).toHaveLength(0);
    notifier.notify(alert(2));
    expect(FakeNotification.instances).toHaveLength(1);
    expect(FakeNotification.instances[0]!.options).toMatchObject({ title: 'curl talks to a new destination #2', body: '198.18.0.7:443 (example.test)' });
    expect(FakeNotification.instances[0]!.shown).toBe(1);
  });

  it('routes a click to the alert in the window', () => {
    const { notifier, routes } = setup();
    notifier.notify(alert(7));
    expect(notifier.live).toBe(1);
    FakeNotification.instances[0]!.click();
    expect(routes).toEqual(['#/alerts?id=7']);
    expect(notifier.live).toBe(0);
  });

  it('shows each (alert, count) once, so the engine call and the alert event never double up; a coalesced repeat shows again', () => {
    const { notifier } = setup();
    notifier.notify(alert(3));
    notifier.notify(alert(3));
    expect(FakeNotification.instances).toHaveLength(1);
    notifier.notify(alert(3, { count: 4 }));
    expect(FakeNotification.instances).toHaveLength(2);
    expect(FakeNotification.instances[1]!.options.title).toBe('curl talks to a new destination #3 (×4)');
  });

  it('treats network-supplied text as text: markup escaped on Linux, control characters removed, length bounded', () => {
    const hostile = alert(4, { title: 'new\u0007 app \u202eexe.txt', detail: `<a href="https://evil.example">click</a> & <b>${'x'.repeat(400)}</b>` });
    const linux = setup('linux');
    linux.notifier.notify(hostile);
    const body = FakeNotification.instances[0]!.options.body;
    expect(body.startsWith('&lt;a href="https://evil.example"&gt;click&lt;/a&gt; &amp; &lt;b&gt;')).toBe(true);
    expect(body).not.toMatch(/<|>/);
    expect(FakeNotification.instances[0]!.options.title).toBe('new app exe.txt');
    const mac = setup('darwin');
    mac.notifier.notify(hostile);
    expect(FakeNotification.instances[0]!.options.body).toMatch(/^<a href/);
    expect(FakeNotification.instances[0]!.options.body.length).toBeLessThanOrEqual(250);
    expect(notificationText('a'.repeat(300), 250, false)).toHaveLength(250);
  });

  it('does nothing where notifications are unsupported, and closes what it holds on dispose', () => {
    const { notifier } = setup();
    FakeNotification.supported = false;
    notifier.notify(alert(5));
    expect(FakeNotification.instances).toHaveLength(0);
    const other = setup();
    other.notifier.notify(alert(6));
    other.notifier.dispose();
    expect(FakeNotification.instances[0]!.closed).toBe(true);
    expect(other.notifier.live).toBe(0);
  });
});
