// pkgs whoami: the user name on the scope's registry.
import { credentialsFor, defaultScope, resolveRegistry, type Config } from '../core/config.js'
import { PkgsError } from '../core/errors.js'
import { scopeMappings } from '../core/scopes.js'
import { whoami } from '../core/registry.js'
import { normalizeScope } from '../package/names.js'
import { defineCommand } from './command.js'

/**
 * Not logged in to the registry asked (no --scope: the default scope's, or the default one), but
 * logged in where a mapped scope goes: name the whoami that answers there.
 */
function withLoggedInScopes(error: PkgsError, config: Config, asked: string | undefined): PkgsError {
  const scopes = scopeMappings(config)
    .map((m) => m.scope)
    .filter((scope) => scope !== asked && credentialsFor(config, resolveRegistry(config, { scope }).url).type !== 'none')
  if (!scopes.length) return error
  const named = scopes.length > 3 ? `${scopes.slice(0, 3).join(', ')}, …` : scopes.join(', ')
  const where = scopes.length > 1 ? `the registries of ${named}` : `${scopes[0]}'s registry`
  const otherwise = error.hint?.replace(/^Log in with: /, 'To log in here instead: ')
  return new PkgsError(error.code, error.message, {
    hint: `You are logged in on ${where}: pkgs whoami --scope ${scopes[0]} (pkgs scope set ${scopes[0]} makes it the default).${otherwise ? ` ${otherwise}` : ''}`,
    exitCode: error.exitCode,
    cause: error,
  })
}

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
  notes:
    "Not logged in there: exit 3 with the pkgs login command; logged in on a mapped scope's registry instead, the hint names pkgs whoami --scope <that scope>.",
  json: ['pkgs whoami --json', '{"username": "…", "registry": "…"}'],
  async run(ctx, opts) {
    const scope = opts.scope ? normalizeScope(opts.scope) : defaultScope(await ctx.config())
    try {
      const { config, target } = await ctx.loggedIn({ scope })
      return { username: await whoami(config, target), registry: target.registry.url }
    } catch (err) {
      if (opts.scope || !(err instanceof PkgsError) || err.code !== 'ENEEDAUTH') throw err
      throw withLoggedInScopes(err, await ctx.config(), scope)
    }
  },
  render: (result, io) => io.print(result.username),
})
