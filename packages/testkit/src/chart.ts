export async function installChart(_o: { log: (line: string) => void }): Promise<void> {
  throw new Error("not yet");
}
