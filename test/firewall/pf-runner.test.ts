// The real runner, with real child processes (node itself as the program).
import { describe, expect, it } from 'vitest';
import { describeFailure, spawnRunner } from '../../electron/firewall/pf-runner';

const node = process.execPath;
const run = spawnRunner();

describe('spawnRunner', () => {
  it('passes argv verbatim: no shell ever sees quotes, $(), ; or newlines', async () => {
    const hostile = ["a b", `"q"`, "'s'", '$(touch /tmp/outflow-pwned)', 'x; rm -rf /', 'line1\nline2', '`id`', '*'];
    const r = await run(node, ['-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', ...hostile]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(hostile);
  });

  it('writes input to stdin and closes it', async () => {
    const r = await run(node, ['-e', 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(s.toUpperCase()))'], { input: 'b64doc==\n' });
    expect(r).toEqual({ stdout: 'B64DOC==\n', stderr: '', code: 0 });
  });

  it('closes stdin at once when there is no input (a reader does not hang)', async () => {
    const r = await run(node, ['-e', 'process.stdin.resume();process.stdin.on("end",()=>process.stdout.write("eof"))']);
    expect(r.stdout).toBe('eof');
  });

  it('returns exit code and stderr instead of throwing', async () => {
    const r = await run(node, ['-e', 'process.stderr.write("pfctl: Syntax error\\n");process.exit(3)']);
    expect(r).toEqual({ stdout: '', stderr: 'pfctl: Syntax error\n', code: 3 });
  });

  it('a missing program is code -1 with the reason', async () => {
    const r = await run('/nonexistent/pfctl', ['-s', 'info']);
    expect(r.code).toBe(-1);
    expect(r.stderr).toMatch(/ENOENT/);
  });

  it('an argv with a NUL byte is refused without throwing', async () => {
    const r = await run(node, ['-e', '1', 'a\u0000b']);
    expect(r.code).toBe(-1);
  });

  it('kills a hung child at the timeout', async () => {
    const t0 = performance.now();
    const r = await run(node, ['-e', 'setInterval(()=>{},1000)'], { timeoutMs: 300 });
    const ms = performance.now() - t0;
    expect(r.code).toBe(-1);
    expect(r.stderr).toMatch(/timed out after 300 ms/);
    expect(ms).toBeLessThan(5000);
  });

  it('describeFailure keeps the message short and drops pfctl ALTQ noise', () => {
    const msg = describeFailure('/sbin/pfctl', ['-a', 'com.outflow', '-f', '/tmp/x'], {
      stdout: '',
      stderr: 'No ALTQ support in kernel\nALTQ related functions disabled\n/tmp/x:3: syntax error\n',
      code: 1,
    });
    expect(msg).toBe('/sbin/pfctl -a com.outflow -f /tmp/x exited 1: /tmp/x:3: syntax error');
  });
});
