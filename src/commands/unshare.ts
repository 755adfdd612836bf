// pkgs unshare: remove an owner (`npm owner rm`, never the last one) or revoke a team's access
// (`npm access revoke`).
import type { Command } from 'commander'
import type { Runner } from '../cli.js'
import type { Context } from '../core/context.js'
import { planShare, unshare, type ShareResult } from '../core/sharing.js'
import { examples } from './help.js'

export function describeUnshare(r: ShareResult): string {
  const team = r.grantee.startsWith('@')
  if (!r.changed) return team ? `${r.package}: ${r.grantee} has no access to revoke; nothing changed.` : `${r.package}: ${r.grantee} is not an owner; nothing changed.`
  return team ? `${r.package}: ${r.grantee} no longer has access (had ${r.previous}).` : `${r.package}: ${r.grantee} is no longer an owner.`
}

export async function runUnshare(ctx: Context, grantee: string, packageArg: string | undefined): Promise<void> {
  const plan = await planShare(ctx, 'unshare', grantee, packageArg)
  const result = await unshare(ctx, plan)
  if (ctx.io.json) ctx.io.printJson(result)
  else ctx.io.print(describeUnshare(result))
}

export function register(program: Command, run: Runner): void {
  program
    .command('unshare')
    .argument('<grantee>', 'an owner, or a team as @org:team')
    .argument('[package]', 'the package (default: the name in ./package.json)')
    .description("take a user's ownership or a team's access to a package away")
    .addHelpText(
      'after',
      examples([
        ['pkgs unshare bob', 'bob is no longer an owner of the package in ./package.json (npm owner rm)'],
        ['pkgs unshare @acme:devs @acme/widgets', 'the team devs of @acme loses its access'],
        ['pkgs unshare bob --json', '{"package", "registry", "grantee", "permissions": null, "changed"}'],
      ]) + '\n\nThe last owner cannot be removed: share the package with someone else first.\nNot shared: exit 0, "changed": false.',
    )
    .action(run((ctx, args) => runUnshare(ctx, args[0], args[1])))
}
