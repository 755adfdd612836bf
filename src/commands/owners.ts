// pkgs owners: the owners of a package with their e-mail (`npm owner ls`).
import type { Command } from 'commander'
import type { Runner } from '../cli.js'
import type { Context } from '../core/context.js'
import { getOwners } from '../core/owners.js'
import { packageTarget } from '../core/sharing.js'
import { table } from '../core/table.js'
import { examples } from './help.js'

export async function runOwners(ctx: Context, packageArg: string | undefined): Promise<void> {
  const { config, target, name } = await packageTarget(ctx, packageArg, 'pkgs owners @acme/widgets')
  const { owners } = await getOwners(config, target, name)
  const list = owners.map((o) => ({ name: o.name, email: o.email ?? null }))
  if (ctx.io.json) ctx.io.printJson({ package: name, registry: target.registry.url, owners: list })
  else if (ctx.io.isStdoutTTY) ctx.io.print(table(['OWNER', 'EMAIL'], list.map((o) => [o.name, o.email ?? '']), ctx.io.out.bold))
  // npm owner ls's lines
  else for (const o of list) ctx.io.print(`${o.name} <${o.email ?? ''}>`)
}

export function register(program: Command, run: Runner): void {
  program
    .command('owners')
    .argument('[package]', 'the package (default: the name in ./package.json)')
    .description('list the owners of a package (they can publish it and share it)')
    .addHelpText(
      'after',
      examples([
        ['pkgs owners', 'the owners of the package in ./package.json'],
        ['pkgs owners @acme/widgets | cat', '"alice <alice@example.com>" per line, as npm owner ls'],
        ['pkgs owners @acme/widgets --json', '{"package", "registry", "owners": [{"name", "email"}]}'],
      ]),
    )
    .action(run((ctx, args) => runOwners(ctx, args[0])))
}
