import { z } from 'zod';
import { fleetSettingsSchema } from './fleet-settings';

// One schema gives the defaults, validates `settings.set` from every transport, and types the result.
export const settingsSchema = z
  .object({
    /** Poll interval while traffic flows. */
    pollMs: z.number().int().min(250).max(60_000).default(1000),
    /** Poll interval when nothing moved for a while. A connection that lives longer than this is
     * attributed to its process; shorter ones are still counted (destroy events), by user unless
     * precise mode runs. */
    idlePollMs: z.number().int().min(250).max(300_000).default(2000),
    /** Individual connections (the `flows` table) are kept this long: a busy workstation records
     * ~440 000 a day, more than every roll-up together. Older traffic survives in the hourly and daily
     * totals per app and destination (bench/db-size.js). */
    retentionDays: z.number().int().min(1).max(3650).default(3),
    /** Hourly roll-ups (per app × destination, and per app) are kept this long. */
    hourlyRetentionDays: z.number().int().min(1).max(3650).default(90),
    /** Daily roll-ups (per app × destination) are kept this long: the long-range history. */
    dailyRetentionDays: z.number().int().min(1).max(3650).default(730),
    includeLoopback: z.boolean().default(false),
    /** Price of one GB (10^9 bytes) of internet egress. */
    costPerGb: z.number().min(0).max(1000).default(0.09),
    currency: z.string().regex(/^[A-Z]{3}$/).default('USD'),
    notifyNewApp: z.boolean().default(true),
    notifyNewDestination: z.boolean().default(true),
    notifySpike: z.boolean().default(true),
    notifyBlocked: z.boolean().default(true),
    notifyChangedBinary: z.boolean().default(true),
    notifyEnforcementLost: z.boolean().default(true),
    /** Record, do not notify, for this long after first start. */
    learningMinutes: z.number().int().min(0).max(10_080).default(60),
    spikeMb: z.number().min(1).max(1_000_000).default(100),
    spikeMinutes: z.number().int().min(1).max(1440).default(5),
    /** Spike also when an app sends this many times its usual rate for the hour. */
    spikeFactor: z.number().min(1.5).max(1000).default(10),
    /** One alert per app and kind within this window; repeats raise its count. */
    coalesceMinutes: z.number().int().min(1).max(1440).default(10),
    maxNotificationsPerMinute: z.number().int().min(1).max(120).default(5),
    /** Quiet hours as local "HH:MM" strings; null = none. */
    quietStart: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/).nullable().default(null),
    quietEnd: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/).nullable().default(null),
    mutedAppIds: z.array(z.number().int().positive()).max(10_000).default([]),
    /** Forwarding of flow summaries and alerts to OTLP/syslog (off by default; docs/fleet-export.md). */
    fleet: fleetSettingsSchema.prefault({}),
    closeToTray: z.boolean().default(true),
    startAtLogin: z.boolean().default(false),
  })
  .strict();

export type Settings = z.infer<typeof settingsSchema>;
/**
 * A patch names only the settings it changes. Built from the fields without their defaults: zod's
 * `.partial()` keeps inner defaults, which would reset every unnamed setting.
 */
export const settingsPatchSchema = z
  .object(
    Object.fromEntries(
      Object.entries(settingsSchema.shape).map(([k, v]) => [k, (v instanceof z.ZodDefault || v instanceof z.ZodPrefault ? v.unwrap() : v).optional()]),
    ),
  )
  .strict() as unknown as z.ZodType<Partial<Settings>, Partial<z.input<typeof settingsSchema>>>;
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;
export const defaultSettings: Settings = settingsSchema.parse({});
