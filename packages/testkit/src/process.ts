import { spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

/** A component process started detached, so it outlives `testenv up` and is stopped by `down`. */
export interface StartedProcess {
  component: string;
  pid: number;
  command: string;
  logFile: string;
}

export class ComponentStartError extends Error {
  constructor(
    readonly component: string,
    readonly command: string,
    readonly logFile: string,
    reason: string,
  ) {
    super(
      `${component} failed to start: ${reason}\n  command: ${command}\n  log: ${logFile}\n` +
        indent(lastLines(logFile, 25)),
    );
    this.name = "ComponentStartError";
  }
}

export function startProcess(opts: {
  component: string;
  binary: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}): StartedProcess {
  const fd = openSync(opts.logFile, "a");
  try {
    const child = spawn(opts.binary, opts.args, {
      detached: true,
      stdio: ["ignore", fd, fd],
      env: { ...process.env, ...opts.env },
      cwd: opts.cwd,
    });
    child.unref();
    const command = [opts.binary, ...opts.args].join(" ");
    if (child.pid === undefined) {
      throw new ComponentStartError(opts.component, command, opts.logFile, "spawn returned no pid");
    }
    return { component: opts.component, pid: child.pid, command, logFile: opts.logFile };
  } finally {
    closeSync(fd);
  }
}

/** Running and not a zombie (an orphan's exit is reaped late, or never, inside containers). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== "ENOENT" || !existsSync("/proc/self");
  }
}

/** SIGTERM the process group, then SIGKILL what is left after the grace period. */
export async function stopProcess(pid: number, graceMs = 5_000): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig); // detached children lead their own process group
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  if (!isAlive(pid)) return;
  signal("SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return;
    await sleep(50);
  }
  signal("SIGKILL");
  while (isAlive(pid)) await sleep(20);
}

/**
 * Polls `probe` until it resolves true; fails with the component's command and log tail when
 * the process dies or the deadline passes.
 */
export async function waitUntilReady(
  proc: StartedProcess,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "";
  while (Date.now() < deadline) {
    if (!isAlive(proc.pid)) {
      throw new ComponentStartError(proc.component, proc.command, proc.logFile, "process exited");
    }
    try {
      if (await probe()) return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    await sleep(100);
  }
  throw new ComponentStartError(
    proc.component,
    proc.command,
    proc.logFile,
    `not ready after ${timeoutMs} ms${lastError ? ` (last probe error: ${lastError})` : ""}`,
  );
}

export function lastLines(file: string, n: number): string {
  try {
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    return lines.slice(-n).join("\n");
  } catch {
    return "(no log)";
  }
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `    | ${l}`)
    .join("\n");
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Remembers every process started for an environment on disk (one file per pid), so `down`
 * stops them even when `up` failed half-way or ran in another process.
 */
export class ProcessRegistry {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  start(opts: Parameters<typeof startProcess>[0]): StartedProcess {
    const proc = startProcess(opts);
    writeFileSync(
      join(this.dir, `${proc.pid}.json`),
      JSON.stringify({ ...proc, startedAt: Date.now() }),
    );
    this.launched.set(proc.pid, opts);
    return proc;
  }

  /** How each process of this registry was started, so a test can start it again. */
  private readonly launched = new Map<number, Parameters<typeof startProcess>[0]>();

  /** Stops one process (an outage a test injects) and forgets its pid file. */
  async stop(proc: StartedProcess): Promise<void> {
    await stopProcess(proc.pid);
    rmSync(join(this.dir, `${proc.pid}.json`), { force: true });
  }

  /** Starts a process stopped by `stop` again, with the same command, files and ports. */
  restart(proc: StartedProcess): StartedProcess {
    const opts = this.launched.get(proc.pid);
    if (!opts) throw new Error(`${proc.component} (pid ${proc.pid}) was not started here`);
    this.launched.delete(proc.pid);
    return this.start(opts);
  }

  list(): (StartedProcess & { startedAt: number })[] {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith(".json"))
      .map((f) => JSON.parse(readFileSync(join(this.dir, f), "utf8")))
      .sort((a, b) => a.startedAt - b.startedAt);
  }

  /** Forgets a process that is gone (killed on purpose), so `stopAll` does not signal its pid. */
  forget(pid: number): void {
    rmSync(join(this.dir, `${pid}.json`), { force: true });
  }

  /** Stops in reverse start order (apiservers before etcd) and forgets them. */
  async stopAll(): Promise<void> {
    for (const proc of this.list().reverse()) {
      await stopProcess(proc.pid);
      rmSync(join(this.dir, `${proc.pid}.json`), { force: true });
    }
  }
}
