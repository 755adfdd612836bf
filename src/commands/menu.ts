// pkgs with no command, on a terminal: a guided menu. Each choice asks only for what the command
// cannot find or ask for itself, then runs the command exactly as if it had been typed.
import { configuredScope, invalidDefaultScope, resolveRegistry, type Config } from '../core/config.js'
import { identifyRegistry, workflowsFor, type Support } from '../core/registry.js'
import type { IO } from '../io/io.js'
import { findManifest } from '../package/manifest.js'
import { isTeam, normalizeScope, parseTeam, scopeOf, validatePackageName, validateUserName } from '../package/names.js'
import type { Context } from './context.js'

type Choice = 'init' | 'scope' | 'login' | 'publish' | 'share' | 'make-private' | 'make-public' | 'doctor' | 'quit'

/** A validator for inquirer: the check's usage message, or true. */
function valid(check: (value: string) => unknown): (value: string) => true | string {
  return (value) => {
    try {
      check(value.trim())
      return true
    } catch (err) {
      return (err as Error).message
    }
  }
}

async function packageName(io: IO, local: string | undefined, message: string): Promise<string> {
  return (await io.input(message, { default: local, validate: valid(validatePackageName) })).trim()
}

/** How long the menu waits for the registry to say what it is before offering what its address allows. */
const pingTimeoutMs = 1000

/** The registry a scope's packages use (as the commands resolve it), or none for an unusable URL. */
function registryOf(ctx: Context, config: Config, scope: string | undefined): string | undefined {
  try {
    return resolveRegistry(config, { scope, override: ctx.options.registry }).url
  } catch {
    return undefined
  }
}

/** What the registry supports: from its address, else one quick ping (any failure: everything is offered). */
async function supportOf(ctx: Context, config: Config, scope: string | undefined): Promise<Support | undefined> {
  try {
    const target = await ctx.target({ scope })
    return workflowsFor(await identifyRegistry(config, target, pingTimeoutMs))
  } catch {
    return undefined
  }
}

/**
 * The workflows of the registry the menu's commands would use: the package's scope's, else the
 * default scope's. The ping for the default scope's registry starts as soon as the configuration
 * is read, while package.json is read; only a package of a scope on another registry asks that one.
 */
async function registrySupport(ctx: Context, manifestName: Promise<string | undefined>): Promise<Support | undefined> {
  const config = await ctx.config().catch(() => undefined)
  if (!config) return undefined
  const defaultScope = invalidDefaultScope(config) ? undefined : configuredScope(config)
  const forDefault = supportOf(ctx, config, defaultScope)
  const name = await manifestName
  const scope = name ? scopeOf(name) : undefined
  if (scope && registryOf(ctx, config, scope) !== registryOf(ctx, config, defaultScope)) return supportOf(ctx, config, scope)
  return forDefault
}

/** A choice the registry cannot do: shown dimmed with the reason (where it is managed instead), not selectable. */
function unless(reason: string | undefined): { disabled?: string } {
  return reason ? { disabled: `— ${reason}` } : {}
}

/** The arguments of the command chosen (empty: quit). */
export async function chooseFromMenu(ctx: Context): Promise<string[]> {
  const io = ctx.io
  const manifestName = findManifest(ctx.cwd).then(
    (found) => (typeof found?.manifest.name === 'string' && found.manifest.name ? found.manifest.name : undefined),
    () => undefined,
  )
  const [local, support] = await Promise.all([manifestName, registrySupport(ctx, manifestName)])
  const here = local ? ` (${local})` : ''
  const missing = support?.unsupported ?? {}
  const choice = await io.select<Choice>('What do you want to do?', [
    {
      name: local ? `Set up this package under a scope${here}` : 'Set up a scoped package here',
      value: 'init',
      description: 'pkgs init: package.json as @scope/name, private by default',
    },
    { name: 'Set the default scope', value: 'scope', description: 'pkgs scope set: npm init and pkgs use it for new packages' },
    { name: 'Log in', value: 'login', description: "pkgs login: to the default scope's registry" },
    { name: `Publish this package${here}`, value: 'publish', description: 'pkgs publish: private unless you choose otherwise' },
    {
      name: 'Share a package with a user or a team',
      value: 'share',
      description: 'pkgs share: a user becomes an owner; a team gets read-only or read-write',
      ...unless(missing.share),
    },
    { name: 'Make a package private', value: 'make-private', description: 'pkgs make-private', ...unless(missing.visibility) },
    {
      name: 'Make a package public',
      value: 'make-public',
      description: 'pkgs make-public: everyone can install it (asks first)',
      ...unless(missing.visibility),
    },
    { name: 'Check the set-up', value: 'doctor', description: 'pkgs doctor: npm, registry, login, package.json' },
    { name: 'Quit', value: 'quit' },
  ])
  switch (choice) {
    case 'quit':
      return []
    case 'scope': {
      const scope = await io.input('Scope (e.g. @acme):', { validate: valid(normalizeScope) })
      return ['scope', 'set', normalizeScope(scope)]
    }
    case 'share': {
      const grantee = (
        await io.input('Share with (a user name, or a team as @org:team):', { validate: valid((v) => (isTeam(v) ? parseTeam(v) : validateUserName(v))) })
      ).trim()
      const name = await packageName(io, local, 'Package:')
      if (!isTeam(grantee)) return ['share', grantee, name]
      const permissions = await io.select('The team may:', [
        { name: 'install it (read-only)', value: '--read-only' },
        { name: 'install and publish it (read-write)', value: '--read-write' },
      ])
      return ['share', parseTeam(grantee).id, name, permissions]
    }
    case 'make-private':
    case 'make-public':
      return [choice, await packageName(io, local, 'Package:')]
    default:
      return [choice]
  }
}
