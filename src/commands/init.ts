// pkgs init: create or update ./package.json as @scope/name with its access recorded in
// publishConfig; a short wizard on a terminal, flags and defaults everywhere else.
import { dirname, relative } from 'node:path'
import { defaultScope, resolveRegistry, type Config } from '../core/config.js'
import { usageError } from '../core/errors.js'
import { detectKind, type RegistryIdentity } from '../core/registry.js'
import { accessIgnoredBy, accessOn } from '../core/access.js'
import { accessChoices, type Access } from '../package/access.js'
import {
  bareName,
  checkAnswers,
  cleanVersion,
  defaultsFrom,
  isValidLicense,
  isValidVersion,
  writeManifest,
  type Defaults,
  type InitAnswers,
} from '../package/init.js'
import { findManifest, readManifest, type Manifest } from '../package/manifest.js'
import { normalizeScope, scopeOf, validatePackageName } from '../package/names.js'
import { defineCommand } from './command.js'
import type { Context } from './context.js'

interface InitOptions {
  scope?: string
  name?: string
  initVersion?: string
  /** the old spelling of --init-version */
  version?: string
  description?: string
  access?: Access
  license?: string
}

/** The kind of the scope's registry as its URL shows it, for the text only (a symbol key: not in the JSON document). */
const registryIdentity = Symbol('registryIdentity')

interface InitResult {
  [registryIdentity]?: RegistryIdentity
  path: string
  name: string
  version: string
  access: Access
  created: boolean
}

/** Flags as given, checked before anything is asked or written; `--name @s/n` also gives the scope. */
function fromFlags(opts: InitOptions): Partial<InitAnswers> {
  const given: Partial<InitAnswers> = {}
  let scope = opts.scope !== undefined ? normalizeScope(opts.scope) : undefined
  if (opts.name !== undefined) {
    const nameScope = scopeOf(opts.name)
    if (nameScope) {
      validatePackageName(opts.name)
      if (scope && scope !== nameScope)
        throw usageError(`--name ${opts.name} and --scope ${scope} disagree.`, 'Give the scope once: --scope @s --name n, or --name @s/n.')
      scope = nameScope
    }
    given.name = bareName(opts.name)
  }
  if (scope) given.scope = scope
  const version = opts.initVersion ?? opts.version
  if (version !== undefined) {
    if (!isValidVersion(version))
      throw usageError(
        `Invalid version "${version}" (${opts.initVersion !== undefined ? '--init-version' : '--version'}).`,
        'Use a semantic version such as 1.0.0.',
      )
    given.version = cleanVersion(version)
  }
  if (opts.description !== undefined) given.description = opts.description
  if (opts.access !== undefined) given.access = opts.access
  if (opts.license !== undefined) given.license = opts.license
  return given
}

function validity(check: () => unknown): true | string {
  try {
    check()
    return true
  } catch (err) {
    return (err as Error).message
  }
}

/**
 * The kind of registry a scope's packages go to, from the configuration and the URL alone: init
 * sends no request (it works offline, and a look-up would add a round trip to a local command),
 * so a registry is named only when its host or path shows what it is.
 */
function registryKindOf(ctx: Context, config: Config, scope: string, existing: Manifest | undefined): RegistryIdentity {
  try {
    // where publish will send it: publishConfig.registry first, as publish reads it
    return detectKind(resolveRegistry(config, { scope, override: ctx.options.registry, publishConfigRegistry: existing?.publishConfig?.registry }).url)
  } catch {
    // a registry URL that is not one is publish's to refuse (and doctor's to show), not init's
    return { kind: 'unknown', evidence: 'none' }
  }
}

async function ask(ctx: Context, config: Config, given: Partial<InitAnswers>, defaults: Defaults, existing: Manifest | undefined): Promise<InitAnswers> {
  const io = ctx.io
  const scope =
    given.scope ??
    normalizeScope(
      await io.input('Scope (the @name your packages live under):', {
        default: defaults.scope,
        validate: (v) => validity(() => normalizeScope(v)),
      }),
    )
  const name =
    given.name ??
    (
      await io.input(`Package name (without ${scope}/):`, {
        default: defaults.name,
        validate: (v) => validity(() => checkAnswers({ scope, name: v.trim(), version: '1.0.0', description: '', access: 'restricted' })),
      })
    ).trim()
  const version =
    given.version ??
    cleanVersion(
      await io.input('Version:', { default: defaults.version, validate: (v) => (isValidVersion(v.trim()) ? true : 'A semantic version such as 1.0.0.') }),
    )
  const description = given.description ?? (await io.input('Description:', { default: defaults.description || undefined }))
  // as publish does: no question where the registry decides who can install by its own rules
  const access =
    given.access ??
    (accessIgnoredBy(registryKindOf(ctx, config, scope, existing))
      ? defaults.access
      : await io.select<Access>(`Who may install ${scope}/${name}?`, accessChoices, defaults.access))
  const license = given.license ?? (await io.input('License:', { default: defaults.license ?? 'ISC' })).trim()
  return { scope, name, version, description, access, license }
}

function withDefaults(given: Partial<InitAnswers>, defaults: Defaults): InitAnswers {
  const scope = given.scope ?? defaults.scope
  if (!scope) {
    throw usageError(
      'No scope for the package: none was given and none is configured.',
      'Pass --scope @your-scope (or set a default first: pkgs scope set @your-scope).',
    )
  }
  return {
    scope,
    name: given.name ?? defaults.name,
    version: given.version ?? defaults.version,
    description: given.description ?? defaults.description,
    access: given.access ?? defaults.access,
    license: given.license ?? defaults.license,
  }
}

/** A new package.json in a folder of another package makes a package of its own there: say which one it is inside. */
async function sayWhenNested(ctx: Context): Promise<void> {
  const parent = dirname(ctx.cwd)
  const outer = parent === ctx.cwd ? undefined : await findManifest(parent).catch(() => undefined)
  if (!outer) return
  const name = typeof outer.manifest.name === 'string' && outer.manifest.name ? `${outer.manifest.name} ` : ''
  const where = relative(ctx.cwd, dirname(outer.path))
  ctx.io.warn(
    `This folder is inside the package ${name}(${relative(ctx.cwd, outer.path)}): package.json is created here, a package of its own, as npm init does.`,
  )
  // `..` alone at the end of a sentence reads as an ellipsis: the command to type
  ctx.io.hint(`To set up that package instead: cd ${where} && pkgs init`)
}

async function runInit(ctx: Context, opts: InitOptions): Promise<InitResult> {
  const given = fromFlags(opts)
  const [config, found] = await Promise.all([ctx.config(), readManifest(ctx.cwd)])
  const existing = found?.manifest
  const defaults = defaultsFrom(existing, ctx.cwd, () => given.scope ?? defaultScope(config))
  const wizard = ctx.io.canPrompt() && !ctx.options.yes
  const answers = wizard ? await ask(ctx, config, given, defaults, existing) : withDefaults(given, defaults)
  const name = checkAnswers(answers)
  if (answers.license && !isValidLicense(answers.license)) {
    ctx.io.warn(`"${answers.license}" is not an SPDX license expression: npm warns about it at every publish.`)
    ctx.io.hint('Use an identifier such as MIT, ISC or Apache-2.0 (https://spdx.org/licenses/), or UNLICENSED for none: pkgs init --license MIT')
  }

  const current = typeof existing?.name === 'string' && existing.name ? existing.name : undefined
  if (current && current !== name) {
    await ctx.confirm({
      question: `Rename ${current} to ${name}?`,
      default: true,
      what: `Renaming package.json's ${current} to ${name} needs your confirmation`,
      yesHint: 'Pass --yes to rename it.',
      refused: `package.json was not changed: it is still named ${current}.`,
      refusedHint: `Run it again and answer yes, or pass --yes (or --name ${bareName(current)}${scopeOf(current) ? ` --scope ${scopeOf(current)}` : ''} to keep the name).`,
    })
  }
  // as npm init: the package.json is written here, in the folder asked; say so when that nests it in another package
  if (!found) await sayWhenNested(ctx)
  const written = await writeManifest(ctx.cwd, answers, existing)
  if (existing?.private === true) {
    ctx.io.warn(
      'package.json has "private": true, so npm refuses to publish it. Remove that line to publish (access "restricted" keeps it private on the registry).',
    )
  }
  return {
    [registryIdentity]: registryKindOf(ctx, config, answers.scope, existing),
    path: written.path,
    name,
    version: answers.version,
    access: answers.access,
    created: written.created,
  }
}

const versionFlag = { description: "the version (default: the package's, else 1.0.0)" }

export default defineCommand({
  name: 'init',
  description: 'create or update ./package.json as a scoped package, with its access recorded',
  options: {
    scope: { flags: '--scope <scope>', description: "the scope, e.g. @acme (default: the package's, else the configured scope)" },
    name: { flags: '--name <name>', description: "the name without the scope, or @scope/name (default: the package's, else the folder's)" },
    initVersion: { flags: '--init-version <version>', ...versionFlag },
    version: { flags: '--version <version>', ...versionFlag, hidden: true },
    description: { flags: '--description <text>', description: 'a one-line description' },
    access: {
      flags: '--access <access>',
      description: 'who may install it, recorded in publishConfig.access (default: restricted)',
      choices: ['restricted', 'public'],
    },
    license: { flags: '--license <spdx>', description: "the license (default: the package's, else ISC for a new one)" },
  },
  examples: [
    ['pkgs init', 'on a terminal: asks for scope, name, version, description, access, license'],
    ['pkgs init --scope @acme --yes', '@acme/<folder name>, restricted, defaults for the rest'],
    ['pkgs init --scope acme --name widgets --access public', 'without a terminal: flags and defaults, nothing asked'],
    ['pkgs init --scope @acme --init-version 0.1.0 --yes', "a first version other than 1.0.0 (npm init's --init-version)"],
    ['pkgs init --yes', 'the configured default scope (pkgs scope set @acme)'],
  ],
  json: ['pkgs init --scope @acme --yes --json', '{"path", "name", "version", "access", "created"}'],
  notes:
    'An existing package.json keeps every other field and its formatting; renaming it asks first (--yes agrees).' +
    '\nWithout a terminal nothing is asked: the scope must come from --scope or the configured scope.' +
    "\nThe last line says who can install it on the scope's registry, known from its address alone (no request):" +
    '\nnot used by GitHub Packages, GitLab, Artifactory or Nexus (nor asked for there), which set it their own way.',
  run: runInit,
  render(result, io) {
    const identity = result[registryIdentity] ?? { kind: 'unknown', evidence: 'none' }
    io.success(`${result.created ? 'Created' : 'Updated'} ${result.path}: ${result.name}@${result.version}, ${accessOn(result.access, identity, false)}.`)
    io.hint('Publish it with: pkgs publish')
  },
})
