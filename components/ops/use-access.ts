'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, call } from '@/lib/api/client';
import type { Api, BodyOf } from '@/lib/api/contract';
import type { Operation } from '@/lib/ops/types';
import { accessQuery, opsKeys } from '@/lib/query/keys';
import { applyOperation } from '@/lib/query/apply-update';

/** Who is signed in and whether they may act; `why` says why not, in words a person can act on. */
export function useAccess() {
  const { data: access } = useQuery(accessQuery());
  const canAct = access?.mode === 'auth' && access.user?.role === 'operator';
  const why = !access
    ? 'Checking access…'
    : access.mode === 'read-only'
      ? 'This Ringside is read-only (readOnly: true): it has no actions.'
      : access.mode === 'no-operators'
        ? 'No operators are configured, so Ringside is read-only (README: Access control).'
        : !access.user
          ? 'Sign in as an operator to act.'
          : access.user.role !== 'operator'
            ? `${access.user.name} is a viewer; only operators can act.`
            : null;
  return { access, canAct, why, csrf: access?.csrfToken };
}

type ActionName = 'removeMember' | 'addLearner' | 'launchMember' | 'promoteMember' | 'defragment' | 'moveLeader' | 'disarmAlarm' | 'backup' | 'drill' | 'restoreRing';

/** One action of the contract, on this cluster (and member, or backup, for their own routes), with its body. */
export type ActionCall = { [N in ActionName]: { action: N; member?: string; backup?: string; body?: BodyOf<Api[N]> } }[ActionName];

/** Starts an action; the operation it returns goes straight into the operations list. */
export function useAction(cluster: string) {
  const queryClient = useQueryClient();
  const { csrf } = useAccess();
  return useMutation({
    mutationFn: ({ action, member, backup, body }: ActionCall) =>
      // The union of actions widens to one call; each one's body was typed at the call site.
      call(action as 'defragment', {
        params: { name: cluster, ...(member ? { id: member } : {}), ...(backup ? { backup } : {}) } as { name: string },
        body: (body ?? {}) as BodyOf<Api['defragment']>,
        csrf,
      }) as Promise<{ operation: Operation }>,
    onSuccess: ({ operation }) => {
      queryClient.setQueryData<Operation[]>(opsKeys.operations(cluster), (prev) => applyOperation(prev, operation));
    },
    onError: (e) => {
      if (e instanceof ApiError && e.status === 401) void queryClient.invalidateQueries({ queryKey: accessQuery().queryKey });
    },
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: opsKeys.audit(cluster) });
      void queryClient.invalidateQueries({ queryKey: opsKeys.replacement(cluster) });
      void queryClient.invalidateQueries({ queryKey: opsKeys.backups(cluster) });
    },
  });
}
