/**
 * Refuses a filter that names a field the event or the lead does not have (`lead.stagee`), with the
 * nearest declared name. Every way of naming a field is checked — `a.b`, `a.?b`, `a["b"]`, `a[?"b"]`,
 * inside `has()` too — on paths from `event` and `lead` through their declared object types
 * (rule-schema.ts), and on names `cel.bind` gives them. Map fields (`extra`, `changes`) and `payload`
 * take any key. A name a comprehension binds (`list.exists(lead, …)`) hides the variable inside it.
 */
import type { ASTNode } from '@marcbachmann/cel-js';
import { DECLARED_VARIABLES, objectOf, type ObjectDecl } from './rule-schema.js';

/** A field the declared type does not have, where it is named (0-based offset of the name). */
export interface UnknownField {
  message: string;
  offset: number;
}

/**
 * Comprehension macros: they bind their leading bare identifiers but the last argument (`exists(x, …)`,
 * `exists(k, v, …)`) to elements of a list or map, of no declared type (`cel.bind` is handled apart).
 */
const COMPREHENSIONS = new Set(['all', 'exists', 'exists_one', 'map', 'filter', 'transformList', 'transformMap']);

/** Edit distance (insert, delete, substitute one character), case-insensitive. */
function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let row = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const next = [i];
    for (let j = 1; j <= y.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[y.length]!;
}

/**
 * The declared field nearest to `name` (first declared on a tie), or null when none is near: more
 * edits away than two or a third of the name.
 */
export function nearestField(type: ObjectDecl, name: string): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const field of Object.keys(type.fields)) {
    const d = editDistance(name, field);
    if (d < bestDistance) [best, bestDistance] = [field, d];
  }
  return best;
}

function unknownField(path: string, type: ObjectDecl, name: string, offset: number): UnknownField {
  const nearest = nearestField(type, name);
  const hint = nearest === null ? `its fields are ${Object.keys(type.fields).join(', ')}` : `did you mean \`${nearest}\`?`;
  return { message: `${path} has no field \`${name}\`; ${hint}`, offset };
}

/** A node whose value has a declared object type, with the path the filter reached it by. */
interface Typed {
  type: ObjectDecl;
  path: string;
}

/** Names bound around a node (by comprehensions or `cel.bind`), with their declared type if known. */
type Scope = ReadonlyMap<string, Typed | null>;

class FieldChecker {
  found: UnknownField | null = null;

  /** Check `node` and everything under it; the declared type of its value when it has one. */
  visit(node: ASTNode, scope: Scope): Typed | null {
    if (this.found !== null) return null;
    switch (node.op) {
      case 'id': {
        if (scope.has(node.args)) return scope.get(node.args) ?? null;
        const type = DECLARED_VARIABLES[node.args];
        return type === undefined ? null : { type, path: node.args };
      }
      case '.':
      case '.?':
        return this.select(this.visit(node.args[0], scope), node.args[1], node.pos);
      case '[]':
      case '[?]': {
        const [target, key] = node.args as [ASTNode, ASTNode];
        const typed = this.visit(target, scope);
        this.visit(key, scope);
        return key.op === 'value' && typeof key.args === 'string' ? this.select(typed, key.args, key.range.start) : null;
      }
      case 'rcall': {
        const [name, receiver, args] = node.args;
        if (name === 'bind' && receiver.op === 'id' && receiver.args === 'cel' && args.length === 3 && args[0]!.op === 'id') {
          const value = this.visit(args[1]!, scope);
          return this.visit(args[2]!, new Map(scope).set(args[0]!.args, value));
        }
        this.visit(receiver, scope);
        this.visitArgs(args, COMPREHENSIONS.has(name) ? args.length - 1 : 0, scope);
        return null;
      }
      case 'call':
        this.visitArgs(node.args[1], 0, scope);
        return null;
      case 'value':
        return null;
      default:
        this.visitChildren(node.args, scope);
        return null;
    }
  }

  /** Arguments of a call: the leading bare identifiers among the first `maxBound` are names it binds. */
  private visitArgs(args: readonly ASTNode[], maxBound: number, scope: Scope): void {
    const inner = new Map(scope);
    let i = 0;
    for (; i < maxBound && args[i]!.op === 'id'; i++) inner.set(args[i]!.args as string, null);
    for (; i < args.length; i++) this.visit(args[i]!, inner);
  }

  private visitChildren(x: unknown, scope: Scope): void {
    if (Array.isArray(x)) for (const y of x) this.visitChildren(y, scope);
    else if (typeof x === 'object' && x !== null && 'op' in x) this.visit(x as ASTNode, scope);
  }

  private select(typed: Typed | null, name: string, offset: number): Typed | null {
    if (typed === null || this.found !== null) return null;
    const field = typed.type.fields[name];
    if (field === undefined) {
      this.found = unknownField(typed.path, typed.type, name, offset);
      return null;
    }
    const inner = objectOf(field);
    return inner === null ? null : { type: inner, path: `${typed.path}.${name}` };
  }
}

/**
 * The first field the expression names on `event` or `lead` (or an object under them) that their
 * declared type does not have, or null.
 *
 * @example
 * findUnknownField(ENV.parse('lead.stagee == "won"').ast)
 * // { message: 'lead has no field `stagee`; did you mean `stage`?', offset: 5 }
 */
export function findUnknownField(ast: ASTNode): UnknownField | null {
  const checker = new FieldChecker();
  checker.visit(ast, new Map());
  return checker.found;
}
