// Every command of pkgs, from the command index (src/commands/index.ts): tests that go through
// them all take the list from here, so that a new command is in them without a copy to update.
import { isGroup } from '../../src/commands/command.js'
import { commandModules } from '../../src/commands/index.js'

/** The top-level commands, in the order `pkgs --help` lists them. */
export const commandNames = Object.keys(commandModules)

/**
 * Every command line that runs a command: a command, a group that runs by itself (`scope`), and
 * each command of a group (`team ls`).
 */
export async function commandPaths(): Promise<string[][]> {
  const paths: string[][] = []
  for (const [name, load] of Object.entries(commandModules)) {
    const def = (await load()).default
    if (!isGroup(def)) paths.push([name])
    else {
      if (def.default) paths.push([name])
      for (const command of def.commands) paths.push([name, command.name])
    }
  }
  return paths
}
