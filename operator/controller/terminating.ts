// Namespaces being deleted: the apiserver refuses every create there (403, NamespaceTerminating).
// A teardown shows first as the operator's own Secrets being deleted: the next reconcile then reads
// the namespace before it issues anything. Once a reconcile finds it terminating or meets that refusal, the namespace's configs are left alone (no re-create attempts,
// no retries, no log lines) until a config is created there again, which proves the namespace is
// back: creating anything in a terminating namespace is refused. Deletions still run (finalizers).

/** The apiserver's refusal to create in a namespace that is being deleted. */
export function isNamespaceTerminating(err: unknown): boolean {
  const e = err as { code?: unknown; body?: unknown } | undefined;
  if (e?.code !== 403) return false;
  const body = typeof e.body === 'string' ? e.body : JSON.stringify(e.body ?? '');
  return body.includes('NamespaceTerminating') || body.includes('because it is being terminated');
}

export class TerminatingNamespaces {
  private readonly since = new Map<string, number>();
  private readonly suspect = new Set<string>();

  /** An owned Secret was deleted there: the next reconcile looks at the namespace before issuing. */
  suspectAt(namespace: string): void {
    this.suspect.add(namespace);
  }

  /** Whether to look (once per suspicion). */
  checkFirst(namespace: string): boolean {
    return this.suspect.delete(namespace);
  }

  /** Marks the namespace; true the first time (so it is logged once). */
  mark(namespace: string, at: number): boolean {
    if (this.since.has(namespace)) return false;
    this.since.set(namespace, at);
    return true;
  }

  has(namespace: string): boolean {
    return this.since.has(namespace);
  }

  /** A config created after the mark: the namespace was deleted and made again. */
  created(namespace: string, creationTimestamp: string | Date | undefined): void {
    const at = this.since.get(namespace);
    if (at === undefined || creationTimestamp === undefined) return;
    if (new Date(creationTimestamp).getTime() >= at - 1000) this.since.delete(namespace);
  }
}
