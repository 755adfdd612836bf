// pkgs whoami: the user name on the scope's registry.
import { defaultScope } from '../core/config.js'
import { whoami } from '../core/registry.js'
import { normalizeScope } from '../package/names.js'
import { defineCommand } from './command.js'

export default defineCommand({
  name: 'whoami',
  description: "print the user name you are logged in as on the scope's registry",
  options: {
    scope: { flags: '--scope <scope>', description: 'the scope whose registry to ask (default: the configured scope)' },
  },
  examples: [
    ['pkgs whoami', "on the default scope's registry (or the default registry)"],
    ['pkgs whoami --scope @acme', "on @acme's registry"],
  ],
  json: ['pkgs whoami --json', '{"username": "…", "registry": "…"}'],
  async run(ctx, opts) {
    const scope = opts.scope ? normalizeScope(opts.scope) : defaultScope(await ctx.config())
    const { config, target } = await ctx.loggedIn({ scope })
    return { username: await whoami(config, target), registry: target.registry.url }
  },
  render: (result, io) => io.print(result.username),
})
