// pkgs access: public or private, for each package or a whole scope; and what make-public,
// make-private and mfa share: which packages, on which registry, run concurrently, reported.
import type { Command } from 'commander'
import type { Runner } from '../cli.js'
import type { Config } from '../core/config.js'
import type { Context } from '../core/context.js'
import { Exit, PkgsError, usageError } from '../core/errors.js'
import { forEachConcurrently, type Outcome } from '../core/bulk.js'
import { requireCredentials } from '../core/preflight.js'
import type { Target } from '../core/registry.js'
import { getVisibility, packagesOfScope, type Visibility } from '../core/visibility.js'
import { packageNameOrLocal } from '../package/manifest.js'
import { normalizeScope, scopeOf, validatePackageName } from '../package/names.js'
import { examples } from './help.js'

export interface BulkOptions {
  scope?: string
  concurrency?: string
}

export interface Planned {
  name: string
  target: Target
}

export interface BulkResult {
  package: string
  registry: string
  error?: { code: string; message: string; hint?: string }
  [key: string]: unknown
}

export function concurrencyOf(opts: BulkOptions): number {
  const n = opts.concurrency === undefined ? 8 : Number(opts.concurrency)
  if (!Number.isInteger(n) || n < 1) throw usageError(`Invalid --concurrency "${opts.concurrency}".`, 'Give a whole number of packages to work on at once, e.g. --concurrency 8.')
  return n
}

/**
 * Reads (visibility) go as wide as npm's own connection limit per registry (maxsockets, 15 by
 * default) even when fewer packages change at once: they change nothing, and half the requests of a run are reads.
 */
export function readConcurrency(config: Config, concurrency: number): number {
  return Math.max(concurrency, Number(config.flat.maxSockets) || 15)
}

/** The packages named, else the scope's, else ./package.json's; each with its own registry. */
export async function planPackages(
  ctx: Context,
  args: string[],
  opts: BulkOptions,
  { scopedOnly, loggedIn, want, command }: { scopedOnly: boolean; loggedIn: boolean; want?: Visibility; command: string },
): Promise<{ config: Config; planned: Planned[] }> {
  const config = await ctx.config()
  if (opts.scope && args.length) throw usageError('Name packages or a --scope, not both.')
  let names: string[]
  if (opts.scope) {
    const scope = normalizeScope(opts.scope)
    const target = await ctx.target({ scope })
    ctx.warnAboutNpm()
    if (loggedIn) requireCredentials(target.registry, target.credentials, scope)
    names = await packagesOfScope(config, target, scope, want)
    if (!names.length) ctx.io.warn(`${scope} has no packages on ${target.registry.url} that you can see.`)
  } else {
    const local = args.length ? args : [await packageNameOrLocal(ctx.cwd)].filter((n): n is string => Boolean(n))
    if (!local.length) throw usageError('Name a package (or --scope <@s>): there is no package.json here.', `e.g. pkgs ${command} @acme/widgets`)
    names = [...new Set(local.map((n) => validatePackageName(n)))]
  }
  if (scopedOnly) {
    const unscoped = names.filter((n) => !scopeOf(n))
    if (unscoped.length) {
      throw usageError(`${unscoped.join(', ')} ${unscoped.length > 1 ? 'are' : 'is'} not scoped: only scoped packages can be private, so unscoped ones are always public.`, 'Publish it under a scope (pkgs init --scope @your-scope).')
    }
  }
  const planned: Planned[] = []
  for (const name of names) {
    const scope = scopeOf(name)
    const target = await ctx.target({ scope, packageName: name })
    if (loggedIn) requireCredentials(target.registry, target.credentials, scope)
    planned.push({ name, target })
  }
  ctx.warnAboutNpm()
  return { config, planned }
}

export function errorOf(outcome: Outcome<unknown>): BulkResult['error'] {
  return outcome.error ? { code: outcome.skipped ? 'ESKIPPED' : outcome.error.code, message: outcome.skipped ? `Not attempted: the run stopped (${outcome.error.code}).` : outcome.error.message, hint: outcome.error.hint } : undefined
}

/** Per-package failures on stderr as they happen (one package alone: its error is the run's). */
export function reportFailure(ctx: Context, name: string, outcome: Outcome<unknown>, total: number): void {
  if (outcome.error && !outcome.skipped && total > 1) ctx.io.info(`${ctx.io.err.red('error')} ${name}: ${outcome.error.message}`)
}

/** Exit code of a run: the stopping error's, 1 if any failed, else 0; with a top-level error for --json. */
export function finish(ctx: Context, doc: Record<string, unknown>, failed: number, total: number, stoppedBy?: PkgsError): void {
  let error: PkgsError | undefined
  if (stoppedBy) error = new PkgsError(stoppedBy.code, `Stopped: ${stoppedBy.message}`, { hint: stoppedBy.hint, exitCode: stoppedBy.exitCode })
  else if (failed) error = new PkgsError('EPARTIAL', `${failed} of ${total} package${total > 1 ? 's' : ''} failed.`, { hint: 'Run the same command again to finish the rest.' })
  if (ctx.io.json) ctx.io.printJson(error ? { ...doc, error: { code: error.code, message: error.message, hint: error.hint } } : doc)
  else if (error) {
    ctx.io.info(`${ctx.io.err.red('error')} ${error.message}`)
    if (error.hint) ctx.io.hint(error.hint)
  }
  if (error) process.exitCode = error.exitCode === Exit.ok ? Exit.failure : error.exitCode
}

export async function runAccess(ctx: Context, args: string[], opts: BulkOptions): Promise<void> {
  const concurrency = concurrencyOf(opts)
  const { config, planned } = await planPackages(ctx, args, opts, { scopedOnly: false, loggedIn: false, command: 'access' })
  const { outcomes, stoppedBy } = await forEachConcurrently(
    planned,
    readConcurrency(config, concurrency),
    (p) => getVisibility(config, p.target, p.name),
    (p, outcome) => {
      if (outcome.value) ctx.io.print(`${p.name}: ${outcome.value}`)
      else reportFailure(ctx, p.name, outcome, planned.length)
    },
  )
  const results: BulkResult[] = planned.map((p, i) => ({ package: p.name, registry: p.target.registry.url, ...(outcomes[i].value ? { access: outcomes[i].value } : { error: errorOf(outcomes[i]) }) }))
  const failed = outcomes.filter((o) => o.error).length
  if (planned.length === 1 && outcomes[0].error) throw outcomes[0].error
  finish(ctx, { results, failed }, failed, planned.length, stoppedBy)
}

export function register(program: Command, run: Runner): void {
  program
    .command('access')
    .argument('[packages...]', 'packages (default: the name in ./package.json)')
    .description('show whether packages are public or private')
    .option('--scope <scope>', 'every package of this scope (org or user)')
    .option('--concurrency <n>', 'packages to ask about at once', '8')
    .addHelpText(
      'after',
      examples([
        ['pkgs access', 'the package in ./package.json'],
        ['pkgs access @acme/a @acme/b', '"@acme/a: private" per line'],
        ['pkgs access --scope @acme --json', '{"results": [{"package", "registry", "access"|"error"}], "failed"}'],
      ]),
    )
    .action(run((ctx, args, opts) => runAccess(ctx, args, opts as BulkOptions)))
}
