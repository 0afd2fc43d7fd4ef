// Connectivity and permission checks of the clusters a LiveSynchronization names, the way
// `kubectl auth can-i` asks: SelfSubjectAccessReviews with the credential of the Secret.
// Read-only suffices on the source (and is what we recommend: livesync never writes there), the
// destination needs writes. Results are cached and refreshed in the background.

import { clusterKubeconfig, type LiveSynchronization } from "@livesync/api";
import { bucketClientFromSpec, bucketCredentials } from "@livesync/bucket";
import type { EngineManifests } from "@livesync/engine";
import { Cluster, UnknownResourceError, type Gvr } from "@livesync/kube";
import { digest } from "./desired.js";
import { keyOf, nsOf, type RawObject } from "./objects.js";

const READ = ["get", "list", "watch"] as const;
const WRITE = ["create", "update", "patch", "delete"] as const;
const REFRESH_MS = 60_000;

export interface AccessReport {
  /** Set when the cluster could not be asked anything (malformed kubeconfig, unreachable). */
  unreachable?: string;
  /** Why: the kubeconfig itself is unusable, or the server did not answer. */
  reason?: "InvalidKubeconfig" | "ClusterUnreachable";
  /** The server's gitVersion, when reachable. */
  version?: string;
  /** Resources the cluster does not serve, with the discovery message. */
  unknown: string[];
  /** "verb resource" pairs denied that the role needs. */
  denied: string[];
  /** Source only: write verbs the credential has (it should have none). */
  writable: string[];
}

export type ClusterRole = "source" | "destination";

const gr = (g: { group: string; resource: string }) =>
  g.group ? `${g.resource}.${g.group}` : g.resource;

async function canI(cluster: Cluster, verb: string, g: { group: string; resource: string }) {
  const review = await cluster.rest.request<{ status?: { allowed?: boolean } }>(
    "POST",
    "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
    {
      body: {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SelfSubjectAccessReview",
        // No namespace: all namespaces, as the listener lists and the synchronizer writes.
        spec: { resourceAttributes: { verb, group: g.group, resource: g.resource } },
      },
    },
  );
  return review.status?.allowed === true;
}

/** Asks one cluster what `role` needs for `resources`. Never throws. */
export async function checkAccess(
  name: string,
  kubeconfig: string,
  role: ClusterRole,
  resources: Gvr[],
): Promise<AccessReport> {
  const report: AccessReport = { unknown: [], denied: [], writable: [] };
  let cluster: Cluster;
  try {
    cluster = await Cluster.fromKubeConfigYaml(name, kubeconfig);
  } catch (err) {
    return { ...report, unreachable: (err as Error).message, reason: "InvalidKubeconfig" };
  }
  try {
    // A black-holed address would otherwise hang until the kernel gives up.
    const version = await cluster.rest
      .request<{ gitVersion?: string }>("GET", "/version", { signal: AbortSignal.timeout(10_000) })
      .catch((err: Error) => {
        throw new Error(`cluster ${name} unreachable: ${err.message}`);
      });
    report.version = version.gitVersion;
    const needed = role === "source" ? READ : [...READ, ...WRITE];
    const namespaces = { group: "", resource: "namespaces" };
    const asks: Promise<void>[] = [];
    /** Records "verb resource" in `into` when the answer is `when`. */
    const ask = (
      verb: string,
      g: { group: string; resource: string },
      into: string[],
      when: boolean,
    ) =>
      asks.push(
        canI(cluster, verb, g).then((ok) => {
          if (ok === when) into.push(`${verb} ${gr(g)}`);
        }),
      );
    for (const g of resources) {
      try {
        await cluster.discovery.resolve(g);
      } catch (err) {
        if (!(err instanceof UnknownResourceError)) throw err;
        report.unknown.push(err.message);
        continue;
      }
      for (const verb of needed) ask(verb, g, report.denied, false);
      if (role === "source") for (const verb of WRITE) ask(verb, g, report.writable, true);
    }
    // The listener follows namespace labels; the synchronizer creates missing namespaces.
    for (const verb of role === "source" ? ["list", "watch"] : ["get", "create"])
      ask(verb, namespaces, report.denied, false);
    await Promise.all(asks);
  } catch (err) {
    report.unreachable = (err as Error).message;
    report.reason = "ClusterUnreachable";
  } finally {
    cluster.close();
  }
  report.denied.sort();
  report.writable.sort();
  return report;
}

/**
 * Results of slow checks (cluster access, bucket reachability), keyed by their inputs and
 * refreshed in the background every minute; `onChange` is called when a result changes.
 */
export class CachedChecks {
  private readonly cache = new Map<string, { at: number; result?: unknown; running: boolean }>();

  constructor(private readonly onChange: () => void) {}

  /** The latest result (undefined until the first check ends); starts a check when due. */
  get<T>(inputs: unknown, check: () => Promise<T>): T | undefined {
    const key = digest(inputs);
    let entry = this.cache.get(key);
    if (!entry) this.cache.set(key, (entry = { at: 0, running: false }));
    if (!entry.running && Date.now() - entry.at > REFRESH_MS) {
      const e = entry;
      e.running = true;
      void check()
        .catch((err: Error) => ({ error: err.message }))
        .then((result) => {
          const changed = JSON.stringify(result) !== JSON.stringify(e.result);
          Object.assign(e, { result, at: Date.now(), running: false });
          if (changed) this.onChange();
        });
    }
    return entry.result as T | undefined;
  }

  /** Forget everything: the next `get` checks again (a change the operator was told about). */
  clear(): void {
    this.cache.clear();
  }
}

type Resources = LiveSynchronization["spec"]["config"]["replication"]["resources"];

/** The checks the statuses report, on the clusters and buckets of the valid manifests. */
export class AccessChecks {
  private readonly checks: CachedChecks;

  /** `onChange`: a result changed, the statuses should be written again. */
  constructor(onChange: () => void) {
    this.checks = new CachedChecks(onChange);
  }

  /** Access of one cluster for one role (undefined until checked, or when not valid). */
  cluster(
    ns: string,
    name: string,
    role: ClusterRole,
    resources: Resources,
    m: EngineManifests,
  ): AccessReport | undefined {
    const kc = m.clusters.find((c) => keyOf(c) === `${ns}/${name}`);
    if (!kc) return undefined;
    const kubeconfig = clusterKubeconfig(kc, m.secrets);
    if (kubeconfig === undefined) return undefined;
    const gvrs = resources.map((r) => ({
      group: r.group ?? "",
      version: r.version,
      resource: r.resource,
    }));
    return this.checks.get({ kubeconfig, role, gvrs }, () =>
      checkAccess(name, kubeconfig, role, gvrs),
    );
  }

  /** Whether a Bucket is reachable with its Secret's credentials (undefined until checked). */
  bucket(o: RawObject, m: EngineManifests): { detail?: string; error?: string } | undefined {
    const b = m.buckets.find((x) => keyOf(x) === keyOf(o));
    const secret = b && m.secrets.find((s) => keyOf(s) === `${nsOf(o)}/${b.spec.secretName}`);
    return (
      b &&
      this.checks.get({ bucket: b.spec, secret: secret?.data ?? secret?.stringData }, async () => {
        const client = bucketClientFromSpec(b, bucketCredentials(b, secret));
        try {
          await client.check();
          return { detail: "reachable with the Secret's credentials" };
        } catch (err) {
          return { error: (err as Error).message };
        } finally {
          client.close();
        }
      })
    );
  }
}
