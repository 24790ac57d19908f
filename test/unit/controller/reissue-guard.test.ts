// The re-issue floor and loop guard, decided from the history on the Secret alone.
import test from 'ava';
import { DEFAULT_REISSUE_LIMITS, FIRST_ISSUE, decideReissue, readHistory, recordIssue, type IssueRecord } from '../../../operator/controller/reissue-guard.js';
import { caCoverageWarning, renewalTime } from '../../../operator/controller/renewal.js';

const L = DEFAULT_REISSUE_LIMITS;
const T0 = Date.parse('2026-03-01T12:00:00Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const decide = (h: IssueRecord[], gen: number, ms: number) => decideReissue(h, 'subject O (organization) differs', gen, new Date(T0 + ms), L, 'hono-http-tls');

test('no history, or a history of the first issue only: issue', (t) => {
  t.deepEqual(decide([], 1, 0), { issue: true });
  t.deepEqual(decide([{ at: at(-120_000), gen: 1, why: FIRST_ISSUE }], 1, 0), { issue: true });
});

test('the floor holds back a second re-issue within a minute at the same generation, and names the time', (t) => {
  const h = [{ at: at(-10_000), gen: 3, why: 'due for renewal' }];
  const d = decide(h, 3, 0);
  t.false(d.issue);
  if (d.issue) return;
  t.is(d.reason, 'ReissueHeldBack');
  t.is(d.retryAt.toISOString(), new Date(T0 + 50_000).toISOString());
  t.regex(d.message, /re-issue \(subject O \(organization\) differs\) held back until 2026-03-01T12:00:50Z: at most one re-issue per 1 min while the spec is unchanged/);
  t.deepEqual(decide(h, 4, 0), { issue: true }, 'an edit (new generation) goes through at once');
  t.deepEqual(decide(h, 3, 50_000), { issue: true }, 'a minute after the last issue');
});

test('the guard stops the sixth re-issue within an hour, edits included, and resumes as the oldest leaves the window', (t) => {
  const h: IssueRecord[] = [{ at: at(-59 * 60_000), gen: 1, why: FIRST_ISSUE }];
  for (let i = 0; i < 5; i++) h.push({ at: at(-50 * 60_000 + i * 5 * 60_000), gen: 2 + i, why: 'ipAddresses differ (missing: 0:0:0:0:0:0:0:1)' });
  const d = decide(h, 7, 0);
  t.false(d.issue);
  if (d.issue) return;
  t.is(d.reason, 'ReissueLoop');
  t.regex(d.message, /re-issued 5 times within 60 min \(last because ipAddresses differ \(missing: 0:0:0:0:0:0:0:1\); now because subject O \(organization\) differs\)/);
  t.regex(d.message, /remove annotation hono\.eclipse\.org\/issue-history from Secret hono-http-tls/);
  t.is(d.retryAt.toISOString(), at(10 * 60_000));
  t.deepEqual(decide(h, 7, 10 * 60_000 + 1), { issue: true });
});

test('the history keeps what the limits need, survives garbage, and never grows without bound', (t) => {
  let text = '';
  for (let i = 0; i < 50; i++) text = recordIssue(readHistory(text), { at: at(i * 1000), gen: 1, why: 'due for renewal' }, L);
  const h = readHistory(text);
  t.is(h.length, L.maxReissues + 1);
  t.is(h.at(-1)!.at, at(49_000));
  t.true(text.length < 600, `${text.length} characters`);
  t.deepEqual(readHistory('not json'), []);
  t.deepEqual(readHistory('{"at":1}'), []);
  t.deepEqual(readHistory('[{"at":"yesterday","why":"x"},{"at":"2026-01-01T00:00:00Z","why":"y"}]'), [{ at: '2026-01-01T00:00:00Z', why: 'y' }]);
  const old = recordIssue([{ at: at(-2 * 3600_000), gen: 1, why: 'x' }], { at: at(0), gen: 1, why: 'y' }, L);
  t.is(readHistory(old).length, 1, 'entries older than the window are dropped');
});

test('renewal time: renewBefore from notAfter, or 2/3 of the real lifetime when renewBefore does not fit', (t) => {
  const nb = new Date(T0);
  const DAY = 86400_000;
  t.is(renewalTime(nb, new Date(T0 + 90 * DAY), 30 * DAY).getTime(), T0 + 60 * DAY);
  t.is(renewalTime(nb, new Date(T0 + 30 * DAY), 30 * DAY).getTime(), T0 + 20 * DAY, 'renewBefore equal to the lifetime');
  t.is(renewalTime(nb, new Date(T0 + 9 * DAY), 30 * DAY).getTime(), T0 + 6 * DAY);
  t.true(renewalTime(nb, new Date(T0 + 31 * DAY), 30 * DAY).getTime() > T0, 'never before notBefore');
});

test('CaExpiresSoon: a CA that does not cover duration + renewBefore from now is named, with its expiry and the fix', (t) => {
  const DAY = 86400_000;
  const now = new Date(T0);
  t.is(caCoverageWarning(new Date(T0 + 121 * DAY), now, 90 * DAY, 30 * DAY, 'selfSigned'), undefined);
  const w = caCoverageWarning(new Date(T0 + 10 * DAY), now, 90 * DAY, 30 * DAY, 'ca')!;
  t.regex(w, /the CA expires at 2026-03-11T12:00:00Z, sooner than a leaf's duration plus renewBefore \(2160h \+ 720h\) from now/);
  t.regex(w, /spec\.issuer\.ca\.secretName/);
  t.is(caCoverageWarning(new Date(T0 + 10 * DAY), new Date(T0 + 5000), 90 * DAY, 30 * DAY, 'ca'), w, 'the text does not move with the clock');
  t.regex(caCoverageWarning(new Date(T0 + 10 * DAY), now, 90 * DAY, 30 * DAY, 'selfSigned')!, /replaces its own CA by a phased rotation/);
});
