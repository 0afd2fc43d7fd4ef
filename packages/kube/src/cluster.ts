import { KubeConfig } from "@kubernetes/client-node";
import { Discovery } from "./resources.js";
import { KubeRest } from "./rest.js";

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
    const kc = new KubeConfig();
    try {
      kc.loadFromString(yaml);
    } catch (err) {
      throw new Error(`cluster ${name}: malformed kubeconfig: ${(err as Error).message}`);
    }
    if (!kc.getCurrentCluster())
      throw new Error(`cluster ${name}: kubeconfig has no current cluster`);
    return Cluster.fromKubeConfig(name, kc);
  }

  /** From the pod's service account (in a cluster). */
  static async inCluster(name: string): Promise<Cluster> {
    const kc = new KubeConfig();
    kc.loadFromCluster();
    return Cluster.fromKubeConfig(name, kc);
  }

  close(): void {
    this.rest.close();
  }
}
