// Publishing with npm's libnpmpublish: the options npm would pass (npm config, publishConfig,
// then the flags), access and tag decided before any request, and what the registry already has.
import { createRequire } from 'node:module'
import { Exit, PkgsError, RegistryError, usageError } from './errors.js'
import { explainError, registryMessage, where } from './explain.js'
import type { RegistryClient } from './client.js'
import type { Access } from '../package/access.js'
import { abbreviatedPackument, identityOf, type RegistryIdentity, type Target } from './registry.js'

const require = createRequire(import.meta.url)

export interface AccessDecision {
  access: Access
  /** who decided: a flag, package.json, npm config, or nobody (the default for the package) */
  from: 'flag' | 'publishConfig' | 'config' | 'default'
}

/** `--access` › `publishConfig.access` › npm's `access` config › restricted when scoped, else public. */
export function decideAccess(name: string, scoped: boolean, input: { flag?: unknown; publishConfig?: unknown; config?: unknown }): AccessDecision {
  const sources: [AccessDecision['from'], unknown, string][] = [
    ['flag', input.flag, '--access'],
    ['publishConfig', input.publishConfig, 'publishConfig.access in package.json'],
    ['config', input.config, 'the access setting in npm config'],
  ]
  for (const [from, value, label] of sources) {
    if (value === undefined || value === null || value === '') continue
    if (value !== 'restricted' && value !== 'public') {
      throw usageError(`Invalid access "${String(value)}" (${label}).`, 'Access is "restricted" (private) or "public".')
    }
    if (value === 'restricted' && !scoped) {
      throw usageError(
        `${name} is not scoped, so it cannot be restricted (${label}): unscoped packages are always public.`,
        'Give it a scope to make it private (pkgs init --scope @your-scope), or publish with --access public.',
      )
    }
    return { access: value, from }
  }
  return { access: scoped ? 'restricted' : 'public', from: 'default' }
}

export interface TagInput {
  flag?: string
  publishConfig?: unknown
  /** npm's `tag` config and whether it is npm's default ("latest") */
  config: unknown
  configIsDefault: boolean
}

/** The dist-tag to publish under; invalid tags and an implicit `latest` on a pre-release are usage errors. */
export function decideTag(name: string, version: string, input: TagInput): { tag: string; explicit: boolean } {
  const fromPackage = typeof input.publishConfig === 'string' ? input.publishConfig : undefined
  const tag = input.flag ?? fromPackage ?? (typeof input.config === 'string' ? input.config : 'latest')
  const origin = input.flag !== undefined ? '--tag' : fromPackage !== undefined ? 'publishConfig.tag in package.json' : 'the tag setting in npm config'
  const validRange = require('semver/ranges/valid') as (range: string) => string | null
  if (!tag.trim()) throw usageError(`The tag is empty (${origin}).`, 'Name a dist-tag such as latest, next or beta.')
  if (validRange(tag)) {
    throw usageError(`The tag "${tag}" (${origin}) is a semver range; installs would confuse it with a version.`, 'Use a name such as next or beta.')
  }
  if (encodeURIComponent(tag) !== tag) {
    throw usageError(`The tag "${tag}" (${origin}) has characters a dist-tag cannot have.`, 'Use letters, digits, "-", "." and "_", e.g. next.')
  }
  const explicit = input.flag !== undefined || fromPackage !== undefined || !input.configIsDefault
  const prerelease = require('semver/functions/prerelease') as (v: string) => readonly (string | number)[] | null
  if (!explicit && prerelease(version)?.length) {
    throw usageError(
      `${name}@${version} is a pre-release: published as "latest" it would be what everyone installs.`,
      'Choose a dist-tag for it, e.g. --tag next (or --tag latest if that is what you want).',
    )
  }
  return { tag, explicit }
}

/**
 * publishConfig can hold any npm config key, and npm applies it over its options except where
 * the same key was given as a flag. The registry keys are left out: resolveRegistry has already
 * applied publishConfig.registry, and registryOptions pins the result.
 */
export function publishConfigOptions(publishConfig: unknown, flags: string[]): Record<string, unknown> {
  if (!publishConfig || typeof publishConfig !== 'object') return {}
  const { flatten } = require('@npmcli/config/lib/definitions') as { flatten: (obj: object, flat: object) => Record<string, unknown> }
  const given = Object.entries(publishConfig).filter(([key]) => !flags.includes(key))
  const flat = flatten(Object.fromEntries(given), {})
  for (const key of Object.keys(flat)) if (key === 'registry' || /^@.*:registry$/.test(key)) delete flat[key]
  return flat
}

export interface PublishedVersion {
  integrity?: string
  shasum?: string
  deprecated?: unknown
}

export interface Published {
  /** false: the registry has no such package (404); undefined: it would not say */
  exists: boolean | undefined
  versions: Record<string, PublishedVersion>
  /** the access an existing package has, where the registry tells (npmjs's visibility endpoint) */
  visibility?: Access
  /** what kind of registry answered the look-up */
  identity: RegistryIdentity
}

/** Rejected credentials, or no answer at all: what ends a publish before the upload. */
export function endsPublish(err: PkgsError): boolean {
  return err.exitCode === Exit.auth || !/^E\d{3}$/.test(err.code)
}

type Packument = { versions?: Record<string, { dist?: { integrity?: string; shasum?: string }; deprecated?: unknown }> }

/** The package as the registry has it now (npm's abbreviated document, fresh), and its visibility. */
export async function fetchPublished(client: RegistryClient, name: string): Promise<Published> {
  const { target } = client
  const path = `/${name.replace('/', '%2f')}`
  const [packument, visibility] = await Promise.all([
    client
      .json<Packument>(path, {
        preferOnline: true,
        headers: { accept: abbreviatedPackument },
      })
      .then(
        (res) => ({ res }),
        (error: unknown) => ({ error }),
      ),
    // libnpmpublish asks the same for provenance; registries without it answer 404
    client.json<{ public?: unknown }>(`/-/package${path}/visibility`, { preferOnline: true }).then(
      (res) => (typeof res.body.public === 'boolean' ? (res.body.public ? 'public' : 'restricted') : undefined),
      () => undefined,
    ),
  ])
  if ('error' in packument) {
    const { error } = packument
    if (!(error instanceof RegistryError)) throw error
    const identity = identityOf(target, error)
    if (error.status === 404) return { exists: false, versions: {}, identity }
    // anything else is left for the upload itself to report
    if (endsPublish(explainError(error))) throw error
    return { exists: undefined, versions: {}, identity }
  }
  const versions: Record<string, PublishedVersion> = {}
  for (const [v, doc] of Object.entries(packument.res.body.versions ?? {})) {
    versions[v] = { integrity: doc?.dist?.integrity, shasum: doc?.dist?.shasum, deprecated: doc?.deprecated }
  }
  return { exists: true, versions, visibility, identity: identityOf(target, packument.res) }
}

/**
 * Access only counts at a package's first publish (npmjs ignores it afterwards: `npm access`
 * changes it). For an existing package whose visibility the registry tells, that is the access;
 * a different explicit choice is worth a warning, returned here.
 */
export function effectiveAccess(decided: AccessDecision, published: Published, name: string): { access: Access; warning?: string } {
  const existing = published.exists ? published.visibility : undefined
  if (!existing || existing === decided.access) return { access: decided.access }
  if (decided.from === 'default') return { access: existing }
  const command = existing === 'public' ? `pkgs make-private ${name}` : `pkgs make-public ${name}`
  return {
    access: existing,
    warning: `${name} is already ${existing}: access is only set at the first publish, so it stays ${existing}. To change it: ${command}`,
  }
}

/** libnpmpublish refuses provenance for a package that is not public (after packing): say so first. */
export function checkProvenance(name: string, access: Access, provenance: boolean | undefined): void {
  if (provenance && access === 'restricted') {
    throw usageError(
      `Provenance is only for public packages, and ${name} would be restricted.`,
      'Publish it with --access public --provenance, or without --provenance.',
    )
  }
}

/** Whether this version is already there, and if so whether it is this very tarball. */
export function republishState(published: Published, version: string, packed: { integrity: string; shasum: string }): 'new' | 'identical' | 'different' {
  const there = published.versions[version]
  if (!there) return 'new'
  if (there.integrity) return there.integrity === packed.integrity ? 'identical' : 'different'
  return there.shasum === packed.shasum ? 'identical' : 'different'
}

/** This version is on the registry already: identical (what --tolerate-republish accepts) or not. */
export function alreadyPublishedError(target: Target, name: string, version: string, state: 'identical' | 'different', tolerate: boolean): PkgsError {
  const id = `${name}@${version}`
  if (state === 'different' && tolerate) {
    return new PkgsError('EPUBLISHCONFLICT', `${id} is already published on ${target.registry.url} with different contents.`, {
      hint: '--tolerate-republish only accepts the very same tarball: bump the version (npm version patch) and publish again.',
    })
  }
  return new PkgsError('EPUBLISHCONFLICT', `${id} is already published on ${target.registry.url}${state === 'identical' ? ' (with the same contents)' : ''}.`, {
    hint:
      'A published version can never be replaced: bump the version (npm version patch) and publish again.' +
      (state === 'identical' ? ' To let an identical re-run succeed (CI), pass --tolerate-republish.' : ''),
  })
}

/** npm's rule: `latest` never moves below the highest release unless a tag was chosen. */
export function refuseImplicitLatest(published: Published, name: string, version: string, tag: string, explicit: boolean): void {
  const highest = highestRelease(published)
  const gt = require('semver/functions/gt') as (a: string, b: string) => boolean
  if (explicit || tag !== 'latest' || !highest || !gt(highest, version)) return
  const major = require('semver/functions/major') as (v: string) => number
  throw new PkgsError('ELATEST', `${name}@${version} is lower than the published ${highest}: publishing it would move "latest" back.`, {
    hint: `Choose a dist-tag for it, e.g. --tag v${major(version)}-maintenance (or --tag latest if that is what you want).`,
    exitCode: Exit.usage,
  })
}

/** The highest published release: no pre-release, not deprecated. */
export function highestRelease(published: Published): string | undefined {
  const prerelease = require('semver/functions/prerelease') as (v: string) => readonly unknown[] | null
  const valid = require('semver/functions/valid') as (v: string) => string | null
  const rcompare = require('semver/functions/rcompare') as (a: string, b: string) => number
  return Object.entries(published.versions)
    .filter(([v, doc]) => valid(v) && !prerelease(v)?.length && !doc.deprecated)
    .map(([v]) => v)
    .sort(rcompare)[0]
}

export function preloadPublisher(): void {
  import('libnpmpublish').catch(() => undefined)
}

/**
 * libnpmpublish.publish with the package's registry and credentials, under the run's two-factor
 * session; with `stage`, to the registry's staging queue instead (POST /-/stage/package/<pkg>),
 * which asks for no one-time password (approving does): the stage id is returned.
 */
export async function publishTarball(
  client: RegistryClient,
  manifest: Record<string, unknown>,
  tarball: Buffer,
  opts: Record<string, unknown> & { stage?: boolean },
  onAttempt?: () => Promise<() => void>,
): Promise<{ stageId?: string }> {
  const { publish } = await import('libnpmpublish')
  const attempt = async (libraryOptions: Record<string, unknown>) => {
    const done = await onAttempt?.()
    try {
      const res = (await publish(manifest, tarball, { ...libraryOptions, ...opts })) as { stageId?: unknown }
      return typeof res?.stageId === 'string' ? { stageId: res.stageId } : {}
    } finally {
      done?.()
    }
  }
  return opts.stage ? client.call(attempt) : client.write(attempt)
}

// npmjs: "You cannot publish over the previously published versions"; Verdaccio: 409 "this
// package is already present"; others say "already exists".
const republishMessage = /previously published|cannot publish over|already present|already exists|version.*exists/i

/**
 * A publish refused with 403, or 404 (npmjs's answer for a scope that is neither the user's nor
 * an organisation they belong to): name the scope, the user and the way to get access.
 */
function publishRefused(e: RegistryError, pkg: string, said: string | undefined, username: string | undefined): PkgsError {
  const ctx = e.context
  const who = username ?? 'You'
  const why = said ? ` (${e.status}: ${said})` : ` (${e.status})`
  const cause = { cause: e }
  if (said && /two-factor|2fa/i.test(said)) {
    return new PkgsError(`E${e.status}`, `${ctx.registry ?? 'The registry'} requires two-factor authentication to publish ${pkg}${why}.`, {
      hint: 'Publish on a terminal or with --otp <code>; for CI use a granular access token allowed to bypass two-factor authentication.',
      ...cause,
    })
  }
  const slash = pkg.indexOf('/')
  if (pkg.startsWith('@') && slash > 0) {
    const scope = pkg.slice(0, slash)
    return new PkgsError(`E${e.status}`, `${who} may not publish ${pkg} to the scope ${scope} on${where(ctx)}${why}.`, {
      hint:
        `${scope} must be ${username ? `${username}'s own scope` : 'your own user scope'} or an organisation ${username ?? 'you'} may publish to: ` +
        `ask an owner of ${scope} for publish rights (on npmjs.com, when ${scope} is an organisation, one of its owners runs \`pkgs org set ${scope.slice(1)} ${username ?? '<user>'} developer\`; ` +
        `for an existing package, one of its owners runs \`pkgs share ${username ?? '<user>'} ${pkg}\`)${username ? `, or publish under your own scope: @${username}${pkg.slice(slash)}` : ''}.`,
      ...cause,
    })
  }
  return new PkgsError(
    `E${e.status}`,
    `${who} may not publish ${pkg} on${where(ctx)}: the name belongs to someone else or is too close to an existing one${why}.`,
    {
      hint: `Choose another name, or publish it under your scope${username ? ` (@${username}/${pkg})` : ''}: pkgs init --scope @${username ?? 'your-scope'}.`,
      ...cause,
    },
  )
}

/**
 * What the registry said to an upload of this version: a version already there, a package that
 * cannot be staged before it exists, a scope not ours, or the generic sentence. `staging`: the
 * upload went to the staging queue, and whether the package was found before it.
 */
export function explainPublishError(err: unknown, version: string, username: string | undefined, staging?: { exists: boolean | undefined }): PkgsError {
  if (!(err instanceof RegistryError)) return explainError(err)
  const said = registryMessage(err.body)
  const pkg = err.context.packageName
  if (staging && staging.exists === false && err.status === 404 && pkg) {
    return new PkgsError(
      'E404',
      `${pkg} cannot be staged on${where(err.context)}: it has no version there yet, and only a package that exists has a staging queue (${err.status}${said ? `: ${said}` : ''}).`,
      {
        hint: 'Publish its first version with pkgs publish (without --stage); stage the versions after it.',
        cause: err,
      },
    )
  }
  if (err.status === 409 || ((err.status === 403 || err.status === 400) && said && republishMessage.test(said))) {
    return new PkgsError(
      'EPUBLISHCONFLICT',
      `${pkg ? `${pkg}@${version}` : `Version ${version}`} is already published on${where(err.context)}${said ? ` (${said})` : ''}.`,
      {
        hint: 'A published version can never be replaced: bump the version (npm version patch) and publish again.',
        cause: err,
      },
    )
  }
  if (pkg && (err.status === 403 || err.status === 404)) return publishRefused(err, pkg, said, username)
  return explainError(err, { username })
}
