// One line of `bpftrace -f json` output, typed. Unknown or malformed lines come back as such (never
// thrown) so the caller can count them.

export type BpftraceMessage =
  | { kind: 'attached'; probes: number }
  | { kind: 'printf'; text: string }
  | { kind: 'map'; name: string; entries: Array<[string, number]> }
  | { kind: 'scalar'; name: string; value: number }
  | { kind: 'lost'; events: number }
  | { kind: 'other'; type: string }
  | { kind: 'invalid'; reason: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function count(v: unknown): number | null {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null;
}

export function parseBpftraceLine(line: string): BpftraceMessage {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    return { kind: 'invalid', reason: 'not JSON' };
  }
  if (!isRecord(doc) || typeof doc.type !== 'string') return { kind: 'invalid', reason: 'no type' };
  const data = doc.data;
  switch (doc.type) {
    case 'attached_probes': {
      const probes = isRecord(data) ? count(data.probes) : null;
      return probes === null ? { kind: 'invalid', reason: 'attached_probes without count' } : { kind: 'attached', probes };
    }
    case 'printf':
      return typeof data === 'string' ? { kind: 'printf', text: data } : { kind: 'invalid', reason: 'printf without text' };
    case 'lost_events': {
      const events = isRecord(data) ? count(data.events) : null;
      return events === null ? { kind: 'invalid', reason: 'lost_events without count' } : { kind: 'lost', events };
    }
    case 'map': {
      if (!isRecord(data)) return { kind: 'invalid', reason: 'map without data' };
      const names = Object.keys(data);
      if (names.length !== 1) return { kind: 'invalid', reason: 'map message with several maps' };
      const name = names[0]!;
      const body = data[name];
      const scalar = count(body);
      if (scalar !== null) return { kind: 'scalar', name, value: scalar };
      if (!isRecord(body)) return { kind: 'invalid', reason: `map ${name} is not a keyed map of counts` };
      const entries: Array<[string, number]> = [];
      for (const [k, v] of Object.entries(body)) {
        const n = count(v);
        if (n === null) return { kind: 'invalid', reason: `map ${name} has a non-count value` };
        entries.push([k, n]);
      }
      return { kind: 'map', name, entries };
    }
    default:
      return { kind: 'other', type: doc.type };
  }
}

/** Counts from a text-mode "Lost N events" warning (bpftrace writes some warnings to stderr). */
export function lostEventsInText(text: string): number {
  let total = 0;
  for (const m of text.matchAll(/Lost (\d{1,15}) events/g)) total += Number(m[1]);
  return total;
}
