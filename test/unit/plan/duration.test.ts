import test from 'ava';
import { parseGoDuration } from '../../../operator/plan/duration.js';

const H = 3_600_000;
for (const [s, ms] of [
  ['2160h', 2160 * H],
  ['720h', 720 * H],
  ['90m', 90 * 60_000],
  ['1h30m', 1.5 * H],
  ['1.5h', 1.5 * H],
  ['1h0m30s', H + 30_000],
  ['250ms', 250],
  ['1500us', 2], // rounded to whole milliseconds
  ['0', 0],
] as const) {
  test(`parses ${s}`, (t) => t.is(parseGoDuration(s), ms));
}

for (const s of ['', 'h', '10', '10x', '-1h', '1h 30m', '1d', ' 1h', '1h-']) {
  test(`rejects "${s}" naming the field`, (t) => {
    const err = t.throws(() => parseGoDuration(s, 'spec.certificate.duration'));
    t.regex(err!.message, /^spec\.certificate\.duration: ".*" is not a Go duration; write e\.g\. 2160h/);
  });
}
