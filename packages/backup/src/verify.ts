// Verifying a backup file without livesync's help of a bucket: every file's sha256 against the
// index, every indexed object present, nothing extra, a readable format, and the stored file
// against its PATH.sha256 sidecar. Without the key an encrypted file can only be checked
// against the sidecar (its bytes are exactly what was stored); its objects need the key.
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { parseSha256Sum, sha256Hex } from "./digest.js";
import { sidecarPath } from "./file-writer.js";
import {
  BACKUP_FILES,
  CLUSTER_SCOPE_SEGMENT,
  CORE_GROUP_SEGMENT,
  UnsupportedFormatError,
  type BackupIndex,
} from "./format.js";
import { isEncryptedFile, parseIndex } from "./reader.js";
import { ArchiveReadError, readTarball } from "./tarball.js";

export interface VerifyProblem {
  /** The file concerned (a path inside the archive, or the archive itself). */
  path: string;
  /** "group/version/resource" of the object, when the file is one. */
  gvr?: string;
  namespace?: string;
  name?: string;
  expected?: string;
  actual?: string;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  file: string;
  /** The index's format version, when the index could be read. */
  format?: string;
  backup?: string;
  encrypted: boolean;
  /** Objects listed in the index. */
  items: number;
  /** sha256 of the file as stored. */
  sha256: string;
  /** What was checked: "contents" (every file) or "digest" (only the stored bytes). */
  checked: "contents" | "digest";
  problems: VerifyProblem[];
}

/** The object a resources/<group>/<version>/<resource>/<ns>/<name>.json path names. */
export function objectOfPath(path: string): Pick<VerifyProblem, "gvr" | "namespace" | "name"> {
  const m = /^resources\/([^/]+)\/([^/]+)\/([^/]+)\/([^/]+)\/(.+)\.json$/.exec(path);
  if (!m) return {};
  const [, group, version, resource, scope, name] = m;
  const gvr = `${group === CORE_GROUP_SEGMENT ? "" : group}/${version}/${resource}`;
  return {
    gvr: gvr.replace(/^\//, ""),
    ...(scope === CLUSTER_SCOPE_SEGMENT ? {} : { namespace: scope }),
    name,
  };
}

const objectProblem = (path: string, message: string, more: Partial<VerifyProblem> = {}) => ({
  path,
  ...objectOfPath(path),
  ...more,
  message,
});

/** Every file's digest against the index: mismatches, missing and extra files. Pure. */
export function compareWithIndex(
  files: { name: string; sha256: string }[],
  index: BackupIndex,
  /** Only part of the archive could be read: files not reached are not reported missing. */
  opts: { partial?: boolean } = {},
): VerifyProblem[] {
  const problems: VerifyProblem[] = [];
  const expected = new Map<string, string>(Object.entries(index.files ?? {}));
  for (const e of index.items) expected.set(e.path, e.sha256);
  const seen = new Set<string>();
  for (const f of files) {
    if (f.name === BACKUP_FILES.index) continue;
    if (seen.has(f.name)) {
      problems.push(objectProblem(f.name, "appears twice in the archive"));
      continue;
    }
    seen.add(f.name);
    const want = expected.get(f.name);
    if (want === undefined) {
      problems.push(objectProblem(f.name, "is in the archive but not in the index"));
    } else if (want !== f.sha256) {
      problems.push(
        objectProblem(f.name, "does not match the index", { expected: want, actual: f.sha256 }),
      );
    }
  }
  for (const [path, sha256] of opts.partial ? [] : expected) {
    if (!seen.has(path)) {
      problems.push(
        objectProblem(path, "is in the index but not in the archive", { expected: sha256 }),
      );
    }
  }
  return problems;
}

function tryParseIndex(text: string, path: string): BackupIndex | undefined {
  try {
    return parseIndex(text, path);
  } catch {
    return undefined;
  }
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Checks a backup archive file; never throws for a bad archive (the report says what is wrong). */
export async function verifyBackupFile(
  path: string,
  opts: { key?: Buffer } = {},
): Promise<VerifyReport> {
  const encrypted = await isEncryptedFile(path);
  const sha256 = await fileSha256(path);
  const problems: VerifyProblem[] = [];
  const report = (more: Partial<VerifyReport>): VerifyReport => ({
    ok: problems.length === 0,
    file: path,
    encrypted,
    items: 0,
    sha256,
    checked: "digest",
    problems,
    ...more,
  });

  const sidecar = sidecarPath(path);
  if (existsSync(sidecar)) {
    const want = parseSha256Sum(readFileSync(sidecar, "utf8"), basename(path));
    if (want !== sha256) {
      problems.push({
        path: basename(path),
        expected: want,
        actual: sha256,
        message: want
          ? `does not match ${basename(sidecar)}`
          : `${basename(sidecar)} holds no sha256 for it`,
      });
    }
  } else if (encrypted && !opts.key) {
    problems.push({
      path: basename(path),
      message: `is encrypted and there is neither a key nor ${basename(sidecar)} to check it against`,
    });
  }
  if (encrypted && !opts.key) return report({});

  const files: { name: string; sha256: string }[] = [];
  // Files whose bytes differ from their own header's digest: what names a changed object when
  // the archive is too damaged to reach its index.
  const headerMismatches: VerifyProblem[] = [];
  let indexText: string | undefined;
  try {
    for await (const f of readTarball(createReadStream(path), { key: opts.key, what: path })) {
      const actual = sha256Hex(f.bytes);
      files.push({ name: f.name, sha256: actual });
      if (f.sha256 && f.sha256 !== actual) {
        headerMismatches.push(
          objectProblem(f.name, "does not match the sha256 in its tar header", {
            expected: f.sha256,
            actual,
          }),
        );
      }
      if (f.name === BACKUP_FILES.index) indexText = f.bytes.toString("utf8");
    }
  } catch (err) {
    const e = err as Error;
    const during = err instanceof ArchiveReadError ? err.during : undefined;
    problems.push(
      during ? objectProblem(during, e.message) : { path: basename(path), message: e.message },
    );
    // A corrupt gzip trailer fails once the index is out: compare what was read to name the
    // object that changed.
    if (during === BACKUP_FILES.index && err instanceof ArchiveReadError && err.partial) {
      indexText = err.partial.toString("utf8");
    }
    const index = indexText === undefined ? undefined : tryParseIndex(indexText, path);
    if (!index) {
      problems.push(...headerMismatches);
      return report({ checked: "contents" });
    }
    problems.push(...compareWithIndex(files, index, { partial: true }));
    return report({
      checked: "contents",
      format: index.format,
      backup: index.backup,
      items: index.items.length,
    });
  }
  if (indexText === undefined) {
    problems.push({ path: BACKUP_FILES.index, message: "is missing: the archive is incomplete" });
    return report({ checked: "contents" });
  }
  let index: BackupIndex;
  try {
    index = parseIndex(indexText, path);
  } catch (err) {
    const format = err instanceof UnsupportedFormatError ? err.found : undefined;
    problems.push({ path: BACKUP_FILES.index, message: (err as Error).message });
    return report({ checked: "contents", format });
  }
  if (files.at(-1)?.name !== BACKUP_FILES.index) {
    problems.push({ path: BACKUP_FILES.index, message: "is not the archive's last file" });
  }
  problems.push(...compareWithIndex(files, index));
  return report({
    checked: "contents",
    format: index.format,
    backup: index.backup,
    items: index.items.length,
  });
}
