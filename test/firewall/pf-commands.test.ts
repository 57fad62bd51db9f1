import { describe, expect, it } from 'vitest';
import { pfCommands, PFCTL } from '../../electron/firewall/pf-commands';
import { addHook, confHasHook, HOOK_BEGIN, removeHook } from '../../electron/firewall/pf-hook';

describe('pfctl argv', () => {
  it('builds every command exactly', () => {
    expect(pfCommands.loadAnchor('/tmp/outflow-pf-x/outflow.anchor.conf')).toEqual({ cmd: PFCTL, argv: ['-a', 'com.outflow', '-f', '/tmp/outflow-pf-x/outflow.anchor.conf'] });
    expect(pfCommands.replaceTable('outflow_12_4', '/tmp/d/t.txt')).toEqual({ cmd: PFCTL, argv: ['-a', 'com.outflow', '-t', 'outflow_12_4', '-T', 'replace', '-f', '/tmp/d/t.txt'] });
    expect(pfCommands.killTable('outflow_12_6').argv).toEqual(['-a', 'com.outflow', '-t', 'outflow_12_6', '-T', 'kill']);
    expect(pfCommands.showTable('outflow_3_4').argv).toEqual(['-a', 'com.outflow', '-t', 'outflow_3_4', '-T', 'show']);
    expect(pfCommands.showTables().argv).toEqual(['-a', 'com.outflow', '-s', 'Tables']);
    expect(pfCommands.showAnchorRules().argv).toEqual(['-a', 'com.outflow', '-sr', '-v']);
    expect(pfCommands.showMainRules().argv).toEqual(['-sr']);
    expect(pfCommands.showInfo().argv).toEqual(['-s', 'info']);
    expect(pfCommands.enableRef().argv).toEqual(['-E']);
    expect(pfCommands.releaseRef('18446743525445205896').argv).toEqual(['-X', '18446743525445205896']);
    expect(pfCommands.flushAnchorRules().argv).toEqual(['-a', 'com.outflow', '-F', 'rules']);
    expect(pfCommands.flushAnchorTables().argv).toEqual(['-a', 'com.outflow', '-F', 'Tables']);
    expect(pfCommands.checkConf('/etc/pf.conf.outflow-new').argv).toEqual(['-n', '-f', '/etc/pf.conf.outflow-new']);
    expect(pfCommands.loadMainConf('/etc/pf.conf').argv).toEqual(['-f', '/etc/pf.conf']);
    expect(pfCommands.showInfo('/usr/local/sbin/pfctl').cmd).toBe('/usr/local/sbin/pfctl');
  });

  it('never disables pf and never flushes globally', () => {
    const c = pfCommands;
    const all = [
      c.loadAnchor('/tmp/a'),
      c.replaceTable('outflow_1_4', '/tmp/t'),
      c.killTable('outflow_1_4'),
      c.showTable('outflow_1_4'),
      c.showTables(),
      c.showAnchorRules(),
      c.showMainRules(),
      c.showInfo(),
      c.enableRef(),
      c.releaseRef('1'),
      c.flushAnchorRules(),
      c.flushAnchorTables(),
      c.checkConf('/etc/pf.conf'),
      c.loadMainConf('/etc/pf.conf'),
    ].map((a) => a.argv);
    expect(all).toHaveLength(Object.keys(pfCommands).length);
    for (const argv of all) {
      expect(argv).not.toContain('-d');
      if (argv.includes('-F')) expect(argv.slice(0, 2)).toEqual(['-a', 'com.outflow']);
      if (argv.includes('-T')) expect(argv.slice(0, 2)).toEqual(['-a', 'com.outflow']);
    }
  });

  it('refuses values that are not ours', () => {
    expect(() => pfCommands.showTable('other_table')).toThrow();
    expect(() => pfCommands.showTable('outflow_1_4 -d')).toThrow();
    expect(() => pfCommands.releaseRef('12 -d')).toThrow();
    expect(() => pfCommands.releaseRef('')).toThrow();
    expect(() => pfCommands.loadAnchor('relative.conf')).toThrow();
    expect(() => pfCommands.loadAnchor('/tmp/a\n-d')).toThrow();
  });
});

describe('/etc/pf.conf hook', () => {
  const apple = [
    '#',
    '# com.apple anchor point',
    '#',
    'scrub-anchor "com.apple/*"',
    'nat-anchor "com.apple/*"',
    'rdr-anchor "com.apple/*"',
    'dummynet-anchor "com.apple/*"',
    'anchor "com.apple/*"',
    'load anchor "com.apple" from "/etc/pf.anchors/com.apple"',
    '',
  ].join('\n');

  it('appends the anchor after the filter section, once', () => {
    const once = addHook(apple);
    expect(once).toBe(`${apple}${HOOK_BEGIN}\nanchor "com.outflow"\n# END outflow\n`);
    expect(addHook(once)).toBe(once);
    expect(confHasHook(once)).toBe(true);
    expect(confHasHook(apple)).toBe(false);
  });

  it('adds a newline to a file without a final one', () => {
    expect(addHook('anchor "com.apple/*"')).toBe(`anchor "com.apple/*"\n${HOOK_BEGIN}\nanchor "com.outflow"\n# END outflow\n`);
  });

  it('does not duplicate a hand-written hook, and does not remove it on uninstall', () => {
    const manual = `${apple}anchor "com.outflow"\n`;
    expect(addHook(manual)).toBe(manual);
    expect(removeHook(manual)).toBe(manual);
    expect(confHasHook('# anchor "com.outflow"\n')).toBe(false);
  });

  it('uninstall restores the original file byte for byte', () => {
    expect(removeHook(addHook(apple))).toBe(apple);
    expect(removeHook(apple)).toBe(apple);
  });

  it('repairs a block someone edited between the markers', () => {
    const edited = `${apple}${HOOK_BEGIN}\nanchor "com.outflow" in\n# END outflow\n`;
    expect(addHook(edited)).toBe(addHook(apple));
  });
});
