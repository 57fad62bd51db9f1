import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The renderer is a static bundle served from app:// (Electron) or by `outflow serve`: relative
// asset paths, no remote anything. JSX is compiled by Vite's built-in Oxc transform (React 17+
// automatic runtime), so no React plugin is needed.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: false,
    // A lone stylesheet (no per-chunk CSS injection at runtime, which would need inline style tags).
    cssCodeSplit: false,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 900,
  },
  server: { host: '127.0.0.1', strictPort: false },
});
