// Just enough of a Dockerfile parser to compare one with an image spec: the stages, and for each
// its base and instructions (continuation lines joined, comments dropped).

export interface Instruction {
  op: string;
  args: string;
}

export interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM (usable in FROM lines). */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const lines = text
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  const out: Dockerfile = { globalArgs: {}, stages: [] };
  for (const line of lines) {
    const m = /^(\S+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`Dockerfile: cannot read the line "${line}"`);
    const op = m[1]!.toUpperCase();
    const args = m[2]!.replace(/\s+/g, " ");
    if (op === "FROM") {
      const [from, as, name] = args.split(" ");
      out.stages.push({
        from: from!,
        ...(as?.toUpperCase() === "AS" ? { name } : {}),
        instructions: [],
      });
    } else if (out.stages.length) {
      out.stages.at(-1)!.instructions.push({ op, args });
    } else if (op === "ARG") {
      const [k, v = ""] = args.split("=");
      out.globalArgs[k!] = v;
    }
  }
  return out;
}

/** The arguments of every `op` instruction of a stage. */
export const all = (stage: Stage, op: string) =>
  stage.instructions.filter((i) => i.op === op).map((i) => i.args);

/** The one `op` instruction of a stage (the last one wins, as in Docker). */
export const last = (stage: Stage, op: string) => all(stage, op).at(-1);

/** ENV's key=value pairs (several per instruction). */
export function envOf(stage: Stage): Record<string, string> {
  return Object.fromEntries(
    all(stage, "ENV").flatMap((a) => a.split(" ").map((kv) => kv.split("=") as [string, string])),
  );
}

/** COPY instructions: --from stage, sources and destination. */
export function copiesOf(stage: Stage): { from?: string; sources: string[]; to: string }[] {
  return all(stage, "COPY").map((a) => {
    const words = a.split(" ");
    const from = words.find((w) => w.startsWith("--from="))?.slice("--from=".length);
    const paths = words.filter((w) => !w.startsWith("--"));
    return { ...(from ? { from } : {}), sources: paths.slice(0, -1), to: paths.at(-1)! };
  });
}
