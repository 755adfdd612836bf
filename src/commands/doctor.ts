// pkgs doctor: a checklist of the whole set-up, each check with a hint, registry checks in parallel.
import { createRequire } from 'node:module'
import { dirname, relative } from 'node:path'
import { ownPackage } from '../core/about.js'
import { configuredScope, invalidDefaultScope, publishConfigRegistryUrl, type Config } from '../core/config.js'
import { PkgsError, RegistryError } from '../core/errors.js'
import { tokenFor } from '../core/auth.js'
import { registryClient } from '../core/client.js'
import { explainError } from '../core/explain.js'
import { ciNames, ciProvider, getIdToken, idTokenClaims, trustCommand, type CiProvider } from '../core/oidc.js'
import { listTokens, tokenKey } from '../core/tokens.js'
import { checkNpm, credentialsError, loginCommand, type Check } from '../core/preflight.js'
import { abbreviatedPackument, detectKind, kindNames, requestJson, whoami, workflowsFor, type RegistryIdentity, type Target } from '../core/registry.js'
import { findManifest, nameOf, type Manifest } from '../package/manifest.js'
import { escapedName, normalizeScope, scopeOf, validatePackageName } from '../package/names.js'
import { checkSiblings, publishablePackages, unpublishableRanges, workspaceAtRoot, type Workspace } from '../package/workspace.js'
import { fetchPublished } from '../core/publish.js'
import type { IO } from '../io/io.js'
import { defineCommand } from './command.js'
import { foundElsewhere, mapCommand, otherSpellingCheck, packageInstallChecks, projectInstallChecks } from './install-checks.js'
import type { Context } from './context.js'

const require = createRequire(import.meta.url)

interface DoctorReport {
  ok: boolean
  /** null when the configured registry URL is not a URL */
  registry: string | null
  kind: string
  checks: Check[]
}

function checkNode(): Check {
  const { engines } = ownPackage()
  const satisfies = require('semver/functions/satisfies') as (v: string, range: string) => boolean
  return satisfies(process.versions.node, engines.node)
    ? { id: 'node', status: 'ok', message: `Node.js ${process.versions.node}` }
    : {
        id: 'node',
        status: 'error',
        message: `Node.js ${process.versions.node} is not supported (needs ${engines.node}).`,
        hint: 'Install a supported Node.js from https://nodejs.org/',
      }
}

function checkRegistry(target: Target, scope?: string): Check {
  // a scope without a mapping of its own uses the default registry: said so, not as if mapped
  const from = scope && target.registry.rule === 'registry' ? `the default registry, set by ${defaultRegistryFrom(target)}` : `from ${target.registry.source}`
  return {
    id: 'registry',
    status: 'ok',
    message: `Registry${scope ? ` for ${scope}` : ''}: ${target.registry.url} (${from})`,
  }
}

/** `idToken`: a CI job that gets an ID token, which pkgs publish exchanges: no credentials needed to publish. */
function checkCredentials(config: Config, target: Target, scope?: string, idToken = false, readsOnly = false): Check {
  const { credentials } = target
  const unusable = credentials.problem && credentialsError(target.registry, credentials, scope)
  if (unusable) return { id: 'credentials', status: 'error', message: unusable.message, hint: unusable.hint }
  if (credentials.type === 'none' && idToken) {
    return {
      id: 'credentials',
      status: 'ok',
      message: `No credentials for ${target.registry.url}, and none needed to publish: this job's ID token is exchanged (trusted publishing).`,
    }
  }
  if (credentials.type === 'none') {
    const spelling = otherSpellingCheck(config, target, scope, 'credentials')
    if (spelling) return spelling
    // a project that is not published only reads from its registry: the checks of its dependencies say what they need
    if (readsOnly) return { id: 'credentials', status: 'ok', message: `No credentials for ${target.registry.url}: none needed to read public packages.` }
    return {
      id: 'credentials',
      status: 'error',
      message: `No credentials for ${target.registry.url}.`,
      hint: `Log in with: ${loginCommand(target.registry, scope)}`,
    }
  }
  const kind = credentials.type === 'token' ? 'A token' : credentials.type === 'basic' ? 'A user name and password' : 'A client certificate'
  return { id: 'credentials', status: 'ok', message: `${kind} for ${target.registry.url} is set in ${credentials.source?.label ?? 'npm config'}.` }
}

/** The configured default scope, when npm's rules accept it as a scope. */
function validDefaultScope(config: Config): string | undefined {
  return invalidDefaultScope(config) ? undefined : configuredScope(config)
}

function checkScope(config: Config, scope?: string): Check {
  const configured = configuredScope(config)
  const invalid = invalidDefaultScope(config, scope)
  if (invalid) return { id: 'scope', status: 'error', message: invalid.message, hint: invalid.hint }
  if (configured) return { id: 'scope', status: 'ok', message: `Default scope: ${configured}` }
  return {
    id: 'scope',
    status: 'warn',
    message: 'No default scope is configured.',
    hint: `Set one with: pkgs scope set ${scope ?? '@your-scope'}`,
  }
}

type Found = { path: string; manifest: Manifest }

/** What `pkgs publish` would refuse in package.json, said before it does (npm's rules for name and version). */
function checkManifest(found: Found | undefined, target: Target, cwd: string): Check {
  if (!found)
    return {
      id: 'package-json',
      status: 'warn',
      message: 'No package.json in this folder or above it.',
      hint: 'Create a scoped package with: pkgs init --scope @your-scope',
    }
  const { path, manifest } = found
  const problem = (message: string, hint?: string): Check => ({ id: 'package-json', status: 'error', message, hint })
  let name: string | undefined
  try {
    name = nameOf(found)
    if (name) validatePackageName(name)
  } catch (err) {
    const e = err as PkgsError
    return problem(e.code === 'EUSAGE' ? `${e.message.replace(/\.$/, '')} (in ${path}).` : e.message, e.hint)
  }
  if (!name) return problem(`${path} has no name.`, 'Run: pkgs init --scope @your-scope')
  const { version, publishConfig } = manifest
  if (version === undefined || version === '')
    return problem(`${path} has no version: a package needs one to be published.`, 'Set one with: npm version 1.0.0 --no-git-tag-version')
  if (typeof version !== 'string')
    return problem(`The version in ${path} is ${JSON.stringify(version)}, not a string.`, 'Write it as a string, e.g. "version": "1.0.0".')
  // what @npmcli/package-json accepts when publish reads the file (loose: "v1.0.0" is cleaned)
  const valid = require('semver/functions/valid') as (v: string, loose: boolean) => string | null
  if (!valid(version, true))
    return problem(`The version in ${path}, "${version}", is not a semantic version.`, 'Use one such as 1.0.0: npm version 1.0.0 --no-git-tag-version')
  if (publishConfig?.access !== undefined && publishConfig.access !== 'restricted' && publishConfig.access !== 'public') {
    return problem(`publishConfig.access is ${JSON.stringify(publishConfig.access)}: it must be "restricted" or "public".`, `Fix it in ${path}.`)
  }
  let registry: string | undefined
  try {
    registry = publishConfigRegistryUrl(publishConfig?.registry)
  } catch (err) {
    return problem((err as PkgsError).message, `Fix it in ${path}, or remove it to publish to ${target.registry.url}.`)
  }
  const scope = scopeOf(name)
  if (!scope) {
    if (publishConfig?.access === 'restricted') {
      return problem(
        `${name} is unscoped but publishConfig.access is "restricted": only scoped packages can be private.`,
        'Give it a scope: pkgs init --scope @your-scope',
      )
    }
    return {
      id: 'package-json',
      status: 'warn',
      message: `${name} is not scoped: it can only be published as public.`,
      hint: 'Give it a scope: pkgs init --scope @your-scope',
    }
  }
  if (registry && registry !== target.registry.url) {
    return {
      id: 'package-json',
      status: 'warn',
      message: `${name} publishes to ${registry} (publishConfig.registry), but ${whereScopeGoes(scope, target)}.`,
      hint: `Make them agree: pkgs scope set ${scope} --registry ${registry}`,
    }
  }
  const access = publishConfig?.access ?? 'restricted (default for scoped packages)'
  // found above this folder, as npm finds it: say which one
  const above = dirname(path) === cwd ? '' : ` (${relative(cwd, path)})`
  return { id: 'package-json', status: 'ok', message: `${name}${above} is scoped; it publishes as ${access}.` }
}

/** What sets the default registry: `registry=` in a file, or the variable that holds it. */
function defaultRegistryFrom(target: Target): string {
  const label = target.registry.source.replace(/ \(registry\)$/, '')
  return label.startsWith('environment variable') ? label : `registry= in ${label}`
}

/** Where a scope's packages go, and what says so: its own mapping, else the default registry (and what sets it), or --registry. */
function whereScopeGoes(scope: string, target: Target): string {
  const { url, rule, source } = target.registry
  if (rule === 'scope') return `${scope} is mapped to ${url} (${source})`
  if (rule === 'flag') return `--registry names ${url}`
  if (rule === 'default') return `${scope} is not mapped to a registry: its packages use npm's default, ${url}`
  return `${scope} is not mapped to a registry: its packages use the default registry, ${url} (set by ${defaultRegistryFrom(target)})`
}

function failed(id: string, err: unknown): Check {
  const e = explainError(err)
  return { id, status: 'error', message: e.message, hint: e.hint }
}

async function pingRegistry(config: Config, target: Target): Promise<{ check: Check; identity?: RegistryIdentity; reachable: boolean }> {
  try {
    const res = await requestJson(config, target, '/-/ping', { preferOnline: true })
    return {
      check: { id: 'ping', status: 'ok', message: `${target.registry.url} is reachable.` },
      identity: detectKind(target.registry.url, res.headers, true),
      reachable: true,
    }
  } catch (err) {
    const e = explainError(err)
    // an answer that is no registry's: reachable, but the wrong URL
    if (e.code === 'EBADRESPONSE') return { check: failed('ping', e), reachable: true }
    // Some registries have no ping endpoint, yet answer: that is still reachable.
    const status = err instanceof RegistryError ? err.status : undefined
    if (status) {
      return {
        check: {
          id: 'ping',
          status: 'warn',
          message: `${target.registry.url} answered the ping with ${status}.`,
          hint: 'It may not implement /-/ping; the other checks show whether it works.',
        },
        reachable: true,
      }
    }
    return { check: failed('ping', err), reachable: false }
  }
}

/** A check skipped because the registry cannot be reached: said, with why, rather than left out. */
function notChecked(id: string, what: string, target: Target): Check {
  return {
    id,
    status: 'warn',
    message: `${what}: ${target.registry.url} cannot be reached (see above).`,
    hint: 'Once it can be reached, run pkgs doctor again.',
  }
}

async function checkLogin(username: Promise<string>): Promise<Check> {
  try {
    return { id: 'login', status: 'ok', message: `Logged in as ${await username}.` }
  } catch (err) {
    return failed('login', err)
  }
}

async function checkReadable(config: Config, target: Target, name: string, username: Promise<string> | undefined): Promise<Check> {
  try {
    const res = await requestJson<{ 'dist-tags'?: Record<string, string> }>(config, target, `/${escapedName(name)}`, {
      preferOnline: true,
      headers: { accept: abbreviatedPackument },
    })
    const latest = res.body['dist-tags']?.latest
    return { id: 'package', status: 'ok', message: `${name} is readable with your credentials${latest ? ` (latest ${latest})` : ''}.` }
  } catch (err) {
    const e = explainError(err)
    const check = failed('package', e)
    if (e.code === 'ENEEDAUTH' || e.code === 'E401' || e.code === 'E404') {
      const elsewhere = await foundElsewhere(config, target, name)
      const scope = scopeOf(name)
      if (elsewhere && scope) {
        return {
          id: 'package',
          status: 'error',
          message: `${name} is not on this registry, ${target.registry.url} (where ${scope} installs from), but it is on ${elsewhere.url}, which a token is kept for.`,
          hint: `Map ${scope} to it: ${mapCommand(scope, elsewhere.url)}`,
        }
      }
    }
    if (e.code === 'E403') {
      const user = (await username?.catch(() => undefined)) ?? '<your-user>'
      return {
        ...check,
        message: `${name}: no access for ${user} on ${target.registry.url}.`,
        hint: `Ask an owner of ${name} to run: pkgs share ${user} ${name}`,
      }
    }
    if (e.code === 'ENEEDAUTH') return { ...check, message: `${name} cannot be read without logging in.` }
    if (e.code !== 'E404') return check
    // the usual hint names `pkgs doctor <package>`, which is this very check
    const scope = scopeOf(name)
    const user = (await username?.catch(() => undefined)) ?? '<your-user>'
    const elsewhere = scope ? `map ${scope} to it: pkgs scope set ${scope} --registry <url>` : 'name it with --registry <url>'
    return { ...check, hint: `Check the name; if it is on another registry, ${elsewhere}; if it is private, ask an owner to run: pkgs share ${user} ${name}` }
  }
}

/** A warning when the token in use expires within 7 days, where the registry lists tokens with their expiry (npmjs). */
async function checkTokenExpiry(config: Config, target: Target): Promise<Check | undefined> {
  const client = registryClient(config, target)
  const token = tokenFor(client)
  if (!token) return undefined
  const mine = (await listTokens(client).catch(() => [])).find((t) => t.key === tokenKey(token))
  const expires = mine?.expires ? Date.parse(mine.expires) : NaN
  if (Number.isNaN(expires)) return undefined
  const days = Math.floor((expires - Date.now()) / 86_400_000)
  if (days >= 7) return { id: 'token-expiry', status: 'ok', message: `The token expires on ${mine!.expires!.slice(0, 10)} (in ${days} days).` }
  return {
    id: 'token-expiry',
    status: 'warn',
    message:
      days < 0
        ? `The token for ${target.registry.url} expired on ${mine!.expires!.slice(0, 10)}.`
        : `The token for ${target.registry.url} expires on ${mine!.expires!.slice(0, 10)}, in ${days} day${days === 1 ? '' : 's'}.`,
    hint: `Make a new one (pkgs token create …, or pkgs login) before then; pkgs token ls shows them all.`,
  }
}

/**
 * In CI: which CI it is, whether the job can get an ID token (its repository and workflow), and
 * a configured token that publishing would not need; never the tokens themselves.
 */
async function checkTrustedPublishing(ctx: Context, config: Config, target: Target, ci: CiProvider, name: string | undefined): Promise<Check[]> {
  const checks: Check[] = []
  try {
    const claims = idTokenClaims(await getIdToken(ctx.env, ci, target.registry.url, config))
    const job =
      ci === 'github'
        ? `${String(claims.repository ?? '?')}, workflow ${String(claims.workflow_ref ?? '?')}`
        : ci === 'gitlab'
          ? `${String(claims.project_path ?? '?')}`
          : String(claims['oidc.circleci.com/vcs-origin'] ?? '?')
    checks.push({
      id: 'ci',
      status: 'ok',
      message: `${ciNames[ci]}: the job gets an ID token for ${target.registry.url} (${job}); pkgs publish exchanges it for a publish token.`,
    })
    if (name)
      checks.push({ id: 'ci-trust', status: 'ok', message: `For ${name} to accept it, the package must trust this job: ${trustCommand(ci, name, claims)}` })
  } catch (err) {
    const e = explainError(err)
    checks.push({ id: 'ci', status: target.credentials.type === 'none' ? 'error' : 'warn', message: `${ciNames[ci]}: ${e.message}`, hint: e.hint })
  }
  if (target.credentials.type !== 'none' || ctx.env.NODE_AUTH_TOKEN) {
    checks.push({
      id: 'ci-token',
      status: 'warn',
      message: `A token for ${target.registry.url} is configured${target.credentials.source ? ` (${target.credentials.source.label})` : ''}${ctx.env.NODE_AUTH_TOKEN ? ' and NODE_AUTH_TOKEN is set' : ''}: it is used wherever trusted publishing does not work.`,
      hint: 'With trusted publishing set up, remove the token from the workflow (and the registry-url/NODE_AUTH_TOKEN of setup-node).',
    })
  }
  return checks
}

function checkKind(identity: RegistryIdentity): Check {
  const support = workflowsFor(identity)
  const name = kindNames[identity.kind] + (identity.version ? ` ${identity.version}` : '')
  const missing = Object.keys(support.unsupported)
  const maybe = Object.keys(support.ifRefused)
  const supported = support.supported.map((w) => (maybe.includes(w) ? `${w} (depending on its version)` : w))
  if (identity.kind === 'unknown') {
    return {
      id: 'registry-kind',
      status: 'ok',
      message: `Registry kind not recognised: pkgs tries ${supported.join(', ')}, and says so when the registry refuses one.`,
    }
  }
  return {
    id: 'registry-kind',
    status: 'ok',
    message: `${name}: supports ${supported.join(', ')}${missing.length ? `; not ${missing.join(', ')}` : ''}.`,
    hint: missing.length ? Object.values(support.unsupported).join(' ') : undefined,
  }
}

async function runDoctor(ctx: Context, { package: packageArg, ...opts }: { package?: string; scope?: string }): Promise<DoctorReport> {
  const packageName = packageArg ? validatePackageName(packageArg) : undefined
  const [config, local] = await Promise.all([ctx.config(), findManifest(ctx.cwd).catch((err: PkgsError) => err)])
  const localManifest = local instanceof Error ? undefined : local
  const localName = typeof localManifest?.manifest.name === 'string' ? localManifest.manifest.name : undefined
  const scope = opts.scope
    ? normalizeScope(opts.scope)
    : ((packageName && scopeOf(packageName)) ?? (localName && scopeOf(localName)) ?? validDefaultScope(config))
  let target: Target
  try {
    target = await ctx.target({ scope, packageName })
  } catch (err) {
    // a configured registry URL that is not one is exactly what doctor is for: a failed check, not a usage error
    if (ctx.options.registry || !(err instanceof PkgsError) || err.code !== 'EUSAGE') throw err
    const registry: Check = { id: 'registry', status: 'error', message: err.message, hint: err.hint }
    const checks = [checkNode(), checkNpm(ctx.npm()), registry, checkScope(config, scope)]
    return { ok: false, registry: null, kind: 'unknown', checks }
  }

  // a project that is not published ("private": true) only installs: never told to take a scope or to log in to read public packages
  const readsOnly = !packageName && !opts.scope && localManifest?.manifest.private === true
  const username = target.credentials.type === 'none' || target.credentials.problem ? undefined : whoami(config, target)
  const ci = readsOnly ? undefined : ciProvider(ctx.env)
  const [ping, login, readable, expiry, trusted, installs, workspace] = await Promise.all([
    pingRegistry(config, target),
    username && checkLogin(username),
    packageName ? checkReadable(config, target, packageName, username) : undefined,
    username && checkTokenExpiry(config, target),
    ci ? checkTrustedPublishing(ctx, config, target, ci, packageName ?? localName) : undefined,
    packageName ? packageInstallChecks(config, target, packageName, localManifest) : localManifest ? projectInstallChecks(ctx, config, localManifest) : [],
    packageName || opts.scope ? [] : workspaceAtRoot(ctx.cwd).then((ws) => (ws ? workspaceChecks(ctx, config, ws) : [])),
  ])
  const scopeCheck = checkScope(config, scope)
  const identity = ping.identity ?? detectKind(target.registry.url)
  const checks: Check[] = [
    checkNode(),
    checkNpm(ctx.npm()),
    checkRegistry(target, scope),
    ping.check,
    checkCredentials(
      config,
      target,
      scope,
      trusted?.some((c) => c.id === 'ci' && c.status === 'ok'),
      readsOnly,
    ),
    ...(login ? [ping.reachable ? login : notChecked('login', 'The login was not checked', target)] : []),
    ...(expiry ? [expiry] : []),
    ...(trusted ?? []),
    ...(readsOnly && scopeCheck.status !== 'error' ? [] : [scopeCheck]),
    local instanceof Error
      ? failed('package-json', local)
      : readsOnly
        ? { id: 'package-json', status: 'ok', message: `${localName ?? localManifest!.path} is private ("private": true): it is installed, not published.` }
        : checkManifest(localManifest, target, ctx.cwd),
    ...(readable && packageName ? [ping.reachable ? readable : notChecked('package', `Whether ${packageName} is readable was not checked`, target)] : []),
    ...workspace,
    ...installs,
    checkKind(identity),
  ]
  return { ok: checks.every((c) => c.status !== 'error'), registry: target.registry.url, kind: identity.kind, checks }
}

/**
 * At a workspace's root: the workspace, then each package that can be published with its scope,
 * registry (publishConfig.registry, else its scope's) and whether its version is published yet,
 * what would stop `pkgs publish --workspaces` before any upload (a range no sibling satisfies, a
 * cycle), and the `workspace:` and `catalog:` ranges plain `npm publish` would upload as they are.
 */
async function workspaceChecks(ctx: Context, config: Config, ws: Workspace): Promise<Check[]> {
  const packages = publishablePackages(ws)
  const privately = ws.packages.length - packages.length
  const checks: Check[] = [
    {
      id: 'workspace',
      status: 'ok',
      message: `Workspace at ${ws.root} (${ws.kind === 'pnpm' ? 'pnpm-workspace.yaml' : 'package.json "workspaces"'}): ${packages.length} package${packages.length === 1 ? '' : 's'} to publish${privately ? `, ${privately} private` : ''}.`,
    },
  ]
  const targets = await Promise.all(
    packages.map((p) => ctx.target({ scope: scopeOf(p.name), packageName: p.name, publishConfigRegistry: p.manifest.publishConfig?.registry })),
  )
  // the credentials a release needs, once per registry of its packages (in CI, the job's ID token may stand in)
  const seen = new Set<string>()
  packages.forEach((p, i) => {
    const target = targets[i]
    if (seen.has(target.registry.url) || ciProvider(ctx.env)) return
    seen.add(target.registry.url)
    const check = checkCredentials(config, target, scopeOf(p.name))
    if (check.status !== 'ok') checks.push({ ...check, message: `${check.message.replace(/\.$/, '')} (the registry of ${p.name}).` })
  })
  const rows = await Promise.all(
    packages.map(async (p, i): Promise<Check & { unpublished?: boolean }> => {
      const version = String(p.manifest.version ?? '')
      const scope = scopeOf(p.name)
      const target = targets[i]
      const where = `${scope ? `${scope} → ` : 'unscoped → '}${target.registry.url}${p.manifest.publishConfig?.registry ? ' (publishConfig.registry)' : ''}`
      try {
        const published = await fetchPublished(registryClient(config, target), p.name)
        const state = published.versions[version]
          ? `${version} is published`
          : published.exists
            ? `${version} is not published yet`
            : target.credentials.type === 'none'
              ? 'not found without logging in (new, or private)'
              : `not on the registry yet (${version} would be its first version)`
        const unpublished = !published.versions[version] && (published.exists || target.credentials.type !== 'none')
        return { id: 'workspace-package', status: 'ok', message: `${p.name}@${version}: ${where}; ${state}.`, unpublished }
      } catch (err) {
        const e = explainError(err)
        return { id: 'workspace-package', status: 'warn', message: `${p.name}@${version}: ${where}; not read: ${e.message}`, hint: e.hint }
      }
    }),
  )
  checks.push(...rows.map(({ unpublished, ...check }) => check))
  const unpublished = rows.filter((r) => r.unpublished).length
  if (unpublished)
    checks.push({
      id: 'workspace-release',
      status: 'ok',
      message: `${unpublished} version${unpublished > 1 ? 's' : ''} not published yet: pkgs publish --workspaces --dry-run shows the release.`,
    })
  try {
    checkSiblings(ws, packages)
  } catch (err) {
    if (!(err instanceof PkgsError)) throw err
    checks.push({
      id: 'workspace-siblings',
      status: 'error',
      message: `pkgs publish --workspaces would stop: ${err.message[0].toLowerCase()}${err.message.slice(1)}`,
      hint: err.hint,
    })
  }
  for (const p of packages) {
    const ranges = unpublishableRanges(p)
    if (!ranges.length) continue
    checks.push({
      id: 'workspace-ranges',
      status: 'warn',
      message: `${p.name} has ${ranges.map((r) => `${r.name}: "${r.spec}"`).join(', ')}: plain npm publish uploads these ranges as they are, and no one can install the package.`,
      hint: 'Release with pkgs publish --workspaces (it rewrites them as pnpm does), or pnpm publish / yarn npm publish.',
    })
  }
  return checks
}

function render(report: DoctorReport, io: IO): void {
  const c = io.out
  const mark = { ok: c.green('✔'), warn: c.yellow('⚠'), error: c.red('✖') }
  for (const check of report.checks) {
    io.print(`${mark[check.status]} ${check.message}`)
    if (check.hint && check.status !== 'ok') io.print(`    ${c.dim('→')} ${check.hint}`)
  }
  const errors = report.checks.filter((x) => x.status === 'error').length
  const warnings = report.checks.filter((x) => x.status === 'warn').length
  io.print(
    errors
      ? c.red(`${errors} problem${errors > 1 ? 's' : ''} to fix.`)
      : c.green(`All set${warnings ? ` (${warnings} warning${warnings > 1 ? 's' : ''})` : ''}.`),
  )
}

export default defineCommand({
  name: 'doctor',
  description: 'check Node.js, npm, the registry, your login and ./package.json, and that a project can install its private packages, each with a fix',
  arguments: [{ name: 'package', description: 'can I install this package, and if not, why: readable with your credentials, here and in CI' }],
  options: {
    scope: { flags: '--scope <scope>', description: "check the set-up of this scope (default: the package's, else the configured scope)" },
  },
  examples: [
    ['pkgs doctor', 'the set-up for ./package.json or the default scope'],
    ['pkgs doctor @acme/widgets', 'also check that you can read @acme/widgets'],
    ['NPM_TOKEN=… pkgs doctor --json', 'in an app: can its private dependencies be installed, here and in CI'],
  ],
  json: ['pkgs doctor --scope @acme --json', '{"ok", "registry", "checks": [{"id", "status", "message", "hint"}]}'],
  notes:
    'Credentials npm cannot use are an error: a token from a ${VAR} that is not set, or\n' +
    '_authToken/_auth at the top level of an .npmrc (npm refuses them: npm config fix).\n' +
    'So is whatever in ./package.json publish would refuse: a name or version that is not a\n' +
    'string or not valid, a publishConfig.access or publishConfig.registry it cannot use.\n' +
    'When the registry cannot be reached, the login and package checks are warnings saying so.\n' +
    'Where the registry tells, a token that expires within 7 days is a warning. In CI (GitHub Actions,\n' +
    'GitLab CI/CD, CircleCI): whether the job can get an ID token for trusted publishing, its repository\n' +
    'and workflow, the pkgs trust command that trusts it, and a configured token that would be used instead.\n' +
    'In a project: for each scope its dependencies use (package.json and the lockfile), where it installs\n' +
    'from and which file says so; credentials for that registry (an unset ${VAR}, a token kept for another\n' +
    'spelling of it, a mapping or token only outside the project: CI has none); each dependency readable\n' +
    '(not logged in, no access, not on this registry; found on another registry a token is kept for);\n' +
    "the lockfile's resolved URLs (package-lock.json, npm-shrinkwrap.json, pnpm-lock.yaml, yarn.lock)\n" +
    'against that registry; .github/dependabot.yml with an npm-registry entry for each private one.\n' +
    'A "private": true project is not asked for a default scope or for credentials to read public packages.\n' +
    "At a workspace's root: its packages with their scopes and registries (publishConfig.registry, else the scope's), credentials for each,\n" +
    'whether each version is published yet, and the workspace: and catalog: ranges plain npm publish would upload;\n' +
    'what would stop pkgs publish --workspaces before any upload (a range no sibling satisfies, a cycle) is an error.\n' +
    'Exit code 0 when no check is an error, 1 otherwise.',
  run: runDoctor,
  render,
  failure: (report) => (report.ok ? undefined : 1),
})
