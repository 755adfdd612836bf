// What the commands over several packages share (access, make-public, make-private, mfa): which
// packages (named, a scope's, or ./package.json's), each on its own registry, how many at once,
// and the result document of the run.
import type { RegistryClient } from '../core/client.js'
import type { Config } from '../core/config.js'
import { PkgsError, usageError } from '../core/errors.js'
import { bulkFailure } from '../core/bulk.js'
import { readEach, stopsTheRun, type ItemError, type Outcome, type Run } from '../core/plan.js'
import { isStatus, type Target } from '../core/registry.js'
import { packagesOfScope, type Visibility } from '../core/visibility.js'
import { noLocalName, packageNameOrLocal } from '../package/manifest.js'
import { normalizeScope, scopeOf, validatePackageName } from '../package/names.js'
import { findWorkspace, notInWorkspace, publishablePackages, someNames, workspaceAtRoot, type WorkspacePackage } from '../package/workspace.js'
import type { IO } from '../io/io.js'
import type { Context } from './context.js'

export const packagesArgument = {
  name: 'packages',
  description: "scoped packages (default: at a workspace's root, its packages; else the name in the nearest package.json)",
  variadic: true,
} as const

export function bulkOptions(concurrencyWhat: string) {
  return {
    scope: { flags: '--scope <scope>', description: 'every package of this scope (org or user)' },
    // measured (npm run bench: 2,000 packages, 50 ms per answer): 8 took 22.8 s, 16 14.9 s, 24 12.3 s,
    // 32 11.2 s, at the same memory; 24 is most of the gain, and a registry that pushes back slows the run down
    concurrency: { flags: '--concurrency <n>', description: concurrencyWhat, default: '24' },
  } as const
}

export interface Planned {
  name: string
  target: Target
  client: RegistryClient
  /** a package of the workspace: one the registry does not know has not been published yet */
  inWorkspace?: boolean
}

export interface BulkResult {
  package: string
  registry: string
  error?: ItemError
  [key: string]: unknown
}

export function concurrencyOf(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1)
    throw usageError(`Invalid --concurrency "${value}".`, 'Give a whole number of packages to work on at once, e.g. --concurrency 8.')
  return n
}

/**
 * Reads (visibility) go as wide as npm's own connection limit per registry (maxsockets, 15 by
 * default) even when fewer packages change at once: they change nothing, and half the requests of a run are reads.
 */
export function readConcurrency(config: Config, concurrency: number): number {
  return Math.max(concurrency, Number(config.flat.maxSockets) || 15)
}

/** What `--workspaces` means for the commands over several packages. */
export const workspacesOption = {
  workspaces: { flags: '--workspaces', description: "every package of the workspace this folder is in, but those marked private (npm's -ws)" },
} as const

/**
 * The workspace's packages a command acts on: every one not marked "private": true, with
 * --workspaces from any folder inside it, or with no package named at its root (never the root's
 * own name). undefined when neither applies.
 */
async function workspaceSelection(ctx: Context, workspaces: boolean | undefined): Promise<WorkspacePackage[] | undefined> {
  const ws = workspaces ? await findWorkspace(ctx.cwd) : await workspaceAtRoot(ctx.cwd)
  if (!ws) {
    if (workspaces) throw notInWorkspace(ctx.cwd)
    return undefined
  }
  const packages = publishablePackages(ws)
  if (!packages.length)
    throw usageError(`The workspace at ${ws.root} has no package that can be on a registry: every one is "private": true.`, 'Name the package instead.')
  ctx.io.info(`The workspace at ${ws.root}: ${someNames(packages.map((p) => p.name))}.`)
  return packages
}

/**
 * The packages a command acts on: those named, else the scope's, else the workspace's (with
 * --workspaces, or at its root), else ./package.json's; each with its own registry (a workspace
 * package's publishConfig.registry, else its scope's).
 */
export async function planPackages(
  ctx: Context,
  args: string[],
  scopeOption: string | undefined,
  { scopedOnly, loggedIn, want, command, workspaces }: { scopedOnly: boolean; loggedIn: boolean; want?: Visibility; command: string; workspaces?: boolean },
): Promise<{ config: Config; planned: Planned[]; workspace?: boolean }> {
  const config = await ctx.config()
  if ([scopeOption, args.length, workspaces].filter(Boolean).length > 1) throw usageError('Name packages, a --scope or --workspaces: one of them.')
  let names: string[]
  const fromWorkspace = scopeOption || args.length ? undefined : await workspaceSelection(ctx, workspaces)
  if (scopeOption) {
    const scope = normalizeScope(scopeOption)
    const target = loggedIn ? (await ctx.loggedIn({ scope })).target : await ctx.target({ scope })
    ctx.warnAboutNpm()
    names = await packagesOfScope(ctx.client(config, target), scope, want)
    if (!names.length) ctx.io.warn(`${scope} has no packages on ${target.registry.url} that you can see.`)
  } else if (fromWorkspace) {
    names = fromWorkspace.map((p) => validatePackageName(p.name))
  } else {
    const local = args.length ? args : [await packageNameOrLocal(ctx.cwd)].filter((n): n is string => Boolean(n))
    if (!local.length) throw usageError(`Name a package (or --scope <@s>): ${await noLocalName(ctx.cwd)}.`, `e.g. pkgs ${command} @acme/widgets`)
    names = [...new Set(local.map((n) => validatePackageName(n)))]
  }
  if (scopedOnly) {
    const unscoped = names.filter((n) => !scopeOf(n))
    if (unscoped.length) {
      throw usageError(
        `${unscoped.join(', ')} ${unscoped.length > 1 ? 'are' : 'is'} not scoped: only scoped packages can be private, so unscoped ones are always public.`,
        'Publish it under a scope (pkgs init --scope @your-scope).',
      )
    }
  }
  const planned: Planned[] = []
  for (const name of names) {
    const publishConfig = fromWorkspace?.find((p) => p.name === name)?.manifest.publishConfig
    const target = await ctx.target({ scope: scopeOf(name), packageName: name, publishConfigRegistry: publishConfig?.registry })
    if (loggedIn) await ctx.requireCredentials(config, target)
    planned.push({ name, target, client: ctx.client(config, target), ...(fromWorkspace ? { inWorkspace: true } : {}) })
  }
  ctx.warnAboutNpm()
  return { config, planned, ...(fromWorkspace ? { workspace: true } : {}) }
}

/**
 * Per-package failures on stderr, each with its hint (one package alone: its error is the run's,
 * said by the registrar; not attempted: the error that stopped the run says why).
 */
export function reportFailure(io: IO, name: string, error: PkgsError | undefined, skipped: boolean, total: number): void {
  if (!error || skipped || total < 2) return
  io.info(`${io.err.red('error')} ${name}: ${error.message}`)
  // what stops the run is said once more at its end, with its hint: not once per package in flight
  if (error.hint && !stopsTheRun(error)) io.hint(error.hint)
}

/** What the registry has for each package, read concurrently (paced per registry), each outcome in the packages' order. */
export function readPackages<T>(
  ctx: Context,
  planned: Planned[],
  read: (p: Planned) => Promise<T>,
  width: number,
  onRead?: (p: Planned, outcome: Outcome<T>) => void,
): Promise<Run<T>> {
  const reading = (p: Planned) => read(p).catch((err: unknown) => Promise.reject(p.inWorkspace && isNotFound(err) ? notPublishedYet(p, err) : err))
  return readEach(planned, reading, { width, pacers: ctx.pacers(), registryOf: (p) => p.target.registry.url, onRead })
}

const isNotFound = (err: unknown) => isStatus(err, 404) || (err instanceof PkgsError && err.code === 'E404')

/** A workspace package the registry does not know: not published yet (not "missing, or private"). */
function notPublishedYet(p: Planned, cause: unknown): PkgsError {
  return new PkgsError('E404', `${p.name} is not on ${p.target.registry.url} yet: it has not been published.`, {
    hint: 'Release the workspace first (pkgs publish --workspaces), then run this again.',
    cause,
  })
}

/**
 * A run's lines in the packages' order, whichever finishes first and in whichever phase (a
 * package left unchanged by the read is said where it stands, not before those that change):
 * a package's lines are printed once those of every package before it have been.
 */
export class LinesInOrder {
  readonly #pending: ((() => void) | undefined)[]
  #next = 0

  constructor(count: number) {
    this.#pending = new Array(count)
  }

  /** The lines of package i, printed as soon as those before it are. */
  set(i: number, say: () => void): void {
    this.#pending[i] = say
    while (this.#next < this.#pending.length && this.#pending[this.#next]) this.#pending[this.#next++]!()
  }

  /** What is left, in order, skipping packages that have nothing to say (the run stopped before them). */
  flush(): void {
    for (; this.#next < this.#pending.length; this.#next++) this.#pending[this.#next]?.()
  }
}

/** A summary line on stderr: the success mark only when nothing failed. */
export function summary(io: IO, line: string, { failed, skipped }: { failed: number; skipped: number }): void {
  if (failed || skipped) io.info(line)
  else io.success(line)
}

/** The error that stopped a run: kept with its document, out of its JSON (a symbol key). */
export const stoppedBy = Symbol('stoppedBy')

export interface BulkDocument {
  results: { error?: ItemError }[]
  [stoppedBy]?: PkgsError
}

/** The run's error for the registrar: what stopped it, else how many failed or were not attempted. */
export function bulkDocumentFailure(doc: BulkDocument): PkgsError | undefined {
  return bulkFailure(doc.results, doc[stoppedBy])
}
