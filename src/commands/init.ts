// pkgs init: create or update ./package.json as @scope/name with its access recorded in
// publishConfig; a short wizard on a terminal, flags and defaults everywhere else.
import { Option, type Command } from 'commander'
import type { Runner } from '../cli.js'
import { defaultScope } from '../core/config.js'
import type { Context } from '../core/context.js'
import { Exit, PkgsError, usageError } from '../core/errors.js'
import { bareName, checkAnswers, defaultsFrom, isValidVersion, writeManifest, type Access, type Defaults, type InitAnswers } from '../package/init.js'
import { readManifest } from '../package/manifest.js'
import { normalizeScope, scopeOf, validatePackageName } from '../package/names.js'
import { examples } from './help.js'

export interface InitOptions {
  scope?: string
  name?: string
  version?: string
  description?: string
  access?: Access
  license?: string
}

export interface InitResult {
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
      if (scope && scope !== nameScope) throw usageError(`--name ${opts.name} and --scope ${scope} disagree.`, 'Give the scope once: --scope @s --name n, or --name @s/n.')
      scope = nameScope
    }
    given.name = bareName(opts.name)
  }
  if (scope) given.scope = scope
  if (opts.version !== undefined) {
    if (!isValidVersion(opts.version)) throw usageError(`Invalid version "${opts.version}" (--version).`, 'Use a semantic version such as 1.0.0.')
    given.version = opts.version
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

async function ask(ctx: Context, given: Partial<InitAnswers>, defaults: Defaults): Promise<InitAnswers> {
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
    (await io.input(`Package name (without ${scope}/):`, {
      default: defaults.name,
      validate: (v) => validity(() => checkAnswers({ scope, name: v.trim(), version: '1.0.0', description: '', access: 'restricted' })),
    })).trim()
  const version =
    given.version ??
    (await io.input('Version:', { default: defaults.version, validate: (v) => (isValidVersion(v.trim()) ? true : 'A semantic version such as 1.0.0.') })).trim()
  const description = given.description ?? (await io.input('Description:', { default: defaults.description || undefined }))
  const access =
    given.access ??
    (await io.select<Access>(
      `Who may install ${scope}/${name}?`,
      [
        { name: 'restricted: only you and the people and teams you share it with', value: 'restricted' },
        { name: 'public: everyone', value: 'public' },
      ],
      defaults.access,
    ))
  const license = given.license ?? (await io.input('License:', { default: defaults.license ?? 'ISC' })).trim()
  return { scope, name, version, description, access, license }
}

function withDefaults(given: Partial<InitAnswers>, defaults: Defaults): InitAnswers {
  const scope = given.scope ?? defaults.scope
  if (!scope) {
    throw usageError('No scope for the package: none was given and none is configured.', 'Pass --scope @your-scope (or set a default first: pkgs scope set @your-scope).')
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

export async function runInit(ctx: Context, opts: InitOptions): Promise<InitResult> {
  const given = fromFlags(opts)
  const [config, found] = await Promise.all([ctx.config(), readManifest(ctx.cwd)])
  const existing = found?.manifest
  const defaults = defaultsFrom(existing, ctx.cwd, () => given.scope ?? defaultScope(config))
  const wizard = ctx.io.canPrompt() && !ctx.options.yes
  const answers = wizard ? await ask(ctx, given, defaults) : withDefaults(given, defaults)
  const name = checkAnswers(answers)

  const current = typeof existing?.name === 'string' && existing.name ? existing.name : undefined
  if (current && current !== name && !ctx.options.yes) {
    if (!ctx.io.canPrompt()) {
      throw usageError(`Renaming package.json's ${current} to ${name} needs your confirmation: ${ctx.io.noPromptReason()}.`, 'Pass --yes to rename it.')
    }
    if (!(await ctx.io.confirm(`Rename ${current} to ${name}?`, true))) {
      throw new PkgsError('ENOTCONFIRMED', `package.json was not changed: it is still named ${current}.`, {
        hint: `Run it again and answer yes, or pass --yes (or --name ${bareName(current)}${scopeOf(current) ? ` --scope ${scopeOf(current)}` : ''} to keep the name).`,
        exitCode: Exit.usage,
      })
    }
  }
  const written = await writeManifest(ctx.cwd, answers, existing)
  if (existing?.private === true) {
    ctx.io.warn('package.json has "private": true, so npm refuses to publish it. Remove that line to publish (access "restricted" keeps it private on the registry).')
  }
  return { path: written.path, name, version: answers.version, access: answers.access, created: written.created }
}

const accessMeaning: Record<Access, string> = {
  restricted: 'private: only you and those you share it with can install it',
  public: 'everyone can install it',
}

export function register(program: Command, run: Runner): void {
  program
    .command('init')
    .description('create or update ./package.json as a scoped package, with its access recorded')
    .option('--scope <scope>', 'the scope, e.g. @acme (default: the package\'s, else the configured scope)')
    .option('--name <name>', "the name without the scope, or @scope/name (default: the package's, else the folder's)")
    .option('--version <version>', 'the version (default: the package\'s, else 1.0.0)')
    .option('--description <text>', 'a one-line description')
    .addOption(new Option('--access <access>', 'who may install it, recorded in publishConfig.access (default: restricted)').choices(['restricted', 'public']))
    .option('--license <spdx>', "the license (default: the package's, else ISC for a new one)")
    .addHelpText(
      'after',
      examples([
        ['pkgs init', 'on a terminal: asks for scope, name, version, description, access, license'],
        ['pkgs init --scope @acme --yes', '@acme/<folder name>, restricted, defaults for the rest'],
        ['pkgs init --scope acme --name widgets --access public', 'without a terminal: flags and defaults, nothing asked'],
        ['pkgs init --yes', 'the configured default scope (pkgs scope set @acme)'],
        ['pkgs init --scope @acme --yes --json', '{"path", "name", "version", "access", "created"}'],
      ]) +
        '\n\nAn existing package.json keeps every other field and its formatting; renaming it asks first (--yes agrees).' +
        '\nWithout a terminal nothing is asked: the scope must come from --scope or the configured scope.',
    )
    .action(
      run(async (ctx, _args, opts) => {
        const result = await runInit(ctx, opts as InitOptions)
        if (ctx.io.json) ctx.io.printJson(result)
        else {
          ctx.io.success(`${result.created ? 'Created' : 'Updated'} ${result.path}: ${result.name}@${result.version}, ${result.access} (${accessMeaning[result.access]}).`)
          ctx.io.hint('Publish it with: pkgs publish')
        }
      }),
    )
}
