// The one PowerShell invocation the Windows collector makes per tick. The script is a constant:
// no value is ever interpolated into it, so nothing from outside can reach the PowerShell parser.
//
// What it prints (one line of pure-ASCII JSON; non-ASCII characters are \uXXXX-escaped so the console
// code page cannot mangle paths):
//   { v: 1,
//     tcp:  [{ LocalAddress, LocalPort, RemoteAddress, RemotePort, State (MSFT_NetTCPConnection enum as
//             a number), OwningProcess, CreationTime (ms since the epoch or null) }],
//     udp:  [{ LocalAddress, LocalPort, OwningProcess, CreationTime }],
//     proc: [{ Id, Path, Name, StartTime (ms or null) }]   -- only the pids that own a socket
//     net:  [{ Name, SentBytes, ReceivedBytes }] }          -- Get-NetAdapterStatistics, machine totals
//
// Quirks handled here and in the parser:
// - ConvertTo-Json writes a one-element pipeline result as an object, not an array: every list is
//   wrapped with @() and passed through -InputObject, and the parser accepts either shape anyway.
// - Windows PowerShell 5.1 serialises some arrays as { value: [...], Count: n } (the System.Array
//   type data); Remove-TypeData drops it, and the parser unwraps it if it is still there.
// - Enums are cast to [int] so 5.1 and 7.x agree; dates are converted to epoch ms in the script
//   because 5.1 prints "\/Date(…)\/" and 7.x prints ISO text.
// - The script holds no double quote, so Windows argv quoting passes it through unchanged.
// - Output goes through [Console]::Out.Write so the host neither wraps nor formats it.

const STATEMENTS = [
  'Remove-TypeData System.Array -ErrorAction SilentlyContinue',
  "$ErrorActionPreference = 'Stop'",
  'function ms($d) { if ($d) { ([DateTimeOffset]$d).ToUnixTimeMilliseconds() } else { $null } }',
  "$t = @(Get-NetTCPConnection -ErrorAction SilentlyContinue | Select-Object LocalAddress, LocalPort, RemoteAddress, RemotePort, @{n='State';e={[int]$_.State}}, OwningProcess, @{n='CreationTime';e={ms $_.CreationTime}})",
  "$u = @(Get-NetUDPEndpoint -ErrorAction SilentlyContinue | Select-Object LocalAddress, LocalPort, OwningProcess, @{n='CreationTime';e={ms $_.CreationTime}})",
  '$ids = @(@($t | ForEach-Object { $_.OwningProcess }) + @($u | ForEach-Object { $_.OwningProcess }) | Sort-Object -Unique)',
  "$p = @(if ($ids.Count -gt 0) { Get-Process -Id $ids -ErrorAction SilentlyContinue | Select-Object Id, Path, Name, @{n='StartTime';e={ try { ms $_.StartTime } catch { $null } }} })",
  '$a = @(Get-NetAdapterStatistics -ErrorAction SilentlyContinue | Select-Object Name, SentBytes, ReceivedBytes)',
  '$j = ConvertTo-Json -InputObject ([ordered]@{ v = 1; tcp = $t; udp = $u; proc = $p; net = $a }) -Compress -Depth 3',
  "[Console]::Out.Write([regex]::Replace($j, '[^\\x00-\\x7f]', { param($m) '\\u{0:x4}' -f [int][char]$m.Value }))",
];

export const WIN_SCRIPT = STATEMENTS.join('; ');

/** powershell.exe by absolute path when SystemRoot is known, so a same-named file on PATH is not run. */
export function powershellPath(systemRoot: string | undefined): string {
  if (systemRoot && /^[A-Za-z]:\\[^"*?<>|\r\n]*$/.test(systemRoot)) {
    return `${systemRoot.replace(/\\+$/, '')}\\System32\\WindowsPowerShell\\v1.0\\powershell.exe`;
  }
  return 'powershell.exe';
}

export function winCommandArgv(): string[] {
  return ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', WIN_SCRIPT];
}
