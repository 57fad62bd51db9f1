// Tests that need root, nft, Chromium or another OS facility may skip on a user's laptop, saying why;
// under CI (CI=true) a missing facility is a failure, never a silent skip.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { addonPath } from '../../electron/collector/sockdiag';

export const inCI = process.env.CI === 'true';

/** Returns null when everything is present, else the reason. Throws under CI. */
export type Need = 'root' | 'netns' | 'nft' | 'chromium' | 'bpftrace' | 'conntrack' | 'shellcheck' | 'xmllint' | 'lsof' | 'build-tools' | 'sockdiag';

export function missing(needs: Need[]): string | null {
  const reasons: string[] = [];
  for (const need of needs) {
    const reason = check(need);
    if (reason) reasons.push(reason);
  }
  if (reasons.length === 0) return null;
  const why = reasons.join('; ');
  if (inCI) throw new Error(`required under CI but missing: ${why}`);
  console.warn(`[skip] ${why}`);
  return why;
}

function check(need: string): string | null {
  switch (need) {
    case 'root':
      return process.getuid?.() === 0 ? null : 'needs root (run the tests as root, e.g. in CI)';
    case 'netns':
      return hasCommand('ip', ['netns', 'list']) ? null : 'needs iproute2 `ip netns` (apt-get install iproute2)';
    case 'nft':
      return hasCommand('nft', ['--version']) ? null : 'needs nftables (apt-get install nftables)';
    case 'chromium':
      return existsSync('/usr/bin/chromium') ? null : 'needs Debian Chromium at /usr/bin/chromium (apt-get install chromium)';
    case 'bpftrace':
      return hasCommand('bpftrace', ['--version']) ? null : 'needs bpftrace (apt-get install bpftrace)';
    case 'conntrack':
      return hasCommand('conntrack', ['--version']) ? null : 'needs conntrack (apt-get install conntrack)';
    case 'shellcheck':
      return hasCommand('shellcheck', ['--version']) ? null : 'needs shellcheck (apt-get install shellcheck)';
    case 'xmllint':
      return hasCommand('xmllint', ['--version']) ? null : 'needs xmllint (apt-get install libxml2-utils)';
    case 'lsof':
      return hasCommand('lsof', ['-v']) ? null : 'needs lsof (apt-get install lsof)';
    case 'sockdiag':
      return existsSync(addonPath()) ? null : `needs the sock_diag addon (${addonPath()}): npm run build, with python3, make and a C compiler`;
    case 'build-tools':
      return hasCommand('make', ['--version']) && hasCommand('g++', ['--version']) ? null : 'needs make and g++ (apt-get install build-essential)';
    default:
      return `unknown requirement ${need}`;
  }
}

function hasCommand(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}
