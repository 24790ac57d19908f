// The one wait helper of the tests: poll a condition until it holds or a deadline passes. Tests
// wait on signals with it, never on fixed sleeps.

/**
 * Polls `fn` every `everyMs` until it returns a truthy value, which it returns. Errors thrown by
 * `fn` count as "not yet"; the last one is in the timeout error.
 */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false | null> | T | undefined | false | null, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String((lastError as Error).message ?? lastError)}` : ''}`);
}
