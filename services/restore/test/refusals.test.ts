/**
 * What a restore refuses, and refuses before its first write: a destination two Kubernetes
 * minors away (unless allowed), a tampered backup (even when the tampered object comes last),
 * an unreachable destination. And the live archive restored as a backup.
 */
import { describe, expect, it } from "vitest";
import { archiveKey, encodeObjectEntry, encodeTombstone } from "@livesync/core";
import { Cluster } from "@livesync/kube";
import { openLiveArchive, runRestore } from "../src/index.js";
import { destinationForFile, cm, memoryArchive, namespace, R, read, s3, uniq } from "./helpers.js";

const { destination, version, made } = await destinationForFile();

function backupOf(ns: string, opts: { kubernetesVersion?: string; tamper?: string } = {}) {
  made.push(ns);
  return memoryArchive(
    uniq("b"),
    [
      { info: R.ns, object: namespace(ns) },
      { info: R.cm, object: cm(ns, "a", { k: "1" }) },
      { info: R.cm, object: cm(ns, "z", { k: "1" }) },
    ],
    { kubernetesVersion: opts.kubernetesVersion ?? version, tamper: opts.tamper },
  );
}

const spec = { destinationName: "destination", backupName: "b" };

describe("restore refuses before writing", () => {
  it("a destination more than one minor away, naming both versions; allowed with allowVersionSkew", async () => {
    const [major, minor] = version.replace(/^v/, "").split(".").map(Number) as [number, number];
    const old = `v${major}.${minor - 2}.3`;
    const ns = uniq("rsv");
    const archive = backupOf(ns, { kubernetesVersion: old });
    const refused = await runRestore({ name: uniq("r"), spec, destination, archives: [archive] });
    expect(refused.status.phase).toBe("Failed");
    expect(refused.status.failures![0]!.message).toContain(old);
    expect(refused.status.failures![0]!.message).toContain(version);
    expect(await read(destination, R.ns, undefined, ns)).toBeUndefined();
    const allowed = await runRestore({
      name: uniq("r"),
      spec: { ...spec, allowVersionSkew: true },
      destination,
      archives: [archive],
    });
    expect(allowed.status.phase).toBe("Completed");
    expect(await read(destination, R.cm, ns, "z")).toBeDefined();
  });

  it("a backup whose last object does not match its index: nothing written", async () => {
    const ns = uniq("rst");
    const { status, audit } = await runRestore({
      name: uniq("r"),
      spec,
      destination,
      archives: [backupOf(ns, { tamper: "z" })],
    });
    expect(status.phase).toBe("Failed");
    expect(status.failures![0]!.message).toMatch(/configmaps\/.*\/z\.json: sha256 does not match/);
    expect(audit.items).toEqual([]);
    expect(await read(destination, R.ns, undefined, ns)).toBeUndefined();
  });

  it("an unreachable destination", async () => {
    const yaml = `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "https://127.0.0.1:1" } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`;
    const nowhere = await Cluster.fromKubeConfigYaml("nowhere", yaml);
    const { status } = await runRestore({
      name: uniq("r"),
      spec,
      destination: nowhere,
      archives: [backupOf(uniq("rsu"))],
    });
    nowhere.close();
    expect(status.phase).toBe("Failed");
    expect(status.failures![0]!.message).toMatch(/destination nowhere unreachable/);
  });
});

describe("restore from the live archive", () => {
  it("restores the newest originals the archiver kept, not the deleted ones, into a namespace it creates", async () => {
    const ns = uniq("rsa");
    made.push(ns);
    const bucket = { client: s3, bucketNamespace: ns, bucketName: "archive" };
    const marks = {
      liveSync: "ls/x",
      sourceCluster: "source",
      sourceUid: "u1",
      sourceResourceVersion: "5",
      archivedAt: new Date().toISOString(),
    };
    const put = async (
      name: string,
      body: { body: string; metadata: Record<string, string> },
      gvr = { group: "", version: "v1", resource: "configmaps" },
    ) =>
      s3.put(
        archiveKey({
          ...bucket,
          gvr,
          namespace: gvr.resource === "namespaces" ? undefined : ns,
          name,
        }),
        body.body,
        body.metadata,
      );
    // No Namespace object in the archive: the restore creates the namespace.
    await put("kept", encodeObjectEntry(cm(ns, "kept", { k: "1" }), marks));
    await put(
      "gone",
      encodeTombstone({
        sourceUid: "u2",
        sourceResourceVersion: "9",
        event: "DELETED",
        deletedAt: new Date().toISOString(),
      }),
    );
    const archive = await openLiveArchive(bucket);
    const { status, audit } = await runRestore({
      name: uniq("r"),
      spec: { destinationName: "destination", fromArchive: { enabled: true } },
      destination,
      archives: [archive],
    });
    expect(status.phase).toBe("Completed");
    expect(status.backups).toEqual(["archive"]);
    expect(audit.items.map((i) => `${i.kind}/${i.name}:${i.action}`).sort()).toEqual([
      `ConfigMap/kept:create`,
      `Namespace/${ns}:create`,
    ]);
    expect((await read(destination, R.cm, ns, "kept"))?.data).toEqual({ k: "1" });
    await s3.deletePrefix(`${ns}/`);
  });
});
