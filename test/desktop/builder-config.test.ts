import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { missing } from '../helpers/requires';

const ROOT = path.resolve(__dirname, '../..');
const requireFromRoot = createRequire(path.join(ROOT, 'package.json'));
// electron-builder's own loader and schema validation (app-builder-lib, as electron-builder resolves it).
const builderDir = path.dirname(requireFromRoot.resolve('electron-builder/package.json'));
const requireFromBuilder = createRequire(path.join(builderDir, 'package.json'));
const appBuilderLib = path.dirname(requireFromBuilder.resolve('app-builder-lib/package.json'));
const { getConfig, validateConfiguration } = requireFromBuilder(path.join(appBuilderLib, 'out/util/config/config.js')) as {
  getConfig(projectDir: string, configPath: string | null): Promise<Record<string, any>>;
  validateConfiguration(config: unknown, logger: unknown): Promise<void>;
};
const { DebugLogger } = createRequire(path.join(appBuilderLib, 'package.json'))('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };

const { load: loadYaml } = requireFromBuilder(createRequire(path.join(appBuilderLib, 'package.json')).resolve('js-yaml')) as { load(text: string): any };
/** The file as written (getConfig normalises `files` into filter sets). */
const rawConfig = () => loadYaml(readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8'));
const loadConfig = () => getConfig(ROOT, path.join(ROOT, 'electron-builder.yml'));
const validate = (config: unknown) => validateConfiguration(config, new DebugLogger(false));


const work = mkdtempSync(path.join(tmpdir(), 'outflow-builder-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('electron-builder.yml', () => {
  it('passes electron-builder’s schema validation', async () => {
    await expect(validate(await loadConfig())).resolves.toBeUndefined();
  });

  it('a typo anywhere fails the same validation', async () => {
    const config = await loadConfig();
    await expect(validate({ ...config, fies: ['dist/**'] })).rejects.toThrow(/fies/);
    await expect(validate({ ...config, linux: { ...config.linux, targt: ['deb'] } })).rejects.toThrow(/Invalid configuration object[\s\S]*configuration\.linux/);
    await expect(validate({ ...config, deb: { ...config.deb, afterInstal: 'x.sh' } })).rejects.toThrow(/Invalid configuration object[\s\S]*configuration\.deb/);
    await expect(validate({ ...config, asar: 'yes' })).rejects.toThrow(/Invalid configuration object[\s\S]*configuration\.asar/);
  });

  it('says what the brief requires', () => {
    const c = rawConfig();
    expect(c).toMatchObject({ appId: 'org.outflow.app', productName: 'Outflow', asar: true, npmRebuild: false, afterPack: 'build/after-pack.js' });
    expect(c.linux.target).toEqual(['AppImage', 'deb', 'rpm']);
    expect(c.mac.target).toEqual(['dmg']);
    expect(c.win.target).toEqual(['nsis']);
    expect(c.files).toEqual(expect.arrayContaining(['package.json', 'dist/electron/**/*.js', 'dist/renderer/**/*', 'native/electron-*/better_sqlite3.node']));
    expect(c.asarUnpack).toContain('native/**');
    expect(c.deb.afterInstall).toBe('build/linux/after-install.sh');
    expect(c.rpm.afterRemove).toBe('build/linux/after-remove.sh');
    expect(c.linux.extraResources).toEqual(
      expect.arrayContaining([
        { from: 'assets/linux/org.outflow.helper.policy', to: 'linux/org.outflow.helper.policy' },
        { from: 'build/linux/outflow-helper', to: 'linux/outflow-helper' },
      ]),
    );
  });

  it('every file it names exists in the repository', async () => {
    const c = await loadConfig();
    const named = [
      c.afterPack,
      c.deb.afterInstall,
      c.deb.afterRemove,
      c.rpm.afterInstall,
      c.rpm.afterRemove,
      c.mac.icon,
      c.win.icon,
      ...c.linux.extraResources.map((e: { from: string }) => e.from),
    ];
    for (const f of named) expect(existsSync(path.join(ROOT, f)), f).toBe(true);
    for (const size of [16, 32, 48, 64, 128, 256, 512, 1024]) expect(existsSync(path.join(ROOT, c.linux.icon, `${size}x${size}.png`)), `${size}`).toBe(true);
    expect(statSync(path.join(ROOT, 'build/linux/outflow-helper')).mode & 0o111).not.toBe(0);
  });
});

describe('Linux package scripts', () => {
  // electron-builder's FpmTarget substitutes ${name} macros and throws on an unknown one; same rule here.
  const macros = { executable: 'outflow', sanitizedProductName: 'Outflow', productFilename: 'Outflow' };
  function render(file: string): string {
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    return text.replace(/\$\{([a-zA-Z]+)\}/g, (_m, name: string) => {
      if (!(name in macros)) throw new Error(`${file}: macro ${name} is not defined`);
      return macros[name as keyof typeof macros];
    });
  }
  const scripts = ['build/linux/after-install.sh', 'build/linux/after-remove.sh'];

  it('render with electron-builder’s macros and parse as bash', () => {
    for (const f of scripts) {
      const rendered = render(f);
      expect(rendered).toContain("APP_DIR='/opt/Outflow'");
      const out = path.join(work, path.basename(f));
      writeFileSync(out, rendered);
      execFileSync('bash', ['-n', out]);
    }
    execFileSync('sh', ['-n', path.join(ROOT, 'build/linux/outflow-helper')]);
  });

  it.skipIf(missing(['shellcheck']) !== null)('pass shellcheck (needs shellcheck)', () => {
    const files = scripts.map((f) => {
      const out = path.join(work, `sc-${path.basename(f)}`);
      writeFileSync(out, render(f));
      return out;
    });
    const r = spawnSync('shellcheck', ['--severity=style', ...files, path.join(ROOT, 'build/linux/outflow-helper')], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('after-install installs the polkit action and the launcher the action names; after-remove undoes it only on removal', () => {
    const install = render('build/linux/after-install.sh');
    expect(install).toContain('install -m 0644 -o root -g root "$POLICY_SRC" "$POLICY_DIR/org.outflow.helper.policy"');
    expect(install).toContain('POLICY_DIR=/usr/share/polkit-1/actions');
    const remove = render('build/linux/after-remove.sh');
    expect(remove).toContain('rm -f /usr/share/polkit-1/actions/org.outflow.helper.policy');
    // On upgrade (deb "upgrade", rpm "1") nothing is removed.
    for (const [arg, removes] of [
      ['upgrade', false],
      ['1', false],
      ['remove', true],
      ['purge', true],
      ['0', true],
    ] as const) {
      const probe = remove.replace(/^APP_DIR=.*$/m, 'echo REMOVING; exit 0');
      const out = path.join(work, 'probe.sh');
      writeFileSync(out, probe);
      const r = spawnSync('bash', [out, arg], { encoding: 'utf8' });
      expect(r.stdout.includes('REMOVING'), arg).toBe(removes);
    }
  });
});

describe('polkit action', () => {
  const POLICY = path.join(ROOT, 'assets/linux/org.outflow.helper.policy');
  const text = readFileSync(POLICY, 'utf8');

  it('declares org.outflow.helper.apply with auth_admin_keep for the launcher the package installs', () => {
    const actions = [...text.matchAll(/<action id="([^"]+)">/g)].map((m) => m[1]);
    expect(actions).toEqual(['org.outflow.helper.apply']);
    expect(text).toMatch(/<allow_active>auth_admin_keep<\/allow_active>/);
    expect(text).toMatch(/<allow_any>auth_admin<\/allow_any>/);
    expect(text).toMatch(/<allow_inactive>auth_admin<\/allow_inactive>/);
    const execPath = /<annotate key="org\.freedesktop\.policykit\.exec\.path">([^<]+)<\/annotate>/.exec(text)?.[1];
    expect(execPath).toBe('/opt/Outflow/resources/linux/outflow-helper');
    // Same place electron-builder puts extraResources "linux/outflow-helper" for productName Outflow.
    expect(readFileSync(path.join(ROOT, 'build/linux/after-install.sh'), 'utf8')).toContain('HELPER="$APP_DIR/resources/linux/outflow-helper"');
  });

  it.skipIf(missing(['xmllint']) !== null)('is valid against polkit’s policyconfig DTD (needs xmllint)', () => {
    // polkit's policyconfig-1.dtd (polkitd: /usr/share/polkit-1/policyconfig-1.dtd), element rules only.
    const dtd = `<!ELEMENT policyconfig (vendor?, vendor_url?, icon_name?, action+)>
<!ELEMENT vendor (#PCDATA)>
<!ELEMENT vendor_url (#PCDATA)>
<!ELEMENT icon_name (#PCDATA)>
<!ELEMENT action (vendor?, vendor_url?, description+, message+, icon_name?, defaults, annotate*)>
<!ATTLIST action id CDATA #REQUIRED>
<!ELEMENT description (#PCDATA)>
<!ATTLIST description gettext-domain CDATA #IMPLIED>
<!ATTLIST description xml:lang CDATA #IMPLIED>
<!ELEMENT message (#PCDATA)>
<!ATTLIST message gettext-domain CDATA #IMPLIED>
<!ATTLIST message xml:lang CDATA #IMPLIED>
<!ELEMENT defaults (allow_any|allow_inactive|allow_active)*>
<!ELEMENT allow_any (#PCDATA)>
<!ELEMENT allow_inactive (#PCDATA)>
<!ELEMENT allow_active (#PCDATA)>
<!ELEMENT annotate (#PCDATA)>
<!ATTLIST annotate key CDATA #REQUIRED>
`;
    const dtdFile = path.join(work, 'policyconfig-1.dtd');
    writeFileSync(dtdFile, dtd);
    const r = spawnSync('xmllint', ['--noout', '--nonet', '--dtdvalid', dtdFile, POLICY], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const values = [...text.matchAll(/<allow_\w+>([^<]*)<\/allow_\w+>/g)].map((m) => m[1]);
    for (const v of values) expect(['no', 'auth_self', 'auth_admin', 'auth_self_keep', 'auth_admin_keep', 'yes']).toContain(v);
  });
});
