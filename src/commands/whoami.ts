// pkgs whoami: the user name on the scope's registry.
import type { Command } from 'commander'
import type { Runner } from '../cli.js'
import { defaultScope } from '../core/config.js'
import type { Context } from '../core/context.js'
import { requireCredentials } from '../core/preflight.js'
import { whoami } from '../core/registry.js'
import { normalizeScope } from '../package/names.js'
import { examples } from './help.js'

export interface WhoamiOptions {
  scope?: string
}

export async function runWhoami(ctx: Context, opts: WhoamiOptions): Promise<void> {
  const config = await ctx.config()
  const scope = opts.scope ? normalizeScope(opts.scope) : defaultScope(config)
  const target = await ctx.target({ scope })
  ctx.warnAboutNpm()
  requireCredentials(target.registry, target.credentials, scope)
  const username = await whoami(config, target)
  if (ctx.io.json) ctx.io.printJson({ username, registry: target.registry.url })
  else ctx.io.print(username)
}

export function register(program: Command, run: Runner): void {
  program
    .command('whoami')
    .description("print the user name you are logged in as on the scope's registry")
    .option('--scope <scope>', 'the scope whose registry to ask (default: the configured scope)')
    .addHelpText(
      'after',
      examples([
        ['pkgs whoami', 'on the default scope\'s registry (or the default registry)'],
        ['pkgs whoami --scope @acme', "on @acme's registry"],
        ['pkgs whoami --json', '{"username": "…", "registry": "…"}'],
      ]),
    )
    .action(run((ctx, _args, opts) => runWhoami(ctx, opts as WhoamiOptions)))
}
