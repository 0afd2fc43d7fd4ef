// What a kind-specific rule may say about an object, and small readers for the untyped JSON
// of Kubernetes objects the rules inspect.

import type { KubeObject } from "../types.js";
import { isRecord } from "../util.js";

/** The rules of one kind (or of a whole group): looked up by group and kind, see index.ts. */
export interface KindRule {
  /**
   * Why this object must not be replicated, or undefined when it may be. Called after the
   * rules every object obeys (a name, not a copy, not cluster-local, not being deleted, not
   * owned by a controller), so a rule only says what is special about its kind.
   */
  skip?(obj: KubeObject): string | undefined;
  /**
   * Drops what only makes sense in the source cluster from the copy, in place. The copy has
   * no status and only portable metadata (see metadata.ts) by then.
   */
  rewrite?(copy: KubeObject): void;
}

/** Rules by "<group>/<Kind>" ("/Pod", "batch/Job"), or "<group>/*" for every kind of a group. */
export type KindRules = Readonly<Record<string, KindRule>>;

export type Obj = Record<string, unknown>;

export function rec(v: unknown): Obj | undefined {
  return isRecord(v) ? v : undefined;
}
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}
