// Kubernetes Events on the HonoTlsConfig: when material is issued or wired, and on failures.
// Messages name objects and reasons only, never key material or passwords.
import { randomBytes } from 'node:crypto';
import type { CoreV1Api } from '@kubernetes/client-node';
import type { HonoTlsConfig } from '../api/v1alpha1.js';
import type { Logger } from '../runtime/logger.js';
import { OPERATOR_NAME } from './names.js';

export type EventType = 'Normal' | 'Warning';

export class EventRecorder {
  constructor(
    private readonly core: CoreV1Api,
    private readonly logger: Logger,
  ) {}

  async record(config: HonoTlsConfig, type: EventType, reason: string, message: string): Promise<void> {
    const now = new Date();
    const { name, namespace, uid, resourceVersion } = config.metadata;
    try {
      await this.core.createNamespacedEvent({
        namespace,
        body: {
          metadata: { name: `${name}.${now.getTime().toString(16)}${randomBytes(3).toString('hex')}`, namespace },
          involvedObject: { apiVersion: config.apiVersion, kind: config.kind, name, namespace, uid, resourceVersion },
          type,
          reason,
          message: message.slice(0, 1024),
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
          source: { component: OPERATOR_NAME },
          reportingComponent: OPERATOR_NAME,
          reportingInstance: OPERATOR_NAME,
        },
      });
    } catch (err) {
      // An event that cannot be written must not fail the reconcile.
      this.logger.warn('event not recorded', { reason, error: String((err as Error).message ?? err).slice(0, 200) });
    }
  }
}
