/**
 * The generated CRDs against a real kube-apiserver (the test environment's destination cluster):
 * they install and become Established, the apiserver keeps their schemas as written, accepts
 * every documented example (with the same defaults validateObject applies), rejects what the
 * schema forbids (as validateObject does, at the same path), and prints the documented columns.
 *
 * The CRDs are left installed: they are cluster-wide and other runs (or suites) may use them, so
 * each run creates them or replaces them with the current generation.
 */
import { readFileSync, readdirSync } from "node:fs";
import { request, type RequestOptions } from "node:https";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { eventually, freshNamespace, kubeConfigFor } from "@livesync/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { PRINTER_COLUMNS, crdFor, crdName } from "../src/crds.js";
import { parseManifests } from "../src/manifests.js";
import { KIND_NAMES, KINDS, type KindName } from "../src/schemas.js";
import { formatError, isLivesyncApiVersion, validateObject } from "../src/validate.js";

const env = inject("testenv");
const kc = kubeConfigFor(env, "destination");
const custom = kc.makeApiClient(CustomObjectsApi);

interface Obj {
  apiVersion: string;
  kind: KindName;
  metadata: { name: string; namespace?: string };
  spec?: unknown;
}

const errorCode = (err: unknown): number | undefined => (err as { code?: number }).code;

/** The apiserver's Status message of a failed client-node call. */
function statusMessage(err: unknown): string {
  const body = (err as { body?: unknown }).body;
  try {
    const status = (typeof body === "string" ? JSON.parse(body) : body) as { message?: string };
    if (status?.message) return status.message;
  } catch {
    // not JSON: fall through
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * A request to the destination apiserver with the kubeconfig's credentials, sending and returning
 * raw JSON. CRDs go through here, not ApiextensionsV1Api: client-node's model serializer silently
 * drops schema keys it spells differently (`enum`, `default`, `x-kubernetes-*`), so what it sends
 * is not the generated CRD.
 */
async function raw(
  method: string,
  path: string,
  { body, accept = "application/json" }: { body?: unknown; accept?: string } = {},
): Promise<{ status: number; body: unknown; warnings: string[] }> {
  const opts: RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const url = new URL(path, kc.getCurrentCluster()!.server);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ...opts,
        method,
        headers: {
          ...opts.headers,
          Accept: accept,
          ...(payload === undefined ? {} : { "Content-Type": "application/json" }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // keep the text
          }
          const warning = res.headers.warning;
          const warnings = warning === undefined ? [] : [warning].flat();
          resolve({ status: res.statusCode ?? 0, body: parsed, warnings });
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** GET that must answer 200. */
async function getJson(path: string, accept?: string): Promise<unknown> {
  const res = await raw("GET", path, { accept });
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

interface Crd {
  metadata: { name: string; resourceVersion?: string; deletionTimestamp?: string };
  spec: {
    names: unknown;
    versions: { schema?: unknown; additionalPrinterColumns?: unknown }[];
  };
  status?: {
    conditions?: { type: string; status: string }[];
    acceptedNames?: { shortNames?: string[] };
  };
}

const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
const readCrd = async (kind: KindName) => (await getJson(`${CRDS}/${crdName(kind)}`)) as Crd;

/**
 * Creates the CRD, or replaces the one a previous run left with the current generation; returns
 * the apiserver's warnings.
 */
async function applyCrd(kind: KindName): Promise<string[]> {
  const body = crdFor(kind) as unknown as Crd;
  const name = crdName(kind);
  return eventually(
    async () => {
      const existing = await raw("GET", `${CRDS}/${name}`);
      if (existing.status !== 200 && existing.status !== 404)
        throw new Error(`GET CRD ${name}: ${existing.status}`);
      // One being deleted (e.g. by hand between runs) must be gone before it can be created.
      if ((existing.body as Crd).metadata?.deletionTimestamp) return undefined;
      const res =
        existing.status === 404
          ? await raw("POST", CRDS, { body })
          : await raw("PUT", `${CRDS}/${name}`, {
              body: {
                ...body,
                metadata: {
                  ...body.metadata,
                  resourceVersion: (existing.body as Crd).metadata.resourceVersion,
                },
              },
            });
      if (res.status === 200 || res.status === 201) return res.warnings;
      // A concurrent writer (409) is retried; anything else (422: CRD refused) fails at once.
      if (res.status === 409) return undefined;
      throw new Error(
        `the apiserver refused CRD ${name} (${res.status}): ${(res.body as { message?: string }).message ?? JSON.stringify(res.body)}`,
      );
    },
    { timeoutMs: 60_000, what: `CRD ${name} to be applied` },
  ).catch((err: Error) => {
    throw new Error(err.message.replace(/^.*last error: /s, ""));
  });
}

const isTrue = (crd: Crd, type: string) =>
  crd.status?.conditions?.some((c) => c.type === type && c.status === "True") ?? false;

const plural = (kind: KindName) => KINDS[kind].plural;
const group = (kind: KindName) => KINDS[kind].group;

const create = (obj: Obj, namespace: string) =>
  custom.createNamespacedCustomObject({
    group: group(obj.kind),
    version: KINDS[obj.kind].version,
    namespace,
    plural: plural(obj.kind),
    body: obj,
    // Unknown fields are errors, not silently pruned: validateObject's behaviour.
    fieldValidation: "Strict",
  }) as Promise<Obj>;

const fixturesDir = new URL("../src/fixtures/", import.meta.url);
const EXAMPLES = readdirSync(fixturesDir)
  .filter((f) => /^example-.*\.yaml$/.test(f))
  .sort();

/** An example file's livesync objects that validateObject accepts, with its defaulted copy. */
function exampleObjects(file: string): { doc: Obj; defaulted: Obj }[] {
  const docs = parseManifests(readFileSync(new URL(file, fixturesDir), "utf8"), file);
  const out: { doc: Obj; defaulted: Obj }[] = [];
  for (const { doc } of docs) {
    if (!isLivesyncApiVersion((doc as { apiVersion?: unknown } | undefined)?.apiVersion)) continue;
    const result = validateObject(doc);
    if (result.ok) out.push({ doc: doc as Obj, defaulted: result.value as unknown as Obj });
  }
  return out;
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

let applyWarnings: string[] = [];
beforeAll(async () => {
  applyWarnings = (await Promise.all(KIND_NAMES.map(applyCrd))).flat();
  await Promise.all(
    KIND_NAMES.map((kind) =>
      eventually(
        async () => {
          const crd = await readCrd(kind);
          return isTrue(crd, "NamesAccepted") && isTrue(crd, "Established") ? crd : undefined;
        },
        { what: `CRD ${crdName(kind)} to be Established` },
      ),
    ),
  );
});

describe("generated CRDs on a real apiserver", () => {
  it("installs every CRD without a warning", () => {
    expect(applyWarnings).toEqual([]);
  });

  it.each(KIND_NAMES)(
    "%s: the apiserver stores the schema and columns as generated",
    async (kind) => {
      const stored = await readCrd(kind);
      const generated = crdFor(kind) as unknown as Crd;
      const [storedVersion] = stored.spec.versions;
      const [generatedVersion] = generated.spec.versions;
      // Nothing dropped or rewritten (the apiserver prunes what it does not know in a schema).
      expect(storedVersion?.schema).toEqual(generatedVersion?.schema);
      expect(storedVersion?.additionalPrinterColumns).toEqual(
        generatedVersion?.additionalPrinterColumns,
      );
      expect(stored.spec.names).toEqual(generated.spec.names);
      expect(stored.status?.acceptedNames?.shortNames).toEqual(KINDS[kind].shortNames);
    },
  );

  it("serves every kind with its short names and the livesync category", async () => {
    for (const g of new Set(KIND_NAMES.map(group))) {
      const list = (await eventually(() => getJson(`/apis/${g}/v1alpha1`), {
        what: `discovery of ${g}/v1alpha1`,
      })) as { resources: { name: string; shortNames?: string[]; categories?: string[] }[] };
      for (const kind of KIND_NAMES.filter((k) => group(k) === g)) {
        expect(list.resources.find((r) => r.name === plural(kind))).toMatchObject({
          shortNames: KINDS[kind].shortNames,
          categories: ["livesync"],
        });
      }
    }
  });

  it("covers every kind with the documented examples", () => {
    const kinds = new Set(EXAMPLES.flatMap((f) => exampleObjects(f).map((o) => o.doc.kind)));
    expect([...kinds].sort()).toEqual([...KIND_NAMES].sort());
  });

  it.each(EXAMPLES)(
    "%s: the apiserver accepts every valid livesync object, with the same defaults as validateObject",
    async (file) => {
      const objects = exampleObjects(file);
      if (objects.length === 0) return; // e.g. the excludeRegex one, which validateObject rejects
      const ns = await freshNamespace(kc, `crds-${file.replace(/^example-|\.yaml$/g, "")}`);
      cleanups.push(ns.remove);
      for (const { doc, defaulted } of objects) {
        const body = { ...doc, metadata: { ...doc.metadata, namespace: ns.name } };
        // Retried only while the freshly (re)applied CRD's resource is not served yet (404).
        const created = await eventually(
          () =>
            create(body, ns.name).catch((err: unknown) => {
              if (errorCode(err) === 404) return undefined;
              throw new Error(
                `${file}: ${doc.kind} ${doc.metadata.name} refused: ${statusMessage(err)}`,
              );
            }),
          { what: `${doc.kind} ${doc.metadata.name} to be created` },
        ).catch((err: Error) => {
          throw new Error(err.message.replace(/^.*last error: /s, ""));
        });
        expect(created.spec, `${file}: ${doc.kind} ${doc.metadata.name}`).toEqual(defaulted.spec);
      }
    },
  );

  describe("rejects what the schema forbids, at the path validateObject reports", () => {
    let namespace = "";
    beforeAll(async () => {
      const ns = await freshNamespace(kc, "crds-rejects");
      cleanups.push(ns.remove);
      namespace = ns.name;
    });

    const liveSync = (spec: Record<string, unknown>, config: Record<string, unknown> = {}) => ({
      apiVersion: "automation.livesync.dev/v1alpha1",
      kind: "LiveSynchronization" as const,
      metadata: { name: "bad" },
      spec: {
        plugin: "kubernetes-objects-to-kubernetes",
        config: {
          sourceName: "source",
          destinationName: "destination",
          replication: { resources: [{ version: "v1", resource: "configmaps" }] },
          ...config,
        },
        ...spec,
      },
    });
    const task = (plugin: string) => ({
      apiVersion: "automation.livesync.dev/v1alpha1",
      kind: "Task" as const,
      metadata: { name: "bad" },
      spec: { plugin, config: { resources: [] } },
    });

    const CASES: [string, Obj, string][] = [
      ['a wrong type (suspend: "yes")', liveSync({ suspend: "yes" }), "spec.suspend"],
      ["an unknown plugin", liveSync({ plugin: "other" }), "spec.plugin"],
      ["an unknown Task plugin", task("other"), "spec.plugin"],
      [
        "an object name breaking its pattern",
        liveSync({}, { sourceName: "Not_A_Name" }),
        "spec.config.sourceName",
      ],
      [
        "a missing required field",
        liveSync({}, { destinationName: undefined }),
        "spec.config.destinationName",
      ],
      [
        "an empty resource list (minItems)",
        liveSync({}, { replication: { resources: [] } }),
        "spec.config.replication.resources",
      ],
      ["an unknown field", liveSync({}, { sourceNmae: "source" }), "spec.config.sourceNmae"],
    ];

    it("sanity: the valid base objects are accepted", async () => {
      const ok = liveSync({});
      expect(validateObject(ok)).toMatchObject({ ok: true });
      const created = await eventually(
        () =>
          create({ ...ok, metadata: { name: "good" } }, namespace).catch((err: unknown) => {
            if (errorCode(err) === 404) return undefined;
            throw err;
          }),
        { what: "the base LiveSynchronization to be created" },
      );
      expect(created.metadata.name).toBe("good");
    });

    it.each(CASES)("%s", async (_what, obj, path) => {
      const body = JSON.parse(JSON.stringify(obj)) as Obj; // drops the undefined fields
      const ours = validateObject(body);
      expect(ours.ok, "validateObject should reject it too").toBe(false);
      if (!ours.ok) expect(ours.errors.map(formatError).join("\n")).toContain(path);

      // Right after a replace the apiserver may briefly validate with the previous schema:
      // an object it accepts is deleted and the attempt repeated until the deadline.
      const message = await eventually(
        async () => {
          try {
            await create(body, namespace);
          } catch (err) {
            if (errorCode(err) === 404) return undefined;
            if (errorCode(err) === 422 || errorCode(err) === 400) return statusMessage(err);
            throw err;
          }
          await custom.deleteNamespacedCustomObject({
            group: group(body.kind),
            version: "v1alpha1",
            namespace,
            plural: plural(body.kind),
            name: body.metadata.name,
          });
          return undefined;
        },
        { timeoutMs: 10_000, what: `the apiserver to reject ${path}` },
      );
      expect(message).toContain(path);
    });
  });

  it("prints the LiveSynchronization columns through the Table API", async () => {
    const ns = await freshNamespace(kc, "crds-table");
    cleanups.push(ns.remove);
    const [sample] = exampleObjects("example-livesync-sample.yaml").filter(
      (o) => o.doc.kind === "LiveSynchronization",
    );
    const doc = sample!.doc;
    await eventually(
      () =>
        create({ ...doc, metadata: { ...doc.metadata, namespace: ns.name } }, ns.name).catch(
          (err: unknown) => (errorCode(err) === 404 ? undefined : Promise.reject(err)),
        ),
      { what: "the LiveSynchronization to be created" },
    );
    const table = (await getJson(
      `/apis/automation.livesync.dev/v1alpha1/namespaces/${ns.name}/livesynchronizations/${doc.metadata.name}`,
      "application/json;as=Table;v=v1;g=meta.k8s.io",
    )) as { kind: string; columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
    expect(table.kind).toBe("Table");
    const names = table.columnDefinitions.map((c) => c.name);
    expect(names).toEqual(["Name", ...PRINTER_COLUMNS.LiveSynchronization.map((c) => c.name)]);
    expect(names).toEqual(expect.arrayContaining(["SOURCE", "DESTINATION", "SUSPENDED", "READY"]));
    const cells = Object.fromEntries(names.map((n, i) => [n, table.rows[0]?.cells[i]]));
    expect(cells).toMatchObject({
      Name: doc.metadata.name,
      SOURCE: "source",
      DESTINATION: "destination",
      SUSPENDED: false, // the schema default
    });
  });
});
