import 'server-only';
import { RingsideError } from '../errors';
import type { Operation } from '../ops/types';
import type { Ringside } from '../root';

/** The guided operations, or 404 when Ringside has no configuration to run them with. */
export function opsOf(root: Ringside): NonNullable<Ringside['ops']> {
  if (!root.ops) throw new RingsideError('NOT_FOUND', 'Ringside has no configuration');
  return root.ops;
}

/** An action's answer: the operation it started (202); it runs on in the background. */
export async function started(p: Promise<{ operation: Operation }>): Promise<{ operation: Operation }> {
  const { operation } = await p;
  return { operation };
}

/** The capacity work, or 404 when Ringside has no configuration. */
export function capacityOf(root: Ringside): NonNullable<Ringside['capacity']> {
  if (!root.capacity) throw new RingsideError('NOT_FOUND', 'Ringside has no configuration');
  return root.capacity;
}
