// pkgs ls: the packages a user, org or team can read or write, with the permission on each
// (`npm access list packages`).
import { defaultScope } from '../core/config.js'
import { getPackagesOf, type Holder } from '../core/permissions.js'
import { printPermissions } from '../io/table.js'
import { isTeam, normalizeScope, parseTeam, validateUserName } from '../package/names.js'
import { defineCommand } from './command.js'

function holderOf(value: string): Holder {
  if (isTeam(value)) return { kind: 'team', team: parseTeam(value) }
  return { kind: 'org-or-user', name: value.startsWith('@') ? normalizeScope(value) : validateUserName(value) }
}

export default defineCommand({
  name: 'ls',
  description: 'list the packages a user, org or team can install or publish, with the permission on each',
  arguments: [{ name: 'entity', description: 'a user, an org or scope (@acme), or a team (@acme:devs); default: you' }],
  examples: [
    ['pkgs ls', 'your packages'],
    ['pkgs ls @acme', 'the packages of the org (or user) acme you can see'],
    ['pkgs ls @acme:devs | cat', '"@acme/widgets: read-only" per line, as npm access list packages'],
  ],
  json: ['pkgs ls bob --json', '{"entity", "kind": "user"|"org"|"team", "registry", "packages": {"<package>": "read-only"|"read-write"}}'],
  async run(ctx, { entity }) {
    const given = entity ? holderOf(entity) : undefined
    const config = await ctx.config()
    // a scope or team lives on its scope's registry; a user on the default scope's
    const scope = given?.kind === 'team' ? `@${given.team.org}` : given?.name.startsWith('@') ? given.name : defaultScope(config)
    let holder = given
    let target
    if (holder) {
      target = await ctx.target({ scope })
      ctx.warnAboutNpm()
    } else {
      ;({ target } = await ctx.loggedIn({ scope }))
      holder = { kind: 'org-or-user', name: await ctx.client(config, target).whoami() }
    }
    const { kind, packages } = await getPackagesOf(ctx.client(config, target), holder)
    return { entity: holder.kind === 'team' ? holder.team.id : holder.name, kind, registry: target.registry.url, packages }
  },
  render: (result, io) => printPermissions(io, 'PACKAGE', result.packages, 'No packages.'),
})
