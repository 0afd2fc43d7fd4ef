// A writer that can start its archive again (BackupWriter.reset), built from any writer that
// can be opened afresh: reset aborts the current archive (nothing of it is left) and opens a new
// one. With it a snapshot whose revision was compacted mid-backup starts again from a new
// revision and stays atomic, instead of finishing non-atomically.

import type { Backup, KubeObject } from "@livesync/api";
import type {
  BackupIndex,
  BackupIndexEntry,
  BackupResults,
  BackupWriter,
  StoredArchive,
} from "./format.js";

export type OpenWriter = () => BackupWriter | Promise<BackupWriter>;

export async function restartableWriter(open: OpenWriter): Promise<BackupWriter> {
  return new RestartableWriter(open, await open());
}

class RestartableWriter implements BackupWriter {
  constructor(
    private readonly open: OpenWriter,
    private current: BackupWriter,
  ) {}

  add(entry: Omit<BackupIndexEntry, "path" | "sha256">, object: KubeObject): Promise<void> {
    return this.current.add(entry, object);
  }

  finish(
    index: Omit<BackupIndex, "items">,
    backup: Backup,
    results: BackupResults,
  ): Promise<StoredArchive> {
    return this.current.finish(index, backup, results);
  }

  abort(): Promise<void> {
    return this.current.abort();
  }

  async reset(): Promise<void> {
    await this.current.abort();
    this.current = await this.open();
  }
}
