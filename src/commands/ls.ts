// pkgs ls: the packages a user, org or team can read or write, with the permission on each
// (`npm access list packages`).
import type { Command } from 'commander'
import type { Runner } from '../cli.js'
import { defaultScope } from '../core/config.js'
import type { Context } from '../core/context.js'
import { getPackagesOf, type Holder } from '../core/permissions.js'
import { requireCredentials } from '../core/preflight.js'
import { whoami } from '../core/registry.js'
import { isTeam, normalizeScope, parseTeam, validateUserName } from '../package/names.js'
import { printPermissions } from './collaborators.js'
import { examples } from './help.js'

function holderOf(value: string): Holder {
  if (isTeam(value)) return { kind: 'team', team: parseTeam(value) }
  return { kind: 'org-or-user', name: value.startsWith('@') ? normalizeScope(value) : validateUserName(value) }
}

export async function runLs(ctx: Context, entity: string | undefined): Promise<void> {
  const given = entity ? holderOf(entity) : undefined
  const config = await ctx.config()
  // a scope or team lives on its scope's registry; a user on the default scope's
  const scope = given?.kind === 'team' ? `@${given.team.org}` : given?.name.startsWith('@') ? given.name : defaultScope(config)
  const target = await ctx.target({ scope })
  ctx.warnAboutNpm()
  let holder = given
  if (!holder) {
    requireCredentials(target.registry, target.credentials, scope)
    holder = { kind: 'org-or-user', name: await whoami(config, target) }
  }
  const { kind, packages } = await getPackagesOf(config, target, holder)
  const name = holder.kind === 'team' ? holder.team.id : holder.name
  if (ctx.io.json) ctx.io.printJson({ entity: name, kind, registry: target.registry.url, packages })
  else printPermissions(ctx, 'PACKAGE', packages)
}

export function register(program: Command, run: Runner): void {
  program
    .command('ls')
    .argument('[entity]', 'a user, an org or scope (@acme), or a team (@acme:devs); default: you')
    .description('list the packages a user, org or team can install or publish, with the permission on each')
    .addHelpText(
      'after',
      examples([
        ['pkgs ls', 'your packages'],
        ['pkgs ls @acme', "the packages of the org (or user) acme you can see"],
        ['pkgs ls @acme:devs | cat', '"@acme/widgets: read-only" per line, as npm access list packages'],
        ['pkgs ls bob --json', '{"entity", "kind": "user"|"org"|"team", "registry", "packages": {"<package>": "read-only"|"read-write"}}'],
      ]),
    )
    .action(run((ctx, args) => runLs(ctx, args[0])))
}
