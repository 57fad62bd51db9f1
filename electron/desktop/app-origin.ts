// The renderer is served from app://outflow/ (a privileged, standard, secure custom scheme), never
// file://: it gets a real origin that CSP 'self', the IPC sender check and the navigation guard can name,
// and a page cannot read arbitrary files by URL.

export const APP_SCHEME = 'app';
export const APP_HOST = 'outflow';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

/** A renderer route in the location hash, e.g. `#/alerts?id=12`. */
export type HashRoute = `#/${string}`;

const ROUTE_RE = /^#\/[A-Za-z0-9\-._~/?=&%]{0,200}$/;

export function isHashRoute(value: unknown): value is HashRoute {
  return typeof value === 'string' && ROUTE_RE.test(value);
}

/** The entry URL, optionally opened at a route. */
export function appUrl(route?: HashRoute): string {
  if (route === undefined) return APP_ENTRY;
  if (!isHashRoute(route)) throw new Error(`appUrl: not a hash route: ${JSON.stringify(route)}`);
  return `${APP_ENTRY}${route}`;
}

/**
 * Whether `raw` is a URL of our app origin. Compared by parts: Node's WHATWG URL reports origin "null"
 * for non-special schemes, so `new URL(x).origin === APP_ORIGIN` would never match.
 */
export function isAppUrl(raw: unknown): boolean {
  if (typeof raw !== 'string' || raw.length > 8192) return false;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return url.protocol === `${APP_SCHEME}:` && url.hostname === APP_HOST && url.port === '' && url.username === '' && url.password === '';
}

/** Routes the main process opens (notification click, tray menu); the renderer handles them on `hashchange`. */
export const routes = {
  alerts: '#/alerts' as HashRoute,
  alert: (id: number): HashRoute => {
    if (!Number.isSafeInteger(id) || id <= 0) throw new Error(`routes.alert: bad id ${id}`);
    return `#/alerts?id=${id}`;
  },
};
