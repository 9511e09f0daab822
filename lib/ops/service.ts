import 'server-only';
import { AuditLog } from '../audit/log';
import type { RingsideConfig } from '../config/types';
import { RingsideError } from '../errors';
import { getRegistry } from '../monitor/registry';
import { recordAudit } from '../timeline/service';
import { OperationRunner } from './runner';

export interface OpsState {
  config: RingsideConfig;
  audit: AuditLog;
  runner: OperationRunner;
}

const KEY = Symbol.for('ringside.ops');
type Global = typeof globalThis & { [KEY]?: OpsState };

/** The audit log and the operation runner, once per process (beside the registry's monitors). */
export function getOps(): OpsState {
  const g = globalThis as Global;
  if (!g[KEY]) {
    const { config, monitors } = getRegistry();
    if (config.kind !== 'ok') throw new RingsideError('NOT_FOUND', 'Ringside has no configuration');
    const audit = new AuditLog(config.config.auditFile);
    const runner = new OperationRunner(audit, (op) => monitors.get(op.cluster)?.notify({ type: 'operation', operation: structuredClone(op) }), recordAudit);
    g[KEY] = { config: config.config, audit, runner };
  }
  return g[KEY];
}
