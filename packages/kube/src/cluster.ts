import { readFileSync } from "node:fs";
import {
  connectionFromKubeconfig,
  inClusterConnection,
  KubeconfigError,
  type Connection,
} from "./kubeconfig.js";
import { Discovery } from "./resources.js";
import { KubeRest } from "./rest.js";
import type { KubeConfig } from "@kubernetes/client-node";

const readText = (path: string) => readFileSync(path, "utf8");

/** One cluster as the services use it: a name, a REST client and cached discovery. */
export class Cluster {
  readonly discovery: Discovery;

  private constructor(
    readonly name: string,
    readonly rest: KubeRest,
  ) {
    this.discovery = new Discovery(rest);
  }

  static async fromKubeConfig(name: string, kc: KubeConfig): Promise<Cluster> {
    return new Cluster(name, await KubeRest.fromKubeConfig(kc));
  }

  /** From kubeconfig text (a Secret's `kubeconfig.yaml`); a malformed one throws a clear error. */
  static async fromKubeConfigYaml(name: string, yaml: string): Promise<Cluster> {
    let c: Connection | { delegate: string };
    try {
      c = connectionFromKubeconfig(yaml, readText);
    } catch (err) {
      const why = (err as Error).message;
      throw new Error(
        err instanceof KubeconfigError
          ? `cluster ${name}: malformed kubeconfig: ${why}`
          : `cluster ${name}: ${why}`,
      );
    }
    if ("delegate" in c) return Cluster.fromKubeConfig(name, await clientNodeConfig(name, yaml));
    return new Cluster(name, KubeRest.fromConnection(c));
  }

  /** From the pod's service account (in a cluster). */
  static async inCluster(name: string): Promise<Cluster> {
    return new Cluster(name, KubeRest.fromConnection(inClusterConnection(process.env, readText)));
  }

  close(): void {
    this.rest.close();
  }
}

/** Credentials that run a command or ask an identity provider: client-node's, loaded only then. */
async function clientNodeConfig(name: string, yaml: string): Promise<KubeConfig> {
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  try {
    kc.loadFromString(yaml);
  } catch (err) {
    throw new Error(`cluster ${name}: malformed kubeconfig: ${(err as Error).message}`);
  }
  return kc;
}
