// pkgs share: make a user an owner of a package (`npm owner add`, read-write), or grant a team
// read-only or read-write (`npm access grant`).
import type { Command } from 'commander'
import type { Runner } from '../cli.js'
import type { Context } from '../core/context.js'
import { usageError } from '../core/errors.js'
import type { Permission } from '../core/permissions.js'
import { planShare, share, type ShareResult } from '../core/sharing.js'
import { isTeam } from '../package/names.js'
import { examples } from './help.js'

export interface ShareOptions {
  readOnly?: boolean
  readWrite?: boolean
}

function permissionsOf(grantee: string, opts: ShareOptions): Permission {
  if (opts.readOnly && opts.readWrite) throw usageError('Choose --read-only or --read-write, not both.')
  if (!isTeam(grantee)) {
    if (opts.readOnly) {
      throw usageError(
        `A single user cannot get read-only access: sharing with ${grantee} makes them an owner, who can publish.`,
        `Give read-only access through a team: pkgs team add @org:team ${grantee}, then pkgs share @org:team <package> --read-only`,
      )
    }
    return 'read-write'
  }
  return opts.readWrite ? 'read-write' : 'read-only'
}

export function describeShare(r: ShareResult): string {
  const team = r.grantee.startsWith('@')
  if (!r.changed) return team ? `${r.package}: ${r.grantee} already has ${r.permissions}; nothing changed.` : `${r.package}: ${r.grantee} is already an owner (read-write); nothing changed.`
  if (!team) return `${r.package}: ${r.grantee} is now an owner (read-write).`
  return `${r.package}: ${r.grantee} now has ${r.permissions}${r.previous ? ` (was ${r.previous})` : ''}.`
}

export async function runShare(ctx: Context, grantee: string, packageArg: string | undefined, opts: ShareOptions): Promise<void> {
  const permissions = permissionsOf(grantee, opts)
  const plan = await planShare(ctx, 'share', grantee, packageArg)
  const result = await share(ctx, plan, permissions)
  if (ctx.io.json) ctx.io.printJson(result)
  else ctx.io.print(describeShare(result))
}

export function register(program: Command, run: Runner): void {
  program
    .command('share')
    .argument('<grantee>', 'a user (becomes an owner) or a team as @org:team')
    .argument('[package]', 'the package (default: the name in ./package.json)')
    .description('give a user (as an owner) or a team access to a package')
    .option('--read-only', 'a team may install it (the default for teams)')
    .option('--read-write', 'a team may install and publish it')
    .addHelpText(
      'after',
      examples([
        ['pkgs share bob', 'bob becomes an owner of the package in ./package.json (npm owner add)'],
        ['pkgs share bob @acme/widgets', 'the same for @acme/widgets'],
        ['pkgs share @acme:devs @acme/widgets', 'the team devs of @acme may install it (read-only)'],
        ['pkgs share @acme:devs @acme/widgets --read-write', 'and publish it'],
        ['pkgs share bob --json', '{"package", "registry", "grantee", "permissions", "changed"}'],
      ]) +
        '\n\nA single user is always read-write (an owner): for read-only, add them to a team\n(pkgs team add @org:team <user>) and share with the team. Already shared: exit 0, "changed": false.',
    )
    .action(run((ctx, args, opts) => runShare(ctx, args[0], args[1], opts as ShareOptions)))
}
