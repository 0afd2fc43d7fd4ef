// The shared etcd of the test clusters, through its v3 HTTP gateway: its current revision, and
// compaction (what the apiserver does every few minutes, done at once).

import type { TestEnvironment } from "@livesync/testkit";

async function post<T>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, { method: "POST", body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export function etcdOf(env: TestEnvironment) {
  const url = env.etcd?.url;
  return {
    available: url !== undefined,
    async revision(): Promise<number> {
      const r = await post<{ header: { revision: string } }>(`${url}/v3/kv/range`, {
        key: Buffer.from("/").toString("base64"),
      });
      return Number(r.header.revision);
    },
    /** Compacts everything before the current revision: older revisions can no longer be read. */
    async compact(): Promise<number> {
      const revision = await this.revision();
      await post(`${url}/v3/kv/compaction`, { revision: String(revision), physical: true });
      return revision;
    },
  };
}
