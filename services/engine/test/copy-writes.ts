/**
 * Every write with effect on the copies in one destination namespace, seen through a watch: an
 * event applied twice shows as a copy changed twice to the same source resourceVersion, an older
 * event applied after a newer one as a copy going back to an older source resourceVersion.
 * (A write without effect, such as a re-applied identical copy, changes nothing and shows not;
 * nor does one that changes only managedFields: the synchronizer turning the Update entry of a
 * copy it created with POST into an Apply entry, at the same source resourceVersion.)
 */
import { CoreV1Api, Watch } from "@kubernetes/client-node";
import { kubeConfigFor, type TestEnvironment } from "@livesync/testkit";

const SOURCE_RV = "livesync.dev/source-resource-version";

interface Seen {
  metadata?: {
    name?: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

/** What a user of the copy sees; managedFields and resourceVersion left out. */
const content = (o: Seen) =>
  JSON.stringify([o.data, o.binaryData, o.metadata?.labels, o.metadata?.annotations]);

export class CopyWrites {
  /** Per copy: the source resourceVersions it carried, in the order it was written. */
  private readonly history = new Map<string, number[]>();
  /** Per copy: the newest destination resourceVersion seen (a re-opened watch repeats some). */
  private readonly lastSeen = new Map<string, number>();
  /** Per copy: the content of its last counted write. */
  private readonly lastContent = new Map<string, string>();
  private latest = "";
  /** Writes seen since start (the copies that were there already are not counted). */
  private counted = 0;
  private abort: AbortController | undefined;
  private stopped = false;

  private constructor(
    private readonly watch: Watch,
    private readonly path: string,
  ) {}

  /** Starts from the copies there are now: their versions are known, they count as no write. */
  static async start(env: TestEnvironment, namespace: string): Promise<CopyWrites> {
    const kc = kubeConfigFor(env, "destination");
    const w = new CopyWrites(new Watch(kc), `/api/v1/namespaces/${namespace}/configmaps`);
    const now = await kc.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace });
    for (const cm of now.items) w.record("ADDED", cm as Seen);
    w.counted = 0;
    w.latest = now.metadata?.resourceVersion ?? "";
    await w.open();
    return w;
  }

  private async open(): Promise<void> {
    this.abort = await this.watch.watch(
      this.path,
      this.latest ? { resourceVersion: this.latest } : {},
      (type: string, obj: Seen) => this.record(type, obj),
      () => {
        // The watch ended (timeout, 410): resume; what it repeats is filtered in record().
        if (this.stopped) return;
        if (!this.latest) return void this.open();
        this.open().catch(() => ((this.latest = ""), void this.open()));
      },
    );
  }

  private record(type: string, obj: Seen): void {
    const name = obj.metadata?.name;
    const rv = Number(obj.metadata?.resourceVersion);
    if (!name || !Number.isFinite(rv)) return;
    this.latest = obj.metadata!.resourceVersion!;
    if (type !== "ADDED" && type !== "MODIFIED") return;
    if (rv <= (this.lastSeen.get(name) ?? 0)) return;
    this.lastSeen.set(name, rv);
    const marked = obj.metadata?.annotations?.[SOURCE_RV];
    if (marked === undefined) return; // not a copy (the destination's own kube-root-ca.crt)
    const sourceRv = Number(marked);
    const list = this.history.get(name) ?? [];
    const now = content(obj);
    if (list.at(-1) === sourceRv && this.lastContent.get(name) === now) return;
    this.lastContent.set(name, now);
    list.push(sourceRv);
    this.history.set(name, list);
    this.counted++;
  }

  /** Copies written at least once. */
  get copies(): number {
    return this.history.size;
  }

  /** Writes with effect since start, all copies together. */
  get writes(): number {
    return this.counted;
  }

  /** One line per write that repeated or went back from a source resourceVersion. */
  repeats(): string[] {
    const out: string[] = [];
    for (const [name, h] of this.history) {
      for (let i = 1; i < h.length; i++) {
        if (h[i]! === h[i - 1]!) out.push(`${name}: source resourceVersion ${h[i]} applied twice`);
        if (h[i]! < h[i - 1]!) out.push(`${name}: went back from ${h[i - 1]} to ${h[i]}`);
      }
    }
    return out;
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }
}
