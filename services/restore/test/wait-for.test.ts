/**
 * `waitFor`: the objects of a group are restored, then waited for (condition Ready=True), before
 * the next group starts: a dependent custom resource only once its parent is ready. A group that
 * never gets ready fails its objects and holds back the groups after it (PartiallyFailed).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "@livesync/api";
import { deleteObject, objectPath } from "@livesync/kube";
import { runRestore } from "../src/index.js";
import {
  clusters,
  create,
  kubernetesVersion,
  memoryArchive,
  namespace,
  R,
  read,
  res,
  schemalessCrd,
  uniq,
} from "./helpers.js";

const { destination } = await clusters();
const version = await kubernetesVersion(destination);
const id = uniq("rsw");
const group = `${id}.restore.test`;
const STACKS = res(group, "v1", "stacks", "Stack");
// No status subresource: the test plays the controller and writes status with the object.
const crd = schemalessCrd(group, "Stack", "stacks");
const made: string[] = [];

beforeAll(async () => {
  await create(destination, R.crd, crd);
});
afterAll(async () => {
  for (const ns of made)
    await deleteObject(destination.rest, R.ns, undefined, ns).catch(() => undefined);
  await deleteObject(destination.rest, R.crd, undefined, crd.metadata.name).catch(() => undefined);
  destination.close();
});

const stack = (ns: string, name: string): KubeObject => ({
  apiVersion: `${group}/v1`,
  kind: "Stack",
  metadata: { name, namespace: ns },
  spec: {},
});

function restoreOf(ns: string, timeout: string, childTimeout = timeout) {
  made.push(ns);
  const archive = memoryArchive(
    uniq("b"),
    [
      { info: R.ns, object: namespace(ns) },
      { info: STACKS, object: stack(ns, "parent") },
      { info: STACKS, object: stack(ns, "child") },
    ],
    { kubernetesVersion: version },
  );
  const waitFor = [
    { resources: [{ group, version: "v1", resource: "stacks", names: ["parent"] }], timeout },
    {
      resources: [{ group, version: "v1", resource: "stacks", names: ["child"] }],
      timeout: childTimeout,
    },
  ];
  return runRestore({
    name: uniq("r"),
    spec: { destinationName: "destination", backupName: "b", waitFor },
    destination,
    archives: [archive],
  });
}

/** Plays the parent's controller: once it exists, notes whether the child does, then makes it Ready. */
async function readyParent(ns: string): Promise<{ childExistedBefore: boolean }> {
  for (;;) {
    const parent = await read(destination, STACKS, ns, "parent");
    if (parent) {
      const childExistedBefore = (await read(destination, STACKS, ns, "child")) !== undefined;
      await destination.rest.request("PUT", objectPath(STACKS, ns, "parent"), {
        body: { ...parent, status: { conditions: [{ type: "Ready", status: "True" }] } },
      });
      return { childExistedBefore };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("restore waitFor groups", () => {
  it("restores the child only once the parent is Ready", async () => {
    const ns = uniq("rsw");
    const [result, parent] = await Promise.all([restoreOf(ns, "30s", "1s"), readyParent(ns)]);
    expect(parent.childExistedBefore).toBe(false);
    // The child, in the last group, is waited for too; nobody makes it Ready.
    expect(result.audit.items.find((i) => i.name === "parent")!.action).toBe("create");
    expect(await read(destination, STACKS, ns, "child")).toBeDefined();
  }, 90_000);

  it("fails the objects of a group that does not get Ready in time: PartiallyFailed", async () => {
    const { status, audit } = await restoreOf(uniq("rsw"), "2s");
    expect(status.phase).toBe("PartiallyFailed");
    expect(audit.items.find((i) => i.name === "child")).toMatchObject({
      action: "failed",
      error: "not restored: waitFor group 1 did not get ready",
    });
    expect(audit.items.find((i) => i.name === "parent")).toMatchObject({
      action: "failed",
      error: expect.stringMatching(/created, but not Ready=True within 2s/),
    });
  });
});
