// The exec runner is shared by the macOS and Windows collectors (and offered to the Linux one);
// it is tested here against real child processes.
import { describe, expect, it } from 'vitest';
import { ExecError, execRunner } from '../../electron/collector/exec-runner';

const node = process.execPath;

describe('execRunner', () => {
  it('returns stdout, stderr and a zero code', async () => {
    const r = await execRunner(node, ['-e', 'process.stdout.write("out ü"); process.stderr.write("err")']);
    expect(r).toEqual({ stdout: 'out ü', stderr: 'err', code: 0 });
  });

  it('resolves with a non-zero exit code instead of rejecting', async () => {
    expect(await execRunner(node, ['-e', 'process.stdout.write("partial"); process.exit(3)'])).toEqual({ stdout: 'partial', stderr: '', code: 3 });
  });

  it('passes arguments verbatim, never through a shell', async () => {
    const hostile = ['$(touch /tmp/outflow-pwned)', '`id`', 'a;b', '"q" \'s\'', '*', '\n'];
    const r = await execRunner(node, ['-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', ...hostile]);
    expect(JSON.parse(r.stdout)).toEqual(hostile);
  });

  it('merges extra environment variables', async () => {
    const r = await execRunner(node, ['-e', 'process.stdout.write(process.env.LC_ALL + " " + process.env.TZ)'], { env: { LC_ALL: 'C', TZ: 'UTC' } });
    expect(r.stdout).toBe('C UTC');
  });

  it('kills a command that runs past its timeout and says so', async () => {
    const started = Date.now();
    const err = await execRunner(node, ['-e', 'setTimeout(() => {}, 30000)'], { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(err).toBeInstanceOf(ExecError);
    expect(err).toMatchObject({ kind: 'timeout', message: `${node}: no answer within 300 ms (killed)` });
  });

  it('rejects output beyond the buffer limit', async () => {
    const err = await execRunner(node, ['-e', 'process.stdout.write("x".repeat(100000))'], { maxBuffer: 1000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'overflow' });
  });

  it('reports a missing command as missing', async () => {
    const err = await execRunner('outflow-no-such-command', []).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'missing', cmd: 'outflow-no-such-command', message: 'outflow-no-such-command: command not found' });
  });
});
