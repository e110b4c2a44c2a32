/**
 * A static upper estimate of what evaluating a filter costs, read from its syntax tree before it is
 * accepted. Each node costs 1; a comprehension (`all`, `exists`, `exists_one`, `map`, `filter`) runs
 * its body once per element of its range, so nesting multiplies. A range written as a list or map
 * literal has its known size; any other range (`payload.items`, a variable) is assumed to hold
 * {@link UNKNOWN_RANGE_SIZE} elements. The unit is about one step of the CEL evaluator: 5 million
 * run in roughly 100 ms on one core.
 */
import type { ASTNode } from '@marcbachmann/cel-js';

/** Elements assumed in a range whose size the syntax does not show. */
export const UNKNOWN_RANGE_SIZE = 1000;
/** Most estimated steps accepted for one filter. */
export const MAX_FILTER_COST = 5_000_000;

const COMPREHENSIONS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

interface Estimate {
  /** Evaluation steps, at most. */
  cost: number;
  /** Elements when the node is a list or map of known size, else null. */
  size: number | null;
}

function isNode(x: unknown): x is ASTNode {
  return typeof x === 'object' && x !== null && 'op' in x && 'args' in x;
}

/** Every syntax node among a node's operands, in order (operands nest in arrays: call arguments, map entries). */
function childrenOf(node: ASTNode): ASTNode[] {
  const out: ASTNode[] = [];
  const visit = (x: unknown): void => {
    if (isNode(x)) out.push(x);
    else if (Array.isArray(x)) for (const y of x) visit(y);
    else if (typeof x === 'object' && x !== null) for (const y of Object.values(x)) visit(y);
  };
  if (node.op !== 'value' && node.op !== 'id') visit(node.args);
  return out;
}

function sum(nodes: readonly ASTNode[]): number {
  let total = 0;
  for (const n of nodes) total += estimate(n).cost;
  return total;
}

function estimate(node: ASTNode): Estimate {
  switch (node.op) {
    case 'value':
    case 'id':
      return { cost: 1, size: null };
    case 'list':
      return { cost: 1 + sum(node.args), size: node.args.length };
    case 'map':
      return { cost: 1 + sum(childrenOf(node)), size: node.args.length };
    case 'rcall': {
      const [name, receiver, args] = node.args;
      if (COMPREHENSIONS.has(name) && args.length >= 2 && args[0]?.op === 'id') {
        const range = estimate(receiver);
        const perElement = 1 + sum(args.slice(1));
        const size = range.size ?? UNKNOWN_RANGE_SIZE;
        return { cost: 1 + range.cost + size * perElement, size: name === 'map' || name === 'filter' ? range.size : null };
      }
      return { cost: 1 + sum(childrenOf(node)), size: null };
    }
    case '+': {
      const [left, right] = node.args.map(estimate) as [Estimate, Estimate];
      const size = left.size !== null && right.size !== null ? left.size + right.size : null;
      return { cost: 1 + left.cost + right.cost, size };
    }
    case '?:': {
      const [test, yes, no] = node.args.map(estimate) as [Estimate, Estimate, Estimate];
      const size = yes.size !== null && no.size !== null ? Math.max(yes.size, no.size) : null;
      return { cost: 1 + test.cost + Math.max(yes.cost, no.cost), size };
    }
    default:
      return { cost: 1 + sum(childrenOf(node)), size: null };
  }
}

/**
 * Estimated evaluation steps of a parsed filter, at most.
 *
 * @example
 * filterCost(env.parse('payload.items.exists(i, i.price > 5)').ast)   // 1 + 2 + 1000 × 5 = 5003
 */
export function filterCost(ast: ASTNode): number {
  return estimate(ast).cost;
}
