// pkgs owners: the owners of a package with their e-mail (`npm owner ls`).
import { getOwners } from '../core/owners.js'
import { table } from '../io/table.js'
import { defineCommand } from './command.js'

export default defineCommand({
  name: 'owners',
  description: 'list the owners of a package (they can publish it and share it)',
  arguments: [{ name: 'package', description: 'the package (default: the name in the nearest package.json, here or above)' }],
  examples: [
    ['pkgs owners', 'the owners of the package in ./package.json'],
    ['pkgs owners @acme/widgets | cat', '"alice <alice@example.com>" per line, as npm owner ls'],
  ],
  json: ['pkgs owners @acme/widgets --json', '{"package", "registry", "owners": [{"name", "email"}]}'],
  async run(ctx, { package: packageArg }) {
    const { client, target, name } = await ctx.packageTarget(packageArg, 'pkgs owners @acme/widgets')
    const { owners } = await getOwners(client, name)
    return { package: name, registry: target.registry.url, owners: owners.map((o) => ({ name: o.name, email: o.email ?? null })) }
  },
  render({ owners }, io) {
    if (io.isStdoutTTY)
      io.print(
        table(
          ['OWNER', 'EMAIL'],
          owners.map((o) => [o.name, o.email ?? '']),
          io.out.bold,
        ),
      )
    // npm owner ls's lines
    else for (const o of owners) io.print(`${o.name} <${o.email ?? ''}>`)
  },
})
