// The one PowerShell script the Windows backend runs. It is a constant: no value is ever spliced
// into it. Values arrive as a JSON document on stdin (base64 of UTF-8, so the console code page
// cannot mangle a non-ASCII path), are read with ConvertFrom-Json and reach the cmdlets only as
// parameter values — never as script text, so quotes, `;`, `$()` or newlines in a path are inert.
//
// Modes:  read   report group "Outflow" from the ActiveStore (what is enforced right now)
//         apply  remove names listed in `replace`, create missing rules, then remove rules of the
//                group that are not wanted (create before remove: no gap while a rule changes)
//         clear  remove every rule of group "Outflow" (and nothing else)
// Every mode ends by printing the ActiveStore read-back as one JSON object (see windows-parse.ts).
// The script contains no double quotes, so the command line Node builds for -Command needs no
// escaping beyond wrapping it once.
import type { WindowsRuleSpec } from './windows-rules';

export const WINDOWS_FIREWALL_SCRIPT = `$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
try { [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding($false) } catch { }
$group = 'Outflow'
function Read-Outflow {
  $profiles = @(Get-NetFirewallProfile -PolicyStore ActiveStore | ForEach-Object {
    [pscustomobject]@{ Name = [string]$_.Name; Enabled = [string]$_.Enabled; DefaultOutboundAction = [string]$_.DefaultOutboundAction }
  })
  $rules = foreach ($r in @(Get-NetFirewallRule -Group $group -PolicyStore ActiveStore -ErrorAction SilentlyContinue)) {
    $a = $r | Get-NetFirewallAddressFilter
    $p = $r | Get-NetFirewallPortFilter
    $f = $r | Get-NetFirewallApplicationFilter
    [pscustomobject]@{ Name = [string]$r.Name; DisplayName = [string]$r.DisplayName; Group = [string]$r.Group; Enabled = [string]$r.Enabled; Direction = [string]$r.Direction; Action = [string]$r.Action; RemoteAddress = $a.RemoteAddress; Protocol = [string]$p.Protocol; RemotePort = $p.RemotePort; Program = [string]$f.Program }
  }
  [pscustomobject]@{ profiles = $profiles; rules = $rules }
}
try {
  $encoded = [Console]::In.ReadToEnd().Trim()
  $doc = [System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String($encoded)) | ConvertFrom-Json
  if ($doc.version -ne 1) { throw 'unsupported document version' }
  if (@('read', 'apply', 'clear') -notcontains $doc.mode) { throw 'unknown mode' }
  if ($doc.mode -ne 'read') {
    $want = @{}
    if ($doc.mode -eq 'apply') { foreach ($w in @($doc.rules)) { $want[[string]$w.name] = $true } }
    $replace = @{}
    foreach ($n in @($doc.replace)) { $replace[[string]$n] = $true }
    $have = @{}
    foreach ($e in @(Get-NetFirewallRule -Group $group -PolicyStore PersistentStore -ErrorAction SilentlyContinue)) {
      if ($replace.ContainsKey([string]$e.Name)) { $e | Remove-NetFirewallRule } else { $have[[string]$e.Name] = $e }
    }
    if ($doc.mode -eq 'apply') {
      foreach ($w in @($doc.rules)) {
        if ($have.ContainsKey([string]$w.name)) { continue }
        $p = @{ Name = [string]$w.name; DisplayName = [string]$w.displayName; Group = $group; Direction = 'Outbound'; Action = [string]$w.action; Enabled = 'True'; PolicyStore = 'PersistentStore' }
        if ($null -ne $w.remoteAddress) { $p['RemoteAddress'] = [string[]]@($w.remoteAddress) }
        if ($null -ne $w.protocol) { $p['Protocol'] = [string]$w.protocol }
        if ($null -ne $w.remotePort) { $p['RemotePort'] = [string]$w.remotePort }
        if ($null -ne $w.program) { $p['Program'] = [string]$w.program }
        New-NetFirewallRule @p | Out-Null
      }
    }
    foreach ($name in @($have.Keys)) { if (-not $want.ContainsKey($name)) { $have[$name] | Remove-NetFirewallRule } }
  }
  ConvertTo-Json -InputObject (Read-Outflow) -Depth 5 -Compress
  exit 0
} catch {
  [Console]::Error.WriteLine([string]$_.Exception.Message)
  exit 1
}
`;

export type WindowsMode = 'read' | 'apply' | 'clear';

/** The JSON document the script reads from stdin. */
export interface WindowsDocument {
  version: 1;
  mode: WindowsMode;
  rules: Array<{
    name: string;
    displayName: string;
    action: 'Block' | 'Allow';
    remoteAddress: string[] | null;
    protocol: 'TCP' | 'UDP' | null;
    remotePort: string | null;
    program: string | null;
  }>;
  /** Names to delete and create again (a rule edited in place keeps its Name). */
  replace: string[];
}

export const DEFAULT_POWERSHELL = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';

/** The full argv. Constant apart from the executable path: the document goes to stdin. */
export function powershellArgv(): string[] {
  return ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', WINDOWS_FIREWALL_SCRIPT];
}

export function buildDocument(mode: WindowsMode, specs: readonly WindowsRuleSpec[], replace: readonly string[] = []): WindowsDocument {
  return {
    version: 1,
    mode,
    rules: mode === 'apply'
      ? specs.map((s) => ({
          name: s.name,
          displayName: s.displayName,
          action: s.action,
          remoteAddress: s.remoteAddress,
          protocol: s.protocol,
          remotePort: s.remotePort,
          program: s.program,
        }))
      : [],
    replace: [...replace],
  };
}

/** stdin for the script: base64 of the UTF-8 JSON. */
export function encodeDocument(doc: WindowsDocument): string {
  return Buffer.from(JSON.stringify(doc), 'utf8').toString('base64');
}
