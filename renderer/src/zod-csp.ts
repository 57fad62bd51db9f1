import { z } from 'zod';

// The CSP forbids eval; without this zod probes `new Function` once, which Chromium reports as a
// CSP violation. Imported first by main.tsx so it is set before any schema runs.
z.config({ jitless: true });
