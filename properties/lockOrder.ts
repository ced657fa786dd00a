// Lock-order properties (docs/designs-and-flaws.md F30, L-Fault, L-Convert). Thread machines
// tag their states with the locks they hold ('holds:<lock>:<mode>') and the one their next
// step waits for ('wants:<lock>:<mode>'); lock machines are rwsem (modes r, w), srcu (mode r
// for readers, sync for synchronize_srcu) and memslot (mode invalid held by the deleter,
// valid wanted by a fault that retries until the slot is usable).
import type { AnyMachineSnapshot } from 'xstate';
import { always, deadlockFree, possibly, type Property, type WorldView } from '../src/index.js';

interface Thread {
  readonly id: string;
  readonly holds: readonly string[];
  readonly wants: string | undefined;
}

function threadOf(id: string, s: AnyMachineSnapshot): Thread {
  const tags = [...s.tags];
  const wants = tags.find((t) => t.startsWith('wants:'))?.slice('wants:'.length);
  return {
    id,
    holds: tags.filter((t) => t.startsWith('holds:')).map((t) => t.slice('holds:'.length)),
    wants,
  };
}

/** Whether the lock in state `lock` refuses `mode` now, and which held or queued modes block it. */
function blockers(lock: AnyMachineSnapshot, mode: string): readonly string[] | undefined {
  const c = lock.context as { readers?: number; writer?: boolean; waiting?: number; reader?: string };
  switch (mode) {
    case 'r':
      return c.writer === true || (c.waiting ?? 0) > 0 ? ['holds:w', 'wants:w'] : undefined;
    case 'w':
      return (c.readers ?? 0) > 0 || c.writer === true ? ['holds:r', 'holds:w'] : undefined;
    case 'sync':
      return c.reader === 'old' ? ['holds:r'] : undefined;
    case 'valid':
      return lock.matches('invalid') ? ['holds:invalid'] : undefined;
    default:
      return undefined;
  }
}

/** Waits-for edges: thread → threads holding (or queued for) what its next step needs. */
function waitsFor(w: WorldView, threads: readonly Thread[]): Map<string, string[]> {
  const edges = new Map<string, string[]>();
  for (const t of threads) {
    if (t.wants === undefined) continue;
    const cut = t.wants.lastIndexOf(':');
    const lock = t.wants.slice(0, cut);
    const block = blockers(w.get(lock), t.wants.slice(cut + 1));
    if (block === undefined) continue;
    const by = threads.filter(
      (u) =>
        u.id !== t.id &&
        block.some((b) => {
          const [kind, mode] = b.split(':') as [string, string];
          return kind === 'holds' ? u.holds.includes(`${lock}:${mode}`) : u.wants === `${lock}:${mode}`;
        }),
    );
    edges.set(
      t.id,
      by.map((u) => u.id),
    );
  }
  return edges;
}

function hasCycle(edges: ReadonlyMap<string, readonly string[]>): boolean {
  const state = new Map<string, 'open' | 'done'>();
  const visit = (n: string): boolean => {
    if (state.get(n) === 'done') return false;
    if (state.get(n) === 'open') return true;
    state.set(n, 'open');
    const cyclic = (edges.get(n) ?? []).some(visit);
    state.set(n, 'done');
    return cyclic;
  };
  return [...edges.keys()].some(visit);
}

const threadsOf = (w: WorldView, kinds: readonly string[]): Thread[] =>
  kinds.flatMap((k) => w.ids(k).map((id) => threadOf(id, w.get(id))));

/**
 * No cycle in the waits-for graph of the thread machines of `kinds` (lockdep's AB-BA).
 * Premise: the threads contend, i.e. some thread waits for a lock (or state) another holds.
 */
export const noLockCycle = (kinds: readonly string[]): Property =>
  always(
    'no-lock-cycle',
    'no threads wait for each other in a cycle, each for a lock (or state) the next one holds: a deadlock, or a livelock when one of them retries (F30, L-Fault)',
    (w) => !hasCycle(waitsFor(w, threadsOf(w, kinds))),
    { premise: (w) => [...waitsFor(w, threadsOf(w, kinds)).values()].some((by) => by.length > 0) },
  );

/** L-Fault as a graph property: no reachable state is stuck (a retry loop counts as stuck). */
export const lockOrderDeadlockFree = (): Property =>
  deadlockFree('deadlock-free', 'every reachable state has a successor other than itself (F30, L-Fault)');

/**
 * AG EF: from every reachable state, every thread of machine kind `kind` can still reach its
 * program state `state` (vacuous when the variant has no such thread).
 */
export const canReachStep = (name: string, kind: string, state: string, what: string): Property =>
  possibly(name, `from every reachable state ${what} can still happen (F30, L-Fault)`, {
    state: (w) => w.ids(kind).every((id) => w.get(id).matches(state)),
  });
