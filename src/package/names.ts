// Names, scopes and teams, validated by npm's own rules before any request is made.
import { createRequire } from 'node:module'
import { usageError } from '../core/errors.js'

const require = createRequire(import.meta.url)

function validateName(name: string): { validForNewPackages: boolean; validForOldPackages: boolean; errors?: string[]; warnings?: string[] } {
  return require('validate-npm-package-name')(name)
}

/** `acme` or `@acme` -> `@acme`; anything npm would not accept as a scope is a usage error. */
export function normalizeScope(value: string): string {
  const scope = value.trim().startsWith('@') ? value.trim() : `@${value.trim()}`
  const bare = scope.slice(1)
  const check = validateName(`${scope}/x`)
  if (!bare || bare.includes('/') || !check.validForNewPackages) {
    throw usageError(`Invalid scope "${value}".`, 'A scope is @ followed by lower-case letters, digits, "-", "." or "_", e.g. @acme.')
  }
  return scope
}

/** The scope of a package name (`@acme/x` -> `@acme`), if it has one. */
export function scopeOf(name: string): string | undefined {
  return name.startsWith('@') && name.includes('/') ? name.slice(0, name.indexOf('/')) : undefined
}

/** A package name npm accepts for publishing; otherwise a usage error with npm's reason. */
export function validatePackageName(name: string): string {
  // a scope where a package is expected: npm's rule would say "URL-friendly characters", which is no help
  if (/^@[^/@\s]+\/?$/.test(name)) {
    const scope = name.replace(/\/$/, '')
    throw usageError(
      `${scope} is a scope; give ${scope}/<name> (or --scope ${scope}).`,
      `e.g. ${scope}/widgets; the commands over a whole scope take --scope ${scope} (pkgs access --scope ${scope}).`,
    )
  }
  const check = validateName(name)
  if (!check.validForNewPackages) {
    const reason = [...(check.errors ?? []), ...(check.warnings ?? [])][0] ?? 'not a valid package name'
    throw usageError(`Invalid package name "${name}": ${reason}.`, 'Scoped names look like @scope/name, in lower case.')
  }
  return name
}

/** The path segment of a package in registry URLs: @scope%2fname, as npm sends it. */
export function escapedName(name: string): string {
  return name.replace('/', '%2f')
}

export interface TeamName {
  /** the organisation, without @ */
  org: string
  team: string
  /** `@org:team`, as npm writes it */
  id: string
}

/** `@acme:devs` (or `acme:devs`) -> its parts; anything else is a usage error. */
export function parseTeam(value: string): TeamName {
  const [scopePart, team = '', ...rest] = value.trim().split(':')
  const invalid = () => usageError(`Invalid team "${value}".`, 'A team is @org:team, e.g. @acme:developers.')
  if (rest.length || !/^[a-z0-9][a-z0-9._-]*$/i.test(team)) throw invalid()
  let scope: string
  try {
    scope = normalizeScope(scopePart)
  } catch {
    throw invalid()
  }
  return { org: scope.slice(1), team, id: `${scope}:${team}` }
}

export function isTeam(value: string): boolean {
  return value.includes(':')
}

/**
 * A user name npm's rules accept (npm-user-validate), upper case aside: registries other than
 * npmjs allow it, and old npmjs accounts have it.
 */
export function validateUserName(name: string): string {
  const { username } = require('npm-user-validate') as { username(name: string): Error | null }
  const problem = name ? username(name.toLowerCase()) : new Error('Name is empty')
  if (problem || name.startsWith('@')) {
    throw usageError(
      `Invalid user name "${name}"${problem ? `: ${problem.message.replace(/^Name /, 'it ')}` : ''}.`,
      'Give a user name as the registry knows it (pkgs whoami prints yours), or a team as @org:team.',
    )
  }
  return name
}
