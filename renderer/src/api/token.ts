// The browser transport's token arrives in the URL fragment (never sent to the server or logged),
// is kept in sessionStorage (gone with the tab) and removed from the address bar so it is not
// bookmarked, shared in a screenshot or left in history.

export const TOKEN_KEY = 'outflow.token';
// RFC 7230 token characters: it is sent inside the Sec-WebSocket-Protocol header.
const TOKEN_RE = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{8,512}$/;

export interface TokenEnv {
  location: { hash: string; pathname: string; search: string };
  history: { replaceState(data: unknown, unused: string, url: string): void };
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
}

export function isValidToken(token: string): boolean {
  return TOKEN_RE.test(token);
}

/** Take the token from `#token=…` if present (and scrub it from the URL), else from sessionStorage. */
export function takeToken(env: TokenEnv): string | null {
  const hash = env.location.hash.replace(/^#/, '');
  const params = new URLSearchParams(hash);
  const fromHash = params.get('token');
  if (fromHash !== null) {
    params.delete('token');
    const rest = params.toString();
    env.history.replaceState(null, '', `${env.location.pathname}${env.location.search}${rest ? `#${rest}` : ''}`);
    if (isValidToken(fromHash)) {
      env.storage.setItem(TOKEN_KEY, fromHash);
      return fromHash;
    }
  }
  const stored = env.storage.getItem(TOKEN_KEY);
  if (stored !== null && isValidToken(stored)) return stored;
  if (stored !== null) env.storage.removeItem(TOKEN_KEY);
  return null;
}
