// pkgs collaborators: everyone who can read or write a package, with read-only or read-write
// (`npm access list collaborators`).
import { getCollaborators } from '../core/permissions.js'
import { printPermissions } from '../io/table.js'
import { defineCommand } from './command.js'

export default defineCommand({
  name: 'collaborators',
  description: 'list everyone who can install or publish a package, with read-only or read-write',
  arguments: [{ name: 'package', description: 'the package (default: the name in the nearest package.json, here or above)' }],
  examples: [
    ['pkgs collaborators', 'for the package in ./package.json'],
    ['pkgs collaborators @acme/widgets | cat', '"alice: read-write" per line, as npm access list collaborators'],
  ],
  json: ['pkgs collaborators @acme/widgets --json', '{"package", "registry", "collaborators": {"<user>": "read-only"|"read-write"}}'],
  async run(ctx, { package: packageArg }) {
    const { client, target, name } = await ctx.packageTarget(packageArg, 'pkgs collaborators @acme/widgets')
    return { package: name, registry: target.registry.url, collaborators: await getCollaborators(client, name) }
  },
  render: (result, io) => printPermissions(io, 'USER', result.collaborators, 'No collaborators.'),
})
