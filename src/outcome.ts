// Outcomes are data: a transition reports a refusal (errno, signal, hardware fault) by
// carrying an `outcome` action, which the engine records and never executes.

/** The outcome of a step that nobody refused. */
export const OK = 'ok';

export interface OutcomeAction {
  readonly type: 'outcome';
  readonly params: { readonly code: string };
}

/** Action object for a transition that completes with `code` (e.g. 'EAGAIN', 'SIGBUS', '#MCE'). */
export function outcome(code: string): OutcomeAction {
  return { type: 'outcome', params: { code } };
}

/** Implementation to register in XState `setup({ actions })`; outcomes are never executed. */
export const outcomeActions = {
  outcome: (_args: unknown, _params: { code: string }): void => undefined,
};

/** The outcome carried by a transition's actions: the first `outcome` action, else OK. */
export function outcomeOf(actions: readonly { type: string; params?: unknown }[]): string {
  for (const a of actions) {
    if (a.type === 'outcome') {
      const params = a.params as { code?: unknown } | undefined;
      if (typeof params?.code === 'string') return params.code;
    }
  }
  return OK;
}
