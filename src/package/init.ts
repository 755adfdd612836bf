// Creating or updating ./package.json as a scoped package. An existing file changes only in the
// values pkgs sets (json-edit.ts): every other byte, the key order, the indentation and the line
// endings stay; the write is atomic.
import { readFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { createRequire } from 'node:module'
import { fileError, usageError } from '../core/errors.js'
import type { Access } from './access.js'
import { setJsonValue } from './json-edit.js'
import type { Manifest } from './manifest.js'
import { scopeOf, validatePackageName } from './names.js'

const require = createRequire(import.meta.url)

export interface InitAnswers {
  scope: string
  /** the name without its scope */
  name: string
  version: string
  description: string
  access: Access
  /** undefined: leave the file's license alone (an existing package without one, nothing asked) */
  license?: string
}

const maxNameLength = 214

/** A folder's name made into a valid package name: lower case, URL-safe characters, no leading dot or underscore. */
export function nameFromFolder(dir: string, scope = ''): string {
  const made = basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._~-]+/, '')
    .replace(/-+$/, '')
    .slice(0, maxNameLength - scope.length - 1)
    .replace(/[._~-]+$/, '')
  return made || 'package'
}

/** The bare name of `@scope/name` or `name`. */
export function bareName(name: string): string {
  return scopeOf(name) ? name.slice(name.indexOf('/') + 1) : name
}

export function isValidVersion(version: string): boolean {
  return Boolean((require('semver/functions/valid') as (v: string) => string | null)(version))
}

/** The version as npm writes it: "v1.0.0" and "=1.0.0" are 1.0.0 (semver's valid(), which npm's normalisation uses). */
export function cleanVersion(version: string): string {
  return (require('semver/functions/valid') as (v: string) => string | null)(version.trim()) ?? version
}

/**
 * A license npm accepts without a warning: an SPDX expression (spdx-expression-parse, what
 * validate-npm-package-license checks with), UNLICENSED, or "SEE LICENSE IN <file>".
 */
export function isValidLicense(license: string): boolean {
  if (/^(UNLICENSED|UNLICENCED)$/i.test(license) || /^SEE LICEN[CS]E IN ./i.test(license)) return true
  try {
    ;(require('spdx-expression-parse') as (s: string) => unknown)(license)
    return true
  } catch {
    return false
  }
}

/** What an existing package.json contributes as defaults. */
export interface Defaults {
  scope?: string
  name: string
  version: string
  description: string
  access: Access
  license?: string
}

/** `configuredScope` is called only when the package has no scope of its own: an invalid setting then throws. */
export function defaultsFrom(manifest: Manifest | undefined, dir: string, configuredScope: () => string | undefined): Defaults {
  const current = typeof manifest?.name === 'string' && manifest.name ? manifest.name : undefined
  const scope = (current && scopeOf(current)) ?? configuredScope()
  const access = manifest?.publishConfig?.access
  return {
    scope,
    name: current ? bareName(current) : nameFromFolder(dir, scope),
    version: typeof manifest?.version === 'string' && manifest.version ? manifest.version : '1.0.0',
    description: typeof manifest?.description === 'string' ? manifest.description : '',
    access: access === 'public' || access === 'restricted' ? access : 'restricted',
    // like npm init, a new package gets ISC; an existing one keeps what it has (or has not)
    license: typeof manifest?.license === 'string' && manifest.license ? manifest.license : manifest ? undefined : 'ISC',
  }
}

/** The full name; anything npm would not accept is a usage error, before any file is written. */
export function checkAnswers(a: InitAnswers): string {
  if (a.name.includes('/')) throw usageError(`Invalid package name "${a.name}": give the name without a scope, or as @scope/name.`)
  const full = validatePackageName(`${a.scope}/${a.name}`)
  if (!isValidVersion(a.version)) throw usageError(`Invalid version "${a.version}".`, 'Use a semantic version such as 1.0.0.')
  if (a.license !== undefined && !a.license.trim())
    throw usageError('The license cannot be empty.', 'Use an SPDX identifier such as ISC or MIT, or UNLICENSED.')
  return full
}

export interface Written {
  path: string
  created: boolean
}

/** Write the answers into dir/package.json, keeping everything else the file holds as it is. */
export async function writeManifest(dir: string, a: InitAnswers, existing: Manifest | undefined): Promise<Written> {
  const path = join(dir, 'package.json')
  const fields: [string[], unknown][] = [
    [['name'], `${a.scope}/${a.name}`],
    [['version'], a.version],
  ]
  if (a.description || typeof existing?.description === 'string') fields.push([['description'], a.description])
  if (a.license !== undefined) fields.push([['license'], a.license])
  fields.push([['publishConfig', 'access'], a.access])
  const before = existing ? await readText(path) : undefined
  let text: string
  if (before === undefined) {
    const content: Record<string, unknown> = {}
    for (const [[key, inner], value] of fields) content[key] = inner ? { [inner]: value } : value
    text = `${JSON.stringify(content, null, 2)}\n`
  } else {
    // a byte-order mark stays where it is, out of the JSON's way
    const bom = before.startsWith('\uFEFF') ? '\uFEFF' : ''
    text = before.slice(bom.length)
    // a value already as asked stays as written (even when spelled differently, "\u0061" for "a")
    for (const [keys, value] of fields) if (valueAt(existing!, keys) !== value) text = setJsonValue(text, keys, value)
    text = bom + text
  }
  if (text !== before) {
    const { default: writeFileAtomic } = await import('write-file-atomic')
    try {
      await writeFileAtomic(path, text)
    } catch (err) {
      throw fileError('write', path, err)
    }
  }
  return { path, created: !existing }
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    throw fileError('read', path, err)
  }
}

function valueAt(manifest: Manifest, keys: string[]): unknown {
  let at: unknown = manifest
  for (const key of keys) at = at && typeof at === 'object' && !Array.isArray(at) ? (at as Record<string, unknown>)[key] : undefined
  return at
}
