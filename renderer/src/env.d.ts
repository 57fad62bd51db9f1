// Vite bundles imported stylesheets; for the type-checker they are side-effect-only modules.
declare module '*.css';
