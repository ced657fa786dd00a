// A machine kind's statechart as plain data, read from the XState definition (machine.root):
// the state-node tree with each node's type and outgoing transitions (event → targets).
import type { AnyStateMachine } from 'xstate';

export interface ChartNode {
  /** Path from the root, dot-separated ("attr.shared"); '' for the root. */
  readonly path: string;
  readonly key: string;
  readonly type: string;
  /** XState's `description` of the state node: what the state stands for. */
  readonly description: string | undefined;
  readonly transitions: readonly { readonly event: string; readonly targets: string }[];
  readonly children: readonly ChartNode[];
}

interface NodeLike {
  readonly key: string;
  readonly type: string;
  readonly path: readonly string[];
  readonly description?: string | undefined;
  readonly states: Readonly<Record<string, NodeLike>>;
  readonly transitions: ReadonlyMap<
    string,
    readonly { readonly target?: readonly { readonly path: readonly string[] }[] | undefined }[]
  >;
}

function toChart(node: NodeLike): ChartNode {
  const transitions = [...node.transitions.entries()].map(([event, defs]) => {
    const targets = defs.map((d) =>
      d.target === undefined || d.target.length === 0
        ? '(self)'
        : d.target.map((t) => t.path.join('.')).join(', '),
    );
    return { event, targets: [...new Set(targets)].join(' | ') };
  });
  return {
    path: node.path.join('.'),
    key: node.key,
    type: node.type,
    description: node.description,
    transitions,
    children: Object.values(node.states).map(toChart),
  };
}

export function statechart(machine: AnyStateMachine): ChartNode {
  return toChart(machine.root);
}
