import { z } from 'zod';

// The one schema for a rule the user asks for, used by the CLI, the HTTP/WS API and IPC.
// Target validation (addresses, CIDR, hostnames, hostile input) lives in ./validate-target.ts.
// NOTE: the firewall work (issue #3) hardens this file; keep its exported names.
export const ruleInputSchema = z
  .object({
    target: z.string().min(1).max(300),
    proto: z.enum(['tcp', 'udp']).nullable().optional(),
    /** "443" or "8000-8080". */
    port: z.string().max(11).nullable().optional(),
    appPath: z.string().min(1).max(4096).nullable().optional(),
    action: z.enum(['block', 'allow']).default('block'),
    /** Lifetime in milliseconds from now; omitted = until removed. */
    forMs: z.number().int().min(1000).max(366 * 24 * 3600 * 1000).nullable().optional(),
    untilRestart: z.boolean().default(false),
    note: z.string().max(1000).default(''),
    /** Required to block everything (0.0.0.0/0, ::/0, any). */
    force: z.boolean().default(false),
  })
  .strict();

export type RuleInput = z.input<typeof ruleInputSchema>;
