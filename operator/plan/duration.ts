// Go duration strings (time.ParseDuration), as the CRD accepts them: 2160h, 90m, 1h30m, 1.5h.
// Signs are not accepted (the schema's pattern has none).
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a Go duration; throws an Error naming the field and the expected form. */
export function parseGoDuration(s: string, field = 'duration'): number {
  if (s === '0') return 0;
  const part = /([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/y;
  let ms = 0;
  let pos = 0;
  while (pos < s.length) {
    part.lastIndex = pos;
    const m = part.exec(s);
    if (!m) break;
    ms += Number(m[1]) * UNIT_MS[m[2]!]!;
    pos = part.lastIndex;
  }
  if (s.length === 0 || pos !== s.length) {
    throw new Error(`${field}: "${s}" is not a Go duration; write e.g. 2160h, 90m or 1h30m`);
  }
  return Math.round(ms);
}

/** A Go duration for `ms` (whole hours, minutes or seconds: cert-manager compares them as durations). */
export function formatGoDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}
