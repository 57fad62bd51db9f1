// Serves dist/renderer over app://outflow/ with a strict CSP on every response. Pure request → Response
// logic lives in `respondAppRequest`, so it is tested with real files and real Request objects.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { APP_HOST, APP_SCHEME } from './app-origin';
import type { ProtocolLike } from './electron-shape';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/**
 * Registered before `app.ready`: standard + secure give a real origin and a secure context; nothing
 * bypasses CSP. corsEnabled: Vite emits `<script type="module" crossorigin>`, which is a CORS request
 * even to our own origin.
 */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  codeCache: true,
  bypassCSP: false,
  corsEnabled: true,
  allowServiceWorkers: false,
  stream: false,
} as const;

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export function securityHeaders(contentType: string): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-cache',
  };
}

export type ResolvedAppPath = { ok: true; file: string } | { ok: false; status: 400 | 403 | 404 };

/**
 * Map an app:// URL to a file under `rootDir`, refusing anything that could leave it: other hosts,
 * undecodable or NUL/backslash-bearing paths, and any path that resolves outside the root after decoding.
 */
export function resolveAppPath(rootDir: string, rawUrl: string): ResolvedAppPath {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { ok: false, status: 400 };
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.hostname !== APP_HOST || url.port !== '' || url.username !== '' || url.password !== '') {
    return { ok: false, status: 403 };
  }
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return { ok: false, status: 400 };
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return { ok: false, status: 400 };
  if (pathname === '/' || pathname === '') pathname = '/index.html';
  const root = path.resolve(rootDir);
  const file = path.resolve(root, `.${path.posix.normalize(pathname)}`);
  const rel = path.relative(root, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return { ok: false, status: 403 };
  // Dotfiles are never part of the build output.
  if (rel.split(path.sep).some((part) => part.startsWith('.'))) return { ok: false, status: 404 };
  return { ok: true, file };
}

function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: securityHeaders('text/plain; charset=utf-8') });
}

export async function respondAppRequest(rootDir: string, request: { url: string; method: string }): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'method not allowed');
  const resolved = resolveAppPath(rootDir, request.url);
  if (!resolved.ok) return plain(resolved.status, resolved.status === 404 ? 'not found' : 'refused');
  try {
    const info = await stat(resolved.file);
    if (!info.isFile()) return plain(404, 'not found');
    const body = request.method === 'HEAD' ? null : await readFile(resolved.file);
    const type = MIME[path.extname(resolved.file).toLowerCase()] ?? 'application/octet-stream';
    return new Response(body, { status: 200, headers: securityHeaders(type) });
  } catch {
    return plain(404, 'not found');
  }
}

/** Must run before `app.whenReady()` resolves. */
export function registerAppScheme(protocol: Pick<ProtocolLike, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } }]);
}

export function serveApp(protocol: Pick<ProtocolLike, 'handle'>, rootDir: string): void {
  protocol.handle(APP_SCHEME, (request) => respondAppRequest(rootDir, request));
}
