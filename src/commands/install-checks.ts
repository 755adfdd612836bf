// pkgs doctor for a project that installs private packages: for each scope its dependencies use,
// where it installs from and what says so, the credentials for that registry (here and in CI),
// each dependency readable (not logged in, no access and not on this registry told apart), the
// lockfile's URLs against the scope's registry, and Dependabot's registries.
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { defaultRegistry, resolveRegistry, sourceOf, type Config } from '../core/config.js'
import {
  compareToRegistry,
  dependabotEntryFor,
  installNpmrcLines,
  keptCredentials,
  lockEntries,
  lockfileNames,
  otherSpellings,
  parseDependabot,
  registryOfTarball,
  rewrittenByNpm,
  scopedDependencies,
  type KeptCredentials,
  type LockEntry,
  type LockfileName,
} from '../core/consumer.js'
import { RegistryError } from '../core/errors.js'
import { explainError } from '../core/explain.js'
import { nerfDart } from '../core/npmrc.js'
import { credentialsError, loginCommand, type Check } from '../core/preflight.js'
import { abbreviatedPackument, requestJson, targetFor, whoami, type Target } from '../core/registry.js'
import type { Manifest } from '../package/manifest.js'
import { escapedName, scopeOf } from '../package/names.js'
import type { Context } from './context.js'

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8')
  } catch {
    return undefined
  }
}

/** The `pkgs scope set` line that maps a scope in the project's own .npmrc (what CI and teammates read). */
export function mapCommand(scope: string, url: string): string {
  return `pkgs scope set ${scope} --registry ${url} --location project`
}

/** The .npmrc lines a CI job needs to install a scope's packages, as a hint shows them. */
export function ciLines(scope: string | undefined, registry: string): string {
  return installNpmrcLines(scope, registry, nerfDart(registry)).join('\n  ')
}

/** What a package's read answered: readable, or why not. */
type Read = { ok: true; latest?: string } | { ok: false; status?: number; err: unknown }

async function readPackage(config: Config, target: Target, name: string, quick = false): Promise<Read> {
  try {
    const res = await requestJson<{ 'dist-tags'?: Record<string, string> }>(config, target, `/${escapedName(name)}`, {
      preferOnline: true,
      headers: { accept: abbreviatedPackument },
      ...(quick ? { retry: { retries: 0 }, timeout: 5000 } : {}),
    })
    return { ok: true, latest: res.body['dist-tags']?.latest }
  } catch (err) {
    return { ok: false, status: err instanceof RegistryError ? (err.status ?? (err.code === 'ENEEDAUTH' ? 401 : undefined)) : undefined, err }
  }
}

/**
 * Another registry that some configured credentials are for, where the package is: the usual
 * cause of a scope that is not mapped (or mapped to another spelling).
 */
export async function foundElsewhere(config: Config, target: Target, name: string): Promise<KeptCredentials | undefined> {
  const others = keptCredentials(config).filter((k) => compareToRegistry(target.registry.url, k.url) === 'other')
  const reads = await Promise.all(
    others.map(async (k) => {
      const there = targetFor(config, { url: k.url, rule: 'flag', source: k.key }, target.scope, name)
      return (await readPackage(config, there, name, true)).ok ? k : undefined
    }),
  )
  return reads.find(Boolean)
}

/** No credentials for the registry, but some for another spelling of it: named, with the mapping that would use them. */
export function otherSpellingCheck(config: Config, target: Target, scope: string | undefined, id: string): Check | undefined {
  const [other] = otherSpellings(keptCredentials(config), target.registry.url)
  if (!other) return undefined
  const file = sourceOf(config, other.key)?.label ?? 'npm config'
  return {
    id,
    status: 'error',
    message: `No credentials for ${target.registry.url}, but a token is kept for ${other.nerfDart} (in ${file}): the same registry spelt another way, which npm does not use for ${target.registry.url}.`,
    hint: scope
      ? `Use the spelling the token is kept for: ${mapCommand(scope, other.url)}`
      : `Use the spelling the token is kept for: pkgs login --registry ${other.url}, or set registry=${other.url}`,
  }
}

/** Why a dependency cannot be read, in one of three words: not logged in, no access, not on this registry. */
async function unreadable(config: Config, target: Target, name: string, read: Extract<Read, { ok: false }>, user: Promise<string | undefined>): Promise<Check> {
  const id = `install-package:${name}`
  const scope = scopeOf(name)!
  const url = target.registry.url
  const sent = target.credentials.type !== 'none'
  if (read.status === 401 || read.status === 404) {
    const elsewhere = await foundElsewhere(config, target, name)
    if (elsewhere) {
      return {
        id,
        status: 'error',
        message: `${name} is not on this registry, ${url} (where ${scope} installs from), but it is on ${elsewhere.url}, which a token is kept for.`,
        hint: `Map ${scope} to it: ${mapCommand(scope, elsewhere.url)}`,
      }
    }
  }
  if (read.status === 401 && !sent) {
    return { id, status: 'error', message: `${name}: not logged in to ${url}, which asks for credentials to read it.`, hint: loginHint(target, scope) }
  }
  if (read.status === 401) {
    const problem = target.credentials.problem && credentialsError(target.registry, target.credentials, scope)
    if (problem) return { id, status: 'error', message: `${name}: ${problem.message}`, hint: problem.hint }
    const variable = target.credentials.source?.variable
    const file = target.credentials.source?.file ? sourceOf(config, target.credentials.key!)?.label.replace(/ \(via .*\)$/, '') : undefined
    return {
      id,
      status: 'error',
      message: `${name}: ${url} rejected the credentials${variable ? ` from \${${variable}} in ${file}` : ''} (not logged in).`,
      hint: variable
        ? `${variable} holds a token ${url} does not accept: set it to a valid one (pkgs token create --read-only --scope ${scope}); logging in would not help, as ${file} names \${${variable}}.`
        : `Your token may be expired or revoked. Log in with: ${loginCommand(target.registry, scope)}`,
    }
  }
  const who = sent ? await user : undefined
  if (read.status === 403) {
    return {
      id,
      status: 'error',
      message: `${name}: no access for ${who ?? 'you'} on ${url}.`,
      hint: `Ask an owner of ${name} to run: pkgs share ${who ?? '<your-user>'} ${name}`,
    }
  }
  if (read.status === 404) {
    return {
      id,
      status: 'error',
      message: sent
        ? `${name} is not on this registry, ${url} — or it is private and ${who ?? 'you'} ${who ? 'has' : 'have'} no access to it.`
        : `${name} is not on this registry, ${url} — or it is private and you are not logged in.`,
      hint: sent
        ? `Check the name; if it is on another registry, ${mapCommand(scope, '<url>')}; if it is private, ask an owner to run: pkgs share ${who ?? '<your-user>'} ${name}`
        : `Check the name and where ${scope} installs from; if it is private, log in: ${loginCommand(target.registry, scope)}`,
    }
  }
  const e = explainError(read.err)
  return { id, status: 'error', message: `${name}: ${e.message}`, hint: e.hint }
}

function loginHint(target: Target, scope: string): string {
  return `Log in with: ${loginCommand(target.registry, scope)}; in CI, put these lines in ./.npmrc and NPM_TOKEN in a secret:\n  ${ciLines(scope, target.registry.url)}`
}

/** Where a scope installs from, and what says so. */
function whereFrom(config: Config, scope: string, target: Target): string {
  const { rule, source, url } = target.registry
  if (rule === 'scope') return `${scope}:registry in ${sourceOf(config, `${scope}:registry`)?.label ?? source}`
  if (rule === 'flag') return '--registry'
  if (rule === 'default') return `not mapped: npm's default, ${url}`
  const label = source.replace(/ \(registry\)$/, '')
  return `not mapped: the default registry, set by ${label.startsWith('environment variable') ? label : `registry= in ${label}`}`
}

/** What works here but not in CI (or for a teammate): a mapping or a token kept only outside the project. */
function ciChecks(config: Config, scope: string, target: Target, defaultUrl: string): Check[] {
  const { url } = target.registry
  if (target.registry.rule !== 'scope' || url === defaultUrl) return []
  const checks: Check[] = []
  const layer = sourceOf(config, `${scope}:registry`)?.layer
  if (layer && layer !== 'project') {
    checks.push({
      id: `install-ci:${scope}`,
      status: 'warn',
      message: `${scope} is mapped to ${url} only outside this project: in CI and for a teammate, ${scope} installs from ${defaultUrl}, which may hold a package of the same name.`,
      hint: `Map it in the project's .npmrc: ${mapCommand(scope, url)}`,
    })
  }
  const { credentials } = target
  if (credentials.type !== 'none' && !credentials.problem && credentials.source?.layer !== 'project' && !credentials.source?.variable) {
    checks.push({
      id: `install-ci:${scope}`,
      status: 'warn',
      message: `The token for ${url} is in ${credentials.source?.label ?? 'npm config'}: a CI job (or a teammate) has none.`,
      hint: `In CI, put these lines in ./.npmrc and NPM_TOKEN in a secret:\n  ${ciLines(scope, url)}`,
    })
  }
  return checks
}

async function scopeChecks(ctx: Context, config: Config, scope: string, names: string[], defaultUrl: string): Promise<{ checks: Check[]; target: Target }> {
  const target = await ctx.target({ scope })
  const { url } = target.registry
  const checks: Check[] = [{ id: `install-registry:${scope}`, status: 'ok', message: `${scope} installs from ${url} (${whereFrom(config, scope, target)}).` }]
  const credentials = target.credentials
  const sent = credentials.type !== 'none' && !credentials.problem
  const user = sent ? whoami(config, target).catch(() => undefined) : Promise.resolve(undefined)
  const reads = await Promise.all(names.map(async (name) => [name, await readPackage(config, target, name)] as const))
  const readable = reads.filter(([, r]) => r.ok)
  const failed = reads.filter((x): x is readonly [string, Extract<Read, { ok: false }>] => !x[1].ok)
  if (credentials.problem) {
    const e = credentialsError(target.registry, credentials, scope)!
    checks.push({ id: `install-credentials:${scope}`, status: 'error', message: e.message, hint: e.hint })
  } else if (credentials.type === 'none') {
    const spelling = otherSpellingCheck(config, target, scope, `install-credentials:${scope}`)
    if (spelling) checks.push(spelling)
  } else {
    checks.push({
      id: `install-credentials:${scope}`,
      status: 'ok',
      message: `Credentials for ${url} are set in ${credentials.source?.label ?? 'npm config'}.`,
    })
  }
  checks.push(...ciChecks(config, scope, target, defaultUrl))
  if (readable.length) {
    const list = readable.map(([n, r]) => (r.ok && r.latest ? `${n} (latest ${r.latest})` : n)).join(', ')
    checks.push({ id: `install-packages:${scope}`, status: 'ok', message: `Readable from ${url}: ${list}.` })
  }
  for (const [name, read] of failed) checks.push(await unreadable(config, target, name, read, user))
  return { checks, target }
}

type Lockfile = { file: LockfileName; entries: LockEntry[] } | { file: LockfileName; error: Error }

async function readLockfiles(dir: string): Promise<Lockfile[]> {
  const read = await Promise.all(lockfileNames.map(async (file) => [file, await readText(join(dir, file))] as const))
  return read.flatMap(([file, text]): Lockfile[] => {
    if (text === undefined) return []
    try {
      return [{ file, entries: lockEntries(file, text) }]
    } catch (err) {
      return [{ file, error: err as Error }]
    }
  })
}

function lockfileChecks(lockfiles: Lockfile[], targets: Map<string, Target>): Check[] {
  const checks: Check[] = []
  for (const lock of lockfiles) {
    const { file } = lock
    if ('error' in lock) {
      checks.push({
        id: `lockfile:${file}`,
        status: 'warn',
        message: `${file} cannot be read: ${lock.error.message}.`,
        hint: 'Let the package manager write it again.',
      })
      continue
    }
    const { entries } = lock
    const npm = file === 'package-lock.json' || file === 'npm-shrinkwrap.json'
    const wrong = new Map<string, { name: string; resolved: string; target: Target }[]>()
    for (const { name, resolved } of entries) {
      const scope = scopeOf(name)
      const target = scope && targets.get(scope)
      if (!target || !resolved || !/^https?:/.test(resolved) || (npm && rewrittenByNpm(resolved))) continue
      if (compareToRegistry(resolved, target.registry.url) === 'same') continue
      wrong.set(scope, [...(wrong.get(scope) ?? []), { name, resolved, target }])
    }
    for (const [scope, list] of wrong) {
      const { name, resolved, target } = list[0]
      const from = registryOfTarball(resolved, name)
      const spelling = compareToRegistry(resolved, target.registry.url) === 'other-spelling'
      const more = list.length > 1 ? ` (and ${list.length - 1} more of ${scope})` : ''
      checks.push({
        id: `lockfile:${file}:${scope}`,
        status: 'error',
        message: `${file} fetches ${name}${more} from ${from}, but ${scope} installs from ${target.registry.url}${spelling ? ' (the same registry spelt another way)' : ''}: the install uses the lockfile's URL, and the credentials kept for that host.`,
        hint: `Make them agree: ${mapCommand(scope, from)}; or resolve again from ${target.registry.url}: delete ${file} and install.`,
      })
    }
    if (!wrong.size)
      checks.push({ id: `lockfile:${file}`, status: 'ok', message: `${file} fetches every scoped package from the registry its scope installs from.` })
  }
  return checks
}

/** .github/dependabot.yml in the project's folder or one above it, up to the repository's root. */
async function findDependabot(dir: string): Promise<{ file: string; text: string } | undefined> {
  for (let at = dir; ; at = dirname(at)) {
    for (const name of ['dependabot.yml', 'dependabot.yaml']) {
      const file = join(at, '.github', name)
      const text = await readText(file)
      if (text !== undefined) return { file, text }
    }
    if ((await readText(join(at, '.git', 'HEAD'))) !== undefined || dirname(at) === at) return undefined
  }
}

async function dependabotChecks(dir: string, registries: Map<string, string>): Promise<Check[]> {
  const found = registries.size ? await findDependabot(dir) : undefined
  if (!found) return []
  const shown = found.file.slice(found.file.lastIndexOf('.github'))
  let config
  try {
    config = parseDependabot(found.text)
  } catch (err) {
    return [{ id: 'dependabot', status: 'error', message: `${shown} is not valid YAML: ${(err as Error).message}.`, hint: 'Fix the file.' }]
  }
  if (!config.npmUpdates) return []
  const checks: Check[] = []
  for (const [url, scope] of registries) {
    const entry = dependabotEntryFor(config, url)
    if (!entry) {
      const name = scope.slice(1)
      checks.push({
        id: `dependabot:${url}`,
        status: 'error',
        message: `${shown} has no npm-registry entry for ${url} (${scope}): Dependabot cannot update ${scope} packages.`,
        hint: `Add it (and list it in the npm update's registries):\nregistries:\n  ${name}:\n    type: npm-registry\n    url: ${url}\n    token: \${{secrets.NPM_TOKEN}}`,
      })
    } else if (!config.npmUpdates.every((listed) => listed.includes('*') || listed.includes(entry.name))) {
      checks.push({
        id: `dependabot:${url}`,
        status: 'warn',
        message: `${shown} has a registry entry for ${url} (${entry.name}), but the npm update does not list it.`,
        hint: `Add it to the npm update: registries: [${entry.name}] (or "*")`,
      })
    } else checks.push({ id: `dependabot:${url}`, status: 'ok', message: `${shown} gives Dependabot ${url} (${entry.name}).` })
  }
  return checks
}

/**
 * The checks of a project that installs packages: every scope its package.json and lockfile use,
 * each with its registry, credentials and dependencies; the lockfile's URLs; Dependabot's registries.
 */
export async function projectInstallChecks(ctx: Context, config: Config, found: { path: string; manifest: Manifest }): Promise<Check[]> {
  const dir = dirname(found.path)
  const direct = scopedDependencies(found.manifest)
  const lockfiles = await readLockfiles(dir)
  const locked = lockfiles.flatMap((l) => ('entries' in l ? l.entries : []))
  const scopes = [...new Set([...direct, ...locked.map((e) => e.name)].map(scopeOf).filter((s): s is string => Boolean(s)))].sort()
  if (!scopes.length) return []
  const defaultUrl = resolveRegistry(config, {}).url ?? defaultRegistry
  const results = await Promise.all(
    scopes.map((scope) =>
      scopeChecks(
        ctx,
        config,
        scope,
        direct.filter((n) => scopeOf(n) === scope),
        defaultUrl,
      ),
    ),
  )
  const targets = new Map(results.map((r, i) => [scopes[i], r.target]))
  // scopes only in the lockfile (a dependency's dependencies) that install from the default registry need no line of their own
  const shown = results.flatMap((r, i) => (direct.some((n) => scopeOf(n) === scopes[i]) || r.target.registry.rule === 'scope' ? r.checks : []))
  const privateRegistries = new Map<string, string>()
  for (const [scope, target] of targets)
    if (target.registry.rule === 'scope' && target.registry.url !== defaultUrl) privateRegistries.set(target.registry.url, scope)
  return [...shown, ...lockfileChecks(lockfiles, targets), ...(await dependabotChecks(dir, privateRegistries))]
}

/**
 * `pkgs doctor <package>`: beside the registry, credentials and read checks doctor makes for it,
 * what would fail in CI, and the lockfile of the project here when it holds the package.
 */
export async function packageInstallChecks(config: Config, target: Target, name: string, found: { path: string } | undefined): Promise<Check[]> {
  const scope = scopeOf(name)
  if (!scope) return []
  // outside a project there is no CI to install it, nor a lockfile
  if (!found) return []
  const checks = ciChecks(config, scope, target, resolveRegistry(config, {}).url)
  const lockfiles = (await readLockfiles(dirname(found.path))).map((l) => ('entries' in l ? { ...l, entries: l.entries.filter((e) => e.name === name) } : l))
  const holding = lockfiles.filter((l) => 'entries' in l && l.entries.length)
  return [...checks, ...lockfileChecks(holding, new Map([[scope, target]]))]
}
