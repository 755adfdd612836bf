// The default scope and the `@scope:registry` mappings: where each is set, and changing them in
// the user or project .npmrc.
import { resolveRegistry, shownPath, shownScope, sourceOf, type Config, type ResolvedRegistry, type Source } from './config.js'
import { editNpmrcFile, npmrcPath, readNpmrcValue, type Location } from './npmrc.js'
import { readFile } from 'node:fs/promises'

export interface ScopeMapping {
  scope: string
  registry: string
  source?: Source
}

export interface ScopeSettings {
  /** the default scope (`scope` config), with its @; an invalid one as written */
  scope?: string
  scopeSource?: Source
  /** the registry of packages whose scope is not mapped */
  registry: ResolvedRegistry
  mappings: ScopeMapping[]
}

/** Every `@scope:registry` in npm's configuration, with the value and the place npm uses. */
export function scopeMappings(config: Config): ScopeMapping[] {
  const keys = new Set<string>()
  for (const layer of config.npm.data.values()) {
    for (const key of Object.keys(layer.data ?? {})) if (/^@[^:/]+:registry$/.test(key)) keys.add(key)
  }
  const mappings: ScopeMapping[] = []
  for (const key of keys) {
    const registry = config.npm.get(key)
    if (typeof registry !== 'string' || !registry) continue
    mappings.push({ scope: key.slice(0, -':registry'.length), registry, source: sourceOf(config, key) })
  }
  return mappings.sort((a, b) => a.scope.localeCompare(b.scope))
}

export function readScopes(config: Config): ScopeSettings {
  // shown as configured, even when it is not a valid scope: this is where one looks to fix it
  const scope = shownScope(config)
  return {
    scope,
    scopeSource: scope ? sourceOf(config, 'scope') : undefined,
    registry: resolveRegistry(config, {}),
    mappings: scopeMappings(config),
  }
}

export interface ScopeChange {
  location: Location
  file: string
  /** the keys written or removed */
  changed: string[]
  /** a layer that sets the same key and wins over the file written */
  overriddenBy?: Source
}

// npm's layers, highest first
const precedence = ['cli', 'env', 'project', 'user', 'global', 'builtin', 'default']

function overriddenBy(config: Config, key: string, location: Location): Source | undefined {
  const layer = config.npm.find(key)
  if (!layer || precedence.indexOf(layer) >= precedence.indexOf(location)) return undefined
  return sourceOf(config, key)
}

/** `scope=@s` (what `npm config set scope` writes) and, with a registry, `@s:registry=<url>`. */
export async function setScope(config: Config, scope: string, location: Location, registry?: string): Promise<ScopeChange> {
  const file = npmrcPath(config, location)
  const set: Record<string, string> = { scope }
  if (registry) set[`${scope}:registry`] = registry
  const { changed } = await editNpmrcFile(file, { set }, shownPath(config, file))
  const shadowing = Object.keys(set)
    .map((key) => overriddenBy(config, key, location))
    .find((s) => s !== undefined)
  return { location, file, changed, overriddenBy: shadowing }
}

/**
 * Without a scope: remove the default scope. With one: remove its `@s:registry` mapping, and the
 * default scope when it is this one.
 */
export async function unsetScope(config: Config, location: Location, scope?: string): Promise<ScopeChange> {
  const file = npmrcPath(config, location)
  const remove: string[] = []
  if (scope) {
    remove.push(`${scope}:registry`)
    const text = await readFile(file, 'utf8').catch(() => '')
    const current = readNpmrcValue(text, 'scope')
    if (current && (current.startsWith('@') ? current : `@${current}`) === scope) remove.push('scope')
  } else remove.push('scope')
  const { changed } = await editNpmrcFile(file, { remove }, shownPath(config, file))
  return { location, file, changed }
}
