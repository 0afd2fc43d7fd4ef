/**
 * A dirty destination (a drifted object, one missing, one extra) restored under each
 * existingResourcePolicy, the audit checked object by object; revert never reaches outside its
 * scope; an update refused by an immutable field is a failure and the restore PartiallyFailed.
 */
import { describe, expect, it } from "vitest";
import type { ExistingResourcePolicy, KubeObject } from "@livesync/api";
import { runRestore, type RestoreAudit } from "../src/index.js";
import {
  destinationForFile,
  cm,
  create,
  memoryArchive,
  namespace,
  R,
  read,
  uniq,
} from "./helpers.js";

const { destination, version, made } = await destinationForFile();

const secret = (ns: string, value: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "frozen", namespace: ns },
  type: "Opaque",
  immutable: true,
  data: { v: Buffer.from(value).toString("base64") },
});

/** The backup of `ns`, and the destination as it drifted since. */
async function dirty(withImmutable: boolean) {
  const ns = uniq("rsd");
  const outside = `${ns}-x`;
  made.push(ns, outside);
  const backupObjects = [
    namespace(ns),
    cm(ns, "same", { k: "1" }),
    cm(ns, "drifted", { k: "1", gone: "x" }),
    cm(ns, "missing", { k: "1" }),
    ...(withImmutable ? [secret(ns, "old")] : []),
  ];
  const archive = memoryArchive(
    uniq("b"),
    backupObjects.map((object) => ({
      info: object.kind === "Namespace" ? R.ns : object.kind === "Secret" ? R.secret : R.cm,
      object,
    })),
    { kubernetesVersion: version, spec: { includedNamespaces: [ns] } },
  );
  for (const n of [ns, outside]) await create(destination, R.ns, namespace(n));
  await create(destination, R.cm, cm(ns, "same", { k: "1" }));
  await create(destination, R.cm, cm(ns, "drifted", { k: "2", added: "y" }));
  await create(destination, R.cm, cm(ns, "extra", { k: "1" }));
  await create(destination, R.cm, cm(outside, "elsewhere", { k: "1" }));
  if (withImmutable) await create(destination, R.secret, secret(ns, "new"));
  return { ns, outside, archive };
}

async function restore(policy: ExistingResourcePolicy, withImmutable = false) {
  const d = await dirty(withImmutable);
  const result = await runRestore({
    name: uniq(`r-${policy}`),
    spec: {
      destinationName: "destination",
      backupName: d.archive.backup.metadata.name,
      existingResourcePolicy: policy,
    },
    destination,
    archives: [d.archive],
  });
  return { ...d, ...result };
}

const byName = (audit: RestoreAudit) =>
  Object.fromEntries(audit.items.filter((i) => i.kind !== "Namespace").map((i) => [i.name, i]));
const data = async (ns: string, name: string) => (await read(destination, R.cm, ns, name))?.data;

describe("restore into a dirty cluster", () => {
  it("none: creates what is missing, reports the drift, leaves existing and extra objects", async () => {
    const { ns, status, audit } = await restore("none");
    expect(status.phase).toBe("Completed");
    const items = byName(audit);
    expect(items.same!.action).toBe("unchanged");
    expect(items.missing!.action).toBe("create");
    expect(items.drifted).toMatchObject({
      action: "skip",
      warning: expect.stringContaining("/data/k"),
    });
    expect(items.drifted!.diff).toEqual(
      expect.arrayContaining([
        { path: "/data/k", from: "2", to: "1" },
        { path: "/data/added", from: "y" },
        { path: "/data/gone", to: "x" },
      ]),
    );
    expect(items.extra).toBeUndefined();
    expect(await data(ns, "drifted")).toEqual({ k: "2", added: "y" });
    expect(await data(ns, "extra")).toBeDefined();
    expect(status.counts).toMatchObject({
      created: 1,
      unchanged: 2, // "same" and the Namespace

      skipped: 1,
      updated: 0,
      deleted: 0,
      failed: 0,
    });
    expect(status.warnings).toEqual([expect.objectContaining({ name: "drifted" })]);
  });

  it("update: makes existing objects equal; an immutable field is a failure, PartiallyFailed", async () => {
    const { ns, status, audit } = await restore("update", true);
    const items = byName(audit);
    expect(items.drifted!.action).toBe("update");
    expect(await data(ns, "drifted")).toEqual({ k: "1", gone: "x" });
    expect(items.missing!.action).toBe("create");
    expect(items.frozen).toMatchObject({
      action: "failed",
      planned: "update",
      error: expect.stringMatching(/immutable/),
    });
    expect(JSON.stringify(items.frozen)).not.toMatch(/bmV3|b2xk/); // Secret values never in the audit
    expect(await data(ns, "extra")).toBeDefined();
    expect(status.phase).toBe("PartiallyFailed");
    expect(status.counts).toMatchObject({
      created: 1,
      updated: 1,
      unchanged: 2, // "same" and the Namespace

      failed: 1,
      deleted: 0,
    });
    expect(status.failures).toEqual([
      expect.objectContaining({ name: "frozen", action: "update" }),
    ]);
  });

  it("revert: also deletes what the backup lacks, within its scope only", async () => {
    const { ns, outside, status, audit } = await restore("revert");
    expect(status.phase).toBe("Completed");
    const items = byName(audit);
    expect(items.extra).toMatchObject({
      action: "delete",
      diff: expect.arrayContaining([{ path: "/data", from: { k: "1" } }]),
    });
    expect(items.drifted!.action).toBe("update");
    expect(items.missing!.action).toBe("create");
    expect(
      audit.items.filter((i) => i.action === "delete").map((i) => `${i.namespace}/${i.name}`),
    ).toEqual([`${ns}/extra`]);
    expect(await read(destination, R.cm, ns, "extra")).toBeUndefined();
    expect(await data(outside, "elsewhere")).toBeDefined();
    // The cluster's own objects in the namespace stay.
    expect(await read(destination, R.cm, ns, "kube-root-ca.crt")).toBeDefined();
    expect(await read(destination, R.sa, ns, "default")).toBeDefined();
  });
});
