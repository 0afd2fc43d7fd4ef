// `backup create` flags turned into a BackupSpec (pure).

import type { BackupSpec, LabelSelector, LabelSelectorRequirement } from "@livesync/api";
import { UsageError } from "./common.js";

const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/**
 * kubectl's equality-based selector: "k=v,k2==v2,k3!=v3,k4,!k5" (set-based expressions are for
 * the Backup's labelSelector in YAML). Throws a UsageError naming the bad term.
 */
export function parseSelector(text: string): LabelSelector {
  const matchLabels: Record<string, string> = {};
  const matchExpressions: LabelSelectorRequirement[] = [];
  for (const raw of text.split(",")) {
    const term = raw.trim();
    const m = /^(!?)([^=!]+?)\s*(?:(==|=|!=)\s*(.*))?$/.exec(term);
    const [, not, key = "", op, value = ""] = m ?? [];
    if (!m || !LABEL_KEY.test(key) || (not && op) || !LABEL_VALUE.test(value)) {
      throw new UsageError(`--selector: cannot read "${term}" (expected k=v, k!=v, k or !k)`);
    }
    if (op === "=" || op === "==") matchLabels[key] = value;
    else if (op === "!=") matchExpressions.push({ key, operator: "NotIn", values: [value] });
    else matchExpressions.push({ key, operator: not ? "DoesNotExist" : "Exists" });
  }
  return {
    ...(Object.keys(matchLabels).length ? { matchLabels } : {}),
    ...(matchExpressions.length ? { matchExpressions } : {}),
  };
}

/** "a,b" → ["a", "b"]; undefined when the flag is absent. */
export function namespaceList(flag: string | undefined, name: string): string[] | undefined {
  if (flag === undefined) return undefined;
  const list = flag.split(",").map((s) => s.trim());
  const bad = list.find((ns) => !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns) || ns.length > 63);
  if (bad !== undefined) throw new UsageError(`--${name}: "${bad}" is not a namespace name`);
  return list;
}

export interface CreateFlags {
  source: string;
  bucket?: string;
  includeNamespaces?: string;
  excludeNamespaces?: string;
  selector?: string;
  includeClusterResources?: boolean;
  ttl?: string;
  encryptionSecret?: string;
}

/** The Backup spec a non-preset `backup create` asks for. */
export function specFromFlags(f: CreateFlags): BackupSpec {
  const included = namespaceList(f.includeNamespaces, "include-namespaces");
  const excluded = namespaceList(f.excludeNamespaces, "exclude-namespaces");
  return {
    sourceName: f.source,
    ...(f.bucket ? { bucketName: f.bucket } : {}),
    ...(included ? { includedNamespaces: included } : {}),
    ...(excluded ? { excludedNamespaces: excluded } : {}),
    ...(f.selector !== undefined ? { labelSelector: parseSelector(f.selector) } : {}),
    ...(f.includeClusterResources ? { includeClusterResources: true } : {}),
    ...(f.ttl ? { ttl: f.ttl } : {}),
    ...(f.encryptionSecret ? { encryption: { secretName: f.encryptionSecret } } : {}),
  };
}
