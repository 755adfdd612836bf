// pkgs collaborators: everyone who can read or write a package, with read-only or read-write
// (`npm access list collaborators`).
import type { Command } from 'commander'
import type { Runner } from '../cli.js'
import type { Context } from '../core/context.js'
import { getCollaborators } from '../core/permissions.js'
import { packageTarget } from '../core/sharing.js'
import { table } from '../core/table.js'
import { examples } from './help.js'

/** A name -> permission list: a table on a terminal, npm's `name: permission` lines otherwise. */
export function printPermissions(ctx: Context, column: string, entries: Record<string, string>): void {
  const rows = Object.entries(entries)
  if (ctx.io.isStdoutTTY) ctx.io.print(rows.length ? table([column, 'PERMISSIONS'], rows, ctx.io.out.bold) : '(none)')
  else for (const [name, permissions] of rows) ctx.io.print(`${name}: ${permissions}`)
}

export async function runCollaborators(ctx: Context, packageArg: string | undefined): Promise<void> {
  const { config, target, name } = await packageTarget(ctx, packageArg, 'pkgs collaborators @acme/widgets')
  const collaborators = await getCollaborators(config, target, name)
  if (ctx.io.json) ctx.io.printJson({ package: name, registry: target.registry.url, collaborators })
  else printPermissions(ctx, 'USER', collaborators)
}

export function register(program: Command, run: Runner): void {
  program
    .command('collaborators')
    .argument('[package]', 'the package (default: the name in ./package.json)')
    .description('list everyone who can install or publish a package, with read-only or read-write')
    .addHelpText(
      'after',
      examples([
        ['pkgs collaborators', 'for the package in ./package.json'],
        ['pkgs collaborators @acme/widgets | cat', '"alice: read-write" per line, as npm access list collaborators'],
        ['pkgs collaborators @acme/widgets --json', '{"package", "registry", "collaborators": {"<user>": "read-only"|"read-write"}}'],
      ]),
    )
    .action(run((ctx, args) => runCollaborators(ctx, args[0])))
}
