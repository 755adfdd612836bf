// pkgs with no command, on a terminal: a guided menu. Each choice asks only for what the command
// cannot find or ask for itself, then runs the command exactly as if it had been typed.
import type { IO } from '../io/io.js'
import { findManifest } from '../package/manifest.js'
import { isTeam, normalizeScope, parseTeam, validatePackageName, validateUserName } from '../package/names.js'

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

/** The arguments of the command chosen (empty: quit). */
export async function chooseFromMenu(io: IO, cwd: string): Promise<string[]> {
  const name = (await findManifest(cwd).catch(() => undefined))?.manifest.name
  const local = typeof name === 'string' && name ? name : undefined
  const here = local ? ` (${local})` : ''
  const choice = await io.select<Choice>('What do you want to do?', [
    { name: local ? `Set up this package under a scope${here}` : 'Set up a scoped package here', value: 'init', description: 'pkgs init: package.json as @scope/name, private by default' },
    { name: 'Set the default scope', value: 'scope', description: 'pkgs scope set: npm init and pkgs use it for new packages' },
    { name: 'Log in', value: 'login', description: "pkgs login: to the default scope's registry" },
    { name: `Publish this package${here}`, value: 'publish', description: 'pkgs publish: private unless you choose otherwise' },
    { name: 'Share a package with a user or a team', value: 'share', description: 'pkgs share: a user becomes an owner; a team gets read-only or read-write' },
    { name: 'Make a package private', value: 'make-private', description: 'pkgs make-private' },
    { name: 'Make a package public', value: 'make-public', description: 'pkgs make-public: everyone can install it (asks first)' },
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
      const grantee = (await io.input('Share with (a user name, or a team as @org:team):', { validate: valid((v) => (isTeam(v) ? parseTeam(v) : validateUserName(v))) })).trim()
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
