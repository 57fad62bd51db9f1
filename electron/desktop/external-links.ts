// The only way out of the app to the web: parsed https URLs to hosts on this list, handed to the OS browser.

export const EXTERNAL_HOSTS: readonly string[] = ['github.com'];

/** The normalised URL when it may be opened outside the app, else null. */
export function safeExternalUrl(raw: unknown, hosts: readonly string[] = EXTERNAL_HOSTS): string | null {
  if (typeof raw !== 'string' || raw.length > 2048) return null;
  // The URL parser would quietly trim or drop these; a link that needs them is not one we open.
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || url.port !== '') return null;
  if (!hosts.includes(url.hostname)) return null;
  return url.href;
}

export function openExternalSafely(
  shell: { openExternal(url: string): Promise<void> },
  raw: unknown,
  log: (message: string) => void,
): boolean {
  const url = safeExternalUrl(raw);
  if (url === null) {
    log(`refused to open external URL ${JSON.stringify(String(raw).slice(0, 200))}`);
    return false;
  }
  shell.openExternal(url).catch((err: unknown) => log(`openExternal failed: ${String(err)}`));
  return true;
}
