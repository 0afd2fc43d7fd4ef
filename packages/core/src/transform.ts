// RFC 6902 transformations (LiveSynchronization `transformation.patch`, recovery `fromPatch`).

import jsonpatch from "fast-json-patch";
import type { KubeObject, PatchOperation } from "./types.js";
import { deepClone, isRecord } from "./util.js";

export type PatchResult = { ok: true; object: KubeObject } | { ok: false; error: string };

/** fast-json-patch error names rendered for users (the library's messages are verbose). */
const MESSAGES: Record<string, string> = {
  SEQUENCE_NOT_AN_ARRAY: "patch must be a list of operations",
  OPERATION_NOT_AN_OBJECT: "operation is not an object",
  OPERATION_OP_INVALID: "op must be one of add, remove, replace, move, copy, test",
  OPERATION_PATH_INVALID: 'path must be a JSON pointer starting with "/"',
  OPERATION_FROM_REQUIRED: "from is required for move and copy",
  OPERATION_VALUE_REQUIRED: "value is required for add, replace and test",
  OPERATION_VALUE_CANNOT_CONTAIN_UNDEFINED: "value contains undefined",
  OPERATION_PATH_CANNOT_ADD: "cannot add: parent path does not exist",
  OPERATION_PATH_UNRESOLVABLE: "path does not exist",
  OPERATION_FROM_UNRESOLVABLE: "from path does not exist",
  OPERATION_PATH_ILLEGAL_ARRAY_INDEX: "illegal array index",
  OPERATION_VALUE_OUT_OF_BOUNDS: "array index out of bounds",
  TEST_OPERATION_FAILED: "test failed: value differs",
};

function describe(ops: readonly PatchOperation[], index: number): string {
  const op: unknown = ops[index];
  const o = isRecord(op) ? op : {};
  const name = typeof o.op === "string" ? o.op : "?";
  const path = typeof o.path === "string" ? o.path : "?";
  return `patch[${index}] ${name} ${path}`;
}

/** The fields that identify an object: a transformation must not redirect the copy. */
const IDENTITY: [string, (o: unknown) => unknown][] = [
  ["apiVersion", (o) => (isRecord(o) ? o.apiVersion : undefined)],
  ["kind", (o) => (isRecord(o) ? o.kind : undefined)],
  ["metadata.name", (o) => (isRecord(o) && isRecord(o.metadata) ? o.metadata.name : undefined)],
  [
    "metadata.namespace",
    (o) => (isRecord(o) && isRecord(o.metadata) ? o.metadata.namespace : undefined),
  ],
];

/**
 * Applies `ops` to a copy of `obj`. Operations are validated one by one against the document
 * as patched so far; the first failure is reported with its index, op and path, e.g.
 * `patch[0] replace /spec/replicas: path does not exist`. Neither `obj` nor `ops` is mutated,
 * and the result shares no structure with them (an `add` value would otherwise be inserted by
 * reference, and a later edit of the result would change the configured patch).
 */
export function applyPatch(obj: KubeObject, ops: readonly PatchOperation[]): PatchResult {
  if (!Array.isArray(ops)) return { ok: false, error: `patch: ${MESSAGES.SEQUENCE_NOT_AN_ARRAY}` };
  let doc: unknown = deepClone(obj);
  const copies = deepClone(ops) as jsonpatch.Operation[];
  // One operation at a time: fast-json-patch reports index 0 for path errors found while
  // walking the document, so the index comes from this loop instead.
  for (let i = 0; i < copies.length; i++) {
    try {
      doc = jsonpatch.applyOperation(doc, copies[i]!, true, true, true, i).newDocument;
    } catch (err) {
      if (err instanceof jsonpatch.JsonPatchError) {
        const msg = MESSAGES[err.name] ?? err.message.split("\n")[0];
        return { ok: false, error: `${describe(ops, i)}: ${msg}` };
      }
      // The prototype-pollution guard throws a plain TypeError with a long message.
      const text = err instanceof Error ? err.message : String(err);
      const msg = text.includes("__proto__")
        ? "modifying __proto__ or constructor/prototype is not allowed"
        : text;
      return { ok: false, error: `${describe(ops, i)}: ${msg}` };
    }
  }
  for (const [field, get] of IDENTITY) {
    const before = get(obj);
    const after = get(doc);
    if (before !== after) {
      return {
        ok: false,
        error: `patch: must not change ${field} (${JSON.stringify(before)} -> ${JSON.stringify(after)})`,
      };
    }
  }
  if (!isRecord(doc) || !isRecord(doc.metadata)) {
    return { ok: false, error: "patch: result is not a Kubernetes object" };
  }
  return { ok: true, object: doc as KubeObject };
}
