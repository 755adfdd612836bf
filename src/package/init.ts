// Creating or updating ./package.json as a scoped package. Edits go through @npmcli/package-json
// (npm's own), which keeps every other field, the key order, the indentation and the line endings;
// the write is atomic.
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { createRequire } from 'node:module'
import { fileError, usageError } from '../core/errors.js'
import type { Access } from './access.js'
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
  if (a.license !== undefined && !a.license.trim()) throw usageError('The license cannot be empty.', 'Use an SPDX identifier such as ISC or MIT, or UNLICENSED.')
  return full
}

export interface Written {
  path: string
  created: boolean
}

/** Write the answers into dir/package.json, keeping everything else the file holds. */
export async function writeManifest(dir: string, a: InitAnswers, existing: Manifest | undefined): Promise<Written> {
  const { default: PackageJson } = await import('@npmcli/package-json')
  const name = `${a.scope}/${a.name}`
  const publishConfig = { ...(existing?.publishConfig ?? {}), access: a.access }
  const fields: Record<string, unknown> = { name, version: a.version }
  if (a.description || typeof existing?.description === 'string') fields.description = a.description
  if (a.license !== undefined) fields.license = a.license
  fields.publishConfig = publishConfig
  const pkg = existing ? await PackageJson.load(dir) : await PackageJson.create(dir)
  pkg.update(fields)
  await saveAtomically(pkg.filename, pkg.content)
  return { path: pkg.filename, created: !existing }
}

/**
 * PackageJson#save's serialisation (the file's own indentation and line ends), written with
 * write-file-atomic: save() itself writes in place, so a crash or a full disk mid-write would
 * leave a truncated package.json.
 */
async function saveAtomically(path: string, content: Record<string | symbol, unknown>): Promise<void> {
  const { [Symbol.for('indent')]: indent, [Symbol.for('newline')]: newline, ...fields } = content
  const text = `${JSON.stringify(fields, null, (indent as string | undefined) ?? '  ')}\n`.replace(/\n/g, (newline as string | undefined) ?? '\n')
  const before = await readFile(path, 'utf8').catch(() => undefined)
  if (text === before) return
  const { default: writeFileAtomic } = await import('write-file-atomic')
  try {
    await writeFileAtomic(path, text)
  } catch (err) {
    throw fileError('write', path, err)
  }
}
