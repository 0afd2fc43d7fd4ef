import { describe, expect, it } from "vitest";
import { KubeApiError } from "./errors.js";
import { Discovery, UnknownResourceError } from "./resources.js";
import type { KubeRest } from "./rest.js";

/** A fake apiserver's discovery: group-version path -> served resources; counts requests. */
function fakeRest(served: Map<string, string[]>) {
  const requests: string[] = [];
  const rest = {
    async request(_method: string, path: string) {
      requests.push(path);
      const names = served.get(path);
      if (!names) throw new KubeApiError(404, "NotFound", `${path} not found`);
      return {
        resources: names.map((name) => ({ name, kind: name, namespaced: true, verbs: [] })),
      };
    },
  } as unknown as KubeRest;
  return { rest, requests };
}

const widgets = { group: "example.com", version: "v1", resource: "widgets" };
const gadgets = { group: "example.com", version: "v1", resource: "gadgets" };
const deployments = { group: "apps", version: "v1", resource: "deployments" };

describe("Discovery", () => {
  it("fetches each group-version once, concurrent lookups included", async () => {
    const { rest, requests } = fakeRest(
      new Map([
        ["/apis/example.com/v1", ["widgets", "gadgets"]],
        ["/apis/apps/v1", ["deployments"]],
      ]),
    );
    const d = new Discovery(rest);
    await Promise.all([d.resolve(widgets), d.resolve(gadgets), d.resolve(deployments)]);
    await d.resolve(widgets);
    expect(requests.sort()).toEqual(["/apis/apps/v1", "/apis/example.com/v1"]);
  });

  it("does not cache a group-version the server does not serve", async () => {
    const served = new Map<string, string[]>();
    const { rest, requests } = fakeRest(served);
    const d = new Discovery(rest);
    await expect(d.resolve(widgets)).rejects.toBeInstanceOf(UnknownResourceError);
    served.set("/apis/example.com/v1", ["widgets"]);
    await expect(d.resolve(widgets)).resolves.toMatchObject({ kind: "widgets" });
    expect(requests).toHaveLength(2);
  });

  it("invalidate(gvrs) refetches only those group-versions: a resource added to a served one", async () => {
    const served = new Map([
      ["/apis/example.com/v1", ["gadgets"]],
      ["/apis/apps/v1", ["deployments"]],
    ]);
    const { rest, requests } = fakeRest(served);
    const d = new Discovery(rest);
    await d.resolve(deployments);
    await expect(d.resolve(widgets)).rejects.toThrow(/not "widgets" \(it has: gadgets\)/);
    served.set("/apis/example.com/v1", ["gadgets", "widgets"]);
    await expect(d.resolve(widgets)).rejects.toThrow(UnknownResourceError); // still cached
    d.invalidate([widgets]);
    await Promise.all([d.resolve(widgets), d.resolve(gadgets), d.resolve(deployments)]);
    expect(requests).toEqual(["/apis/apps/v1", "/apis/example.com/v1", "/apis/example.com/v1"]);
    d.invalidate();
    await d.resolve(deployments);
    expect(requests).toHaveLength(4);
  });
});
