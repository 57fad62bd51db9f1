import type { TickDetector } from './service';

/** First outbound connection of an executable never seen before. */
export const detectNewApps: TickDetector = (outcome, at) =>
  outcome.newApps
    .filter((app) => app.attributed)
    .map((app) => ({
      at,
      kind: 'new-app' as const,
      appId: app.id,
      title: `New app: ${app.name}`,
      detail: `${app.path} made its first connection`,
      dedupeKey: `new-app:${app.id}`,
    }));
