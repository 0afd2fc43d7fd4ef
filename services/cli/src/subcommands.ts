/** `livesync <command> <subcommand> …`: dispatch to the subcommand, usage (exit 2) otherwise. */
export type Subcommand = (argv: string[]) => Promise<number>;

export function dispatchSubcommand(
  command: string,
  subcommands: Record<string, Subcommand>,
): Subcommand {
  return async (argv) => {
    const run = subcommands[argv[0] ?? ""];
    if (run) return run(argv.slice(1));
    console.error(`usage: livesync ${command} ${Object.keys(subcommands).join("|")} …`);
    return argv[0] === "--help" || argv[0] === "-h" ? 0 : 2;
  };
}
