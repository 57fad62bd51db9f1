import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditSource } from './support/shell-audit';

// Every value that reaches a command line goes through an argv array: no child_process call in the
// shipped code (electron/**), the launcher (bin/) or the build scripts (scripts/) may use a shell.

const ROOT = join(__dirname, '..', '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (/\.(ts|tsx|js|cjs|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

describe('shell audit', () => {
  it('flags every way of reaching a shell (the audit itself can fail)', () => {
    const bad: Record<string, string> = {
      'exec named import': "import { exec } from 'node:child_process'; exec(`ls ${dir}`);",
      'execSync destructured require': "const { execSync } = require('child_process'); execSync('id');",
      'aliased exec': "import { exec as run } from 'child_process'; run('x');",
      'namespace exec': "import * as cp from 'node:child_process'; cp.exec('x');",
      'require().exec': "require('child_process').exec('x');",
      'shell: true': "import { spawn } from 'node:child_process'; spawn('ls', [], { shell: true });",
      'shell: a path': "import { execFile } from 'node:child_process'; execFile('ls', [], { shell: '/bin/bash' }, () => {});",
      'shell from a variable': "import { spawn } from 'node:child_process'; const shell = true; spawn(cmd, [], { shell });",
      'shell: true through a wrapper': 'run(cmd, argv, { shell: true });',
      "spawn('sh')": "import { spawn } from 'node:child_process'; spawn('sh', ['-c', cmd]);",
      "spawnSync('/bin/bash')": "const cp = require('node:child_process'); cp.spawnSync('/bin/bash', ['-c', cmd]);",
      'cmd.exe /c': "import { execFile } from 'node:child_process'; execFile('cmd.exe', ['/c', cmd]);",
      'bash -c in a string': "const line = `bash -c ${x}`;",
      "'/bin/sh' literal": "const sh = '/bin/sh';",
      'argv handing a script to sh': "run(['sh', '-c', script]);",
      'powershell script built at run time': "run('powershell.exe', ['-NoProfile', '-Command', 'Get-Item ' + path]);",
    };
    for (const [name, code] of Object.entries(bad)) {
      expect(auditSource(`${name}.ts`, code).length, name).toBeGreaterThan(0);
    }
  });

  it('does not mistake argv calls, SQLite exec or RegExp exec for a shell', () => {
    const good = [
      "import { execFile, spawn } from 'node:child_process'; execFile('ss', ['-tinH'], () => {}); spawn('nft', ['-f', file], { shell: false });",
      "db.exec('CREATE TABLE t (x)'); /^a$/.exec(s); const m = re.exec(text);",
      "// we never use exec('...') or `bash -c` here\nconst x = 1;",
      "run('powershell.exe', ['-NoProfile', '-Command', WIN_SCRIPT]);",
      "import { shell } from 'electron'; const electron = { app, shell };",
    ];
    for (const code of good) expect(auditSource('good.ts', code)).toEqual([]);
  });

  it('finds no shell in electron/, bin/ or scripts/', () => {
    const files = ['electron', 'bin', 'scripts'].flatMap((d) => sources(join(ROOT, d)));
    expect(files.length).toBeGreaterThan(50);
    const findings = files.flatMap((f) => auditSource(relative(ROOT, f), readFileSync(f, 'utf8')));
    expect(findings.map((f) => `${f.file}:${f.line} ${f.rule}: ${f.text}`)).toEqual([]);
  });
});
