// pkgs publish --workspaces / --workspace: a workspace's release as one plan. Each selected
// package is read as npm would publish it (private ones and versions already on the registry are
// left out), its `workspace:` and `catalog:` ranges are rewritten in what is uploaded, and every
// check that can fail is made before the first upload (ranges, workspace dependencies missing from
// the registry, in CI every package's trusted-publishing token). Then each version is uploaded
// once every workspace package it depends on is there, independent ones concurrently, under one
// two-factor approval; a failure holds back only what depends on it, and a re-run publishes only
// what is left.
import type { Config } from '../core/config.js'
import { Exit, PkgsError, usageError } from '../core/errors.js'
import { explainError } from '../core/explain.js'
import type { RegistryClient } from '../core/client.js'
import { ciNames, ciProvider, getIdToken, idTokenClaims, trustCommand, trustedPublishing, type CiProvider } from '../core/oidc.js'
import { readEach, itemError, type Change, type ItemError } from '../core/plan.js'
import {
  checkProvenance,
  decideAccess,
  decideTag,
  effectiveAccess,
  explainPublishError,
  fetchPublished,
  publishConfigOptions,
  preloadPublisher,
  publishTarball,
  refuseImplicitLatest,
  type AccessDecision,
  type Published,
} from '../core/publish.js'
import { detectKind, requireWorkflow, type Target } from '../core/registry.js'
import { stageWhat } from '../core/stage.js'
import type { Access } from '../package/access.js'
import type { Manifest } from '../package/manifest.js'
import { scopeOf } from '../package/names.js'
import { readPublishManifest, runLifecycle, tarballContents, type PackSource } from '../package/pack.js'
import {
  checkSiblings,
  findWorkspace,
  folderOf,
  inRange,
  notInWorkspace,
  replacePackageJson,
  rewriteRanges,
  rewriteText,
  selectPackages,
  siblingDependencies,
  type Workspace,
  type WorkspacePackage,
} from '../package/workspace.js'
import type { IO } from '../io/io.js'
import { applyChanges, planDocument, type PlanDocument } from './changes.js'
import type { Context } from './context.js'
import { concurrencyOf, readConcurrency, reportFailure, stoppedBy, summary } from './packages.js'
import { identify, pack, scriptOptions, withScriptBanners } from './publish-steps.js'

export interface ReleaseFlags {
  workspaces?: boolean
  workspace?: string[]
  path?: string
  access?: Access
  tag?: string
  dryRun?: boolean
  stage?: boolean
  provenance?: boolean
  tolerateRepublish?: boolean
  concurrency: string
}

export type ReleaseState = 'published' | 'staged' | 'unchanged' | 'private' | 'failed' | 'not-attempted'

export interface ReleaseItem {
  package: string
  version: string
  folder: string
  state: ReleaseState
  access?: Access
  tag?: string
  registry?: string
  stageId?: string
  /** a dry run: the files each package would upload */
  files?: string[]
  error?: ItemError
}

export interface Release {
  dryRun: boolean
  changes?: PlanDocument['changes']
  results: ReleaseItem[]
  published: number
  unchanged: number
  skipped: number
  failed: number
  notAttempted: number
  [stoppedBy]?: PkgsError
}

/** One selected package as the release sees it. */
interface Entry {
  pkg: WorkspacePackage
  item: ReleaseItem
  source: PackSource
  manifest: Manifest
  target?: Target
  tagExplicit?: boolean
  /** the access chosen for a first publish, and where from */
  decided?: AccessDecision
  fromPackage?: Record<string, unknown>
  /** set once read: the registry's copy */
  published?: Published
  /** who uploads it: the configured credentials, or a token from trusted publishing */
  sending?: RegistryClient
  change?: Change<{ stageId?: string }>
  tarball?: Buffer
}

/** The workspace, its selected packages, and what each one is as npm would publish it. */
async function readRelease(ctx: Context, config: Config, flags: ReleaseFlags): Promise<{ ws: Workspace; entries: Entry[] }> {
  if (flags.path) throw usageError('A release takes its packages from --workspace or --workspaces, not a folder.', 'e.g. pkgs publish --workspace packages/a')
  const ws = await findWorkspace(ctx.cwd)
  if (!ws) throw notInWorkspace(ctx.cwd, 'publish one package with pkgs publish')
  const selected = selectPackages(ws, ctx.cwd, flags.workspaces ? undefined : flags.workspace)
  checkSiblings(ws, selected)
  const entries: Entry[] = []
  for (const pkg of selected) {
    try {
      entries.push(await readEntry(ctx, config, flags, ws, pkg))
    } catch (err) {
      throw inPackage(err, ws, pkg)
    }
  }
  ctx.warnAboutNpm()
  return { ws, entries }
}

/** One selected package as npm would publish it, with what the release decides for it. */
async function readEntry(ctx: Context, config: Config, flags: ReleaseFlags, ws: Workspace, pkg: WorkspacePackage): Promise<Entry> {
  const source: PackSource = { type: 'directory', path: pkg.folder }
  const { manifest } = await readPublishManifest(source, config.flat)
  const item: ReleaseItem = { package: pkg.name, version: String(manifest.version ?? ''), folder: folderOf(ws, pkg), state: 'unchanged' }
  if (manifest.private === true) {
    return { pkg, item: { ...item, state: 'private' }, source, manifest }
  }
  const { name, version } = identify(manifest, source)
  // every range is checked before anything is sent
  rewriteRanges(ws, pkg, manifest)
  const scope = scopeOf(name)
  const publishConfig = manifest.publishConfig
  const decided = decideAccess(name, Boolean(scope), { flag: flags.access, publishConfig: publishConfig?.access, config: config.npm.get('access') })
  const tagInput = { flag: flags.tag, config: config.npm.get('tag'), configIsDefault: config.npm.find('tag') === 'default' }
  const { tag, explicit } = decideTag(name, version, { ...tagInput, publishConfig: publishConfig?.tag })
  const target = await ctx.target({ scope, packageName: name, publishConfigRegistry: publishConfig?.registry })
  if (flags.stage) requireWorkflow(target, 'stage', stageWhat)
  const given = [flags.access && 'access', flags.tag !== undefined && 'tag', flags.provenance && 'provenance', ctx.options.registry && 'registry']
  const fromPackage = publishConfigOptions(
    publishConfig,
    given.filter((f): f is string => Boolean(f)),
  )
  return {
    pkg,
    source,
    manifest,
    target,
    tagExplicit: explicit,
    decided,
    fromPackage,
    item: { ...item, access: decided.access, tag, registry: target.registry.url },
  }
}

/** An error about one package of a release that does not say which: its name and folder in front. */
function inPackage(err: unknown, ws: Workspace, pkg: WorkspacePackage): unknown {
  if (!(err instanceof PkgsError) || err.message.includes(pkg.name) || err.message.includes(pkg.folder)) return err
  return new PkgsError(err.code, `${pkg.name} (${folderOf(ws, pkg)}): ${err.message}`, {
    hint: err.hint,
    exitCode: err.exitCode,
    cause: err,
    details: err.details,
  })
}

/**
 * In CI, every package's publish token from the job's ID token, all before the first upload: any
 * refusal stops the release, naming every refused package and one trust command for them all.
 */
async function exchangeAll(ctx: Context, config: Config, entries: Entry[], ci: CiProvider, command: 'publish' | 'stage', width: number): Promise<void> {
  const exchanges = await readEach(
    entries,
    (e) => {
      const client = ctx.client(config, e.target!)
      const exists = () =>
        fetchPublished(client.sending(undefined), e.pkg.name).then(
          (p) => p.exists === true,
          () => false,
        )
      return trustedPublishing(client, e.pkg.name, ctx.env, ci, command, exists)
    },
    { width, pacers: ctx.pacers(), registryOf: (e) => e.target!.registry.url },
  )
  const refused = entries.flatMap((e, i) => {
    const o = exchanges.outcomes[i]
    return o.error ? [{ e, error: o.error }] : []
  })
  if (!refused.length) {
    entries.forEach((e, i) => (e.sending = ctx.client(config, e.target!).sending(exchanges.outcomes[i].value!.token)))
    ctx.io.info(`Publishing with tokens from ${ciNames[ci]}'s ID token (trusted publishing), ${entries.length} package${entries.length > 1 ? 's' : ''}.`)
    return
  }
  // the same job asks every time: its claims give the one trust command
  const target = refused[0].e.target!
  const claims = await getIdToken(ctx.env, ci, target.registry.url, config).then(idTokenClaims, () => ({}))
  const names = refused.map(({ e }) => e.pkg.name)
  const lines = refused.map(({ e, error }) => {
    const first = /does not exist there yet/.test(error.message)
      ? ' (not on the registry yet: its first version needs a token or a staged publish by a person)'
      : ''
    return `  ${e.pkg.name}${first}: ${error.message}`
  })
  throw new PkgsError(
    'EOIDC',
    `Trusted publishing was refused for ${refused.length} of ${entries.length} packages, so nothing was uploaded:\n${lines.join('\n')}`,
    {
      hint: `Trust this job for them all, logged in: ${trustCommand(ci, names.join(' '), claims, command)}`,
      exitCode: Exit.auth,
    },
  )
}

/**
 * A workspace dependency of a package to publish must be on the registry when that package is:
 * published by this release, or there already. One that is neither is exit 2, before any upload.
 */
async function checkDependencies(ctx: Context, config: Config, ws: Workspace, entries: Entry[], width: number): Promise<void> {
  const inRelease = new Map(entries.map((e) => [e.pkg.name, e]))
  const needed = new Map<string, { by: string; range: string }[]>()
  for (const e of entries.filter((x) => x.change)) {
    const { manifest } = rewriteRanges(ws, e.pkg, e.manifest)
    for (const dep of siblingDependencies(ws, e.pkg)) {
      const other = inRelease.get(dep.name)
      if (other?.change || other?.item.state === 'unchanged') continue
      const range = (manifest[dep.field] as Record<string, string>)[dep.name]
      needed.set(dep.name, [...(needed.get(dep.name) ?? []), { by: e.pkg.name, range }])
    }
  }
  if (!needed.size) return
  const names = [...needed.keys()]
  const targets = await Promise.all(names.map((name) => ctx.target({ scope: scopeOf(name), packageName: name })))
  const reads = await readEach(names, (name) => fetchPublished(ctx.client(config, targets[names.indexOf(name)]), name), {
    width,
    pacers: ctx.pacers(),
    registryOf: (name) => targets[names.indexOf(name)].registry.url,
  })
  const missing = names.flatMap((name, i) => {
    const versions = Object.keys(reads.outcomes[i].value?.versions ?? {})
    return needed
      .get(name)!
      .filter((n) => !versions.some((v) => inRange(v, n.range)))
      .map((n) => ({ name, ...n }))
  })
  if (!missing.length) return
  const said = missing.map((m) => `${m.by} depends on ${m.name}@${m.range}`).join('; ')
  const privately = missing.filter((m) => ws.packages.find((p) => p.name === m.name)?.manifest.private === true).map((m) => m.name)
  throw usageError(
    `${said}, which is neither on the registry nor part of this release.`,
    privately.length
      ? `${[...new Set(privately)].join(', ')} ${privately.length > 1 ? 'are' : 'is'} "private": true: publish ${privately.length > 1 ? 'them' : 'it'} too, or make it a devDependency.`
      : `Release ${[...new Set(missing.map((m) => m.name))].map((n) => `--workspace ${n}`).join(' ')} with it, or all with --workspaces.`,
  )
}

export async function runRelease(ctx: Context, flags: ReleaseFlags): Promise<Release> {
  const width = concurrencyOf(flags.concurrency)
  const config = await ctx.config()
  const { ws, entries } = await readRelease(ctx, config, flags)
  const candidates = entries.filter((e) => e.target)
  const ci = ciProvider(ctx.env)
  const warned = new Set<string>()
  for (const e of candidates) {
    const loggedIn = e.target!.credentials.type !== 'none'
    if (ci) continue
    if (!loggedIn && !e.target!.credentials.problem && flags.dryRun) {
      // once per registry, however many packages go there
      const url = e.target!.registry.url
      if (!warned.has(url)) ctx.io.warn(`You are not logged in to ${url}: a real release would stop here (dry run).`)
      warned.add(url)
    } else await ctx.requireCredentials(config, { ...e.target!, scope: scopeOf(e.pkg.name) })
  }
  if (!flags.dryRun) preloadPublisher()
  if (ci && candidates.length) {
    try {
      await exchangeAll(ctx, config, candidates, ci, flags.stage ? 'stage' : 'publish', width)
    } catch (err) {
      if (!flags.dryRun) throw err
      ctx.io.warn(`${explainError(err).message} A real release would stop here (dry run).`)
    }
  }
  for (const e of candidates) e.sending ??= ctx.client(config, e.target!)

  // what the registry has of each package
  const reads = await readEach(candidates, (e) => fetchPublished(e.sending!, e.pkg.name), {
    width: readConcurrency(config, width),
    pacers: ctx.pacers(),
    registryOf: (e) => e.target!.registry.url,
  })
  candidates.forEach((e, i) => {
    const o = reads.outcomes[i]
    if (o.error && !(flags.dryRun && o.error.exitCode !== Exit.auth)) throw o.error
    e.published = o.value ?? { exists: undefined, versions: {}, identity: detectKind(e.target!.registry.url) }
    if (flags.stage) requireWorkflow(e.target!, 'stage', stageWhat, e.published.identity)
    if (e.published.versions[e.item.version]) return
    // as npm and a single publish: a version below the highest release does not take "latest" unasked
    refuseImplicitLatest(e.published, e.pkg.name, e.item.version, e.item.tag!, Boolean(e.tagExplicit))
    e.change = {} as Entry['change']
  })
  await checkDependencies(ctx, config, ws, entries, readConcurrency(config, width))

  // pack each version to publish, as npm packs it, with the ranges rewritten in what is uploaded
  const toPublish = entries.filter((e) => e.change)
  const packedFiles = new Map<Entry, string[]>()
  for (const e of toPublish) {
    const scripts = scriptOptions(ctx, { ...config.flat, ...e.fromPackage }, config.npm.find('foreground-scripts') === 'default')
    const packed = await pack(ctx, e.source, config, { name: e.pkg.name, manifest: e.manifest }, e.fromPackage!, scripts)
    const { manifest, rewritten } = rewriteRanges(ws, e.pkg, packed.manifest)
    e.manifest = manifest
    e.tarball = rewritten.length ? replacePackageJson(packed.tarball, (text) => rewriteText(ws, e.pkg, text)) : packed.tarball
    const contents = rewritten.length ? await tarballContents(e.tarball, { name: e.pkg.name, version: e.item.version }) : packed.packed
    packedFiles.set(
      e,
      contents.files.map((f) => f.path),
    )
    const effective = effectiveAccess(e.decided!, e.published!, e.pkg.name)
    if (effective.warning) ctx.io.warn(effective.warning)
    e.item.access = effective.access
    checkProvenance(e.pkg.name, effective.access, flags.provenance)
  }

  // the plan: one upload per version, after the uploads of what it depends on
  const byName = new Map(toPublish.map((e) => [e.pkg.name, e]))
  for (const e of toPublish) {
    const after = siblingDependencies(ws, e.pkg).flatMap((d) => {
      const c = byName.get(d.name)?.change
      return c ? [c] : []
    })
    Object.assign(e.change!, {
      kind: flags.stage ? 'stage' : 'publish',
      target: e.pkg.name,
      action: 'add',
      to: e.item.version,
      registry: e.target!.registry.url,
      after,
      apply: () => upload(ctx, e, flags),
    } satisfies Change<{ stageId?: string }>)
  }
  const changes = toPublish.map((e) => e.change!)
  const results = entries.map((e) => e.item)
  if (flags.dryRun) {
    for (const e of toPublish) Object.assign(e.item, { state: flags.stage ? 'staged' : 'published', files: packedFiles.get(e) })
    if (!ctx.io.json) renderPlan(ctx.io, ws, entries, true)
    return { ...releaseDocument(results, true), changes: planDocument(changes).changes }
  }
  if (!ctx.io.json && changes.length) renderPlan(ctx.io, ws, entries, false)
  if (changes.length && !ctx.options.yes && ctx.io.canPrompt()) {
    await ctx.confirm({
      question: `${flags.stage ? 'Stage' : 'Publish'} ${changes.length} package${changes.length > 1 ? 's' : ''}?`,
      default: true,
      what: 'Publishing needs a confirmation',
      yesHint: 'Pass --yes.',
      refused: 'Nothing was published: you did not confirm.',
    })
  }
  const index = new Map(toPublish.map((e) => [e.change as Change, e]))
  const run = await applyChanges(ctx, changes, {
    width,
    onApplied(c, o) {
      const e = index.get(c)!
      if (o.value) {
        e.item.state = flags.stage ? 'staged' : 'published'
        if (o.value.stageId) e.item.stageId = o.value.stageId
        if (!ctx.io.json) ctx.io.print(`+ ${e.pkg.name}@${e.item.version}${o.value.stageId ? ` (staged with id ${o.value.stageId})` : ''}`)
      } else {
        e.item.state = o.skipped ? 'not-attempted' : 'failed'
        e.item.error = itemError(o)
        reportFailure(ctx.io, e.pkg.name, o.error, o.skipped, 2)
      }
    },
  })
  return { ...releaseDocument(results, false), [stoppedBy]: run.stoppedBy }
}

/** One version's upload, then its publish and postpublish scripts (as npm runs them). */
async function upload(ctx: Context, e: Entry, flags: ReleaseFlags): Promise<{ stageId?: string }> {
  const client = e.sending!
  const { config } = client
  const opts = {
    ...e.fromPackage,
    progress: false,
    access: e.item.access,
    defaultTag: e.item.tag,
    ...(flags.provenance ? { provenance: true } : {}),
    ...(flags.stage ? { stage: true } : {}),
    npmCommand: flags.stage ? 'stage' : 'publish',
  }
  let stageId: string | undefined
  try {
    ;({ stageId } = await publishTarball(client, e.manifest, e.tarball!, opts))
  } catch (err) {
    throw explainPublishError(err, e.item.version, undefined, flags.stage ? { exists: e.published?.exists } : undefined)
  }
  const scripts = scriptOptions(ctx, { ...config.flat, ...e.fromPackage }, config.npm.find('foreground-scripts') === 'default')
  await withScriptBanners(ctx, async () => {
    await runLifecycle('publish', e.source, e.manifest, scripts)
    await runLifecycle('postpublish', e.source, e.manifest, scripts)
  })
  return stageId ? { stageId } : {}
}

function releaseDocument(results: ReleaseItem[], dryRun: boolean): Release {
  const count = (...states: ReleaseState[]) => results.filter((r) => states.includes(r.state)).length
  return {
    dryRun,
    results,
    published: count('published', 'staged'),
    unchanged: count('unchanged'),
    skipped: count('private'),
    failed: count('failed'),
    notAttempted: count('not-attempted'),
  }
}

/** The release plan: each package with what will happen to it (stdout for a dry run, else stderr). */
function renderPlan(io: IO, ws: Workspace, entries: Entry[], dryRun: boolean): void {
  const write = (line: string) => (dryRun ? io.print(line) : io.info(line))
  const c = dryRun ? io.out : io.err
  write(c.bold(`${dryRun ? 'Would release (dry run)' : 'Release'}: ${entries.length} package${entries.length > 1 ? 's' : ''} of ${ws.root}`))
  // a private package may have no version
  const idOf = (e: Entry) => (e.item.version ? `${e.pkg.name}@${e.item.version}` : e.pkg.name)
  const width = Math.max(...entries.map((e) => idOf(e).length))
  for (const e of entries) {
    const id = idOf(e).padEnd(width)
    if (e.item.state === 'private') write(`  ${c.dim('·')} ${id}  ${c.dim('"private": true (skipped)')}`)
    else if (!e.change) write(`  = ${id}  ${c.dim('already published (skipped)')}`)
    else {
      const deps = siblingDependencies(ws, e.pkg).map((d) => d.name)
      write(`  + ${id}  ${e.item.access}  ${e.item.tag}  ${e.item.registry}${deps.length ? c.dim(`  after ${deps.join(', ')}`) : ''}`)
      if (dryRun) for (const f of e.item.files ?? []) write(`      ${f}`)
    }
  }
}

/** A release's text: each version's line was printed as it went; then the summary. */
export function renderRelease(r: Release, io: IO): void {
  if (r.dryRun) {
    io.info(`${r.published} to publish, ${r.unchanged} already published, ${r.skipped} private. Dry run: nothing was sent.`)
    return
  }
  const parts = [
    `${r.published} ${r.results.some((x) => x.state === 'staged') ? 'staged' : 'published'}`,
    `${r.unchanged} already published`,
    `${r.skipped} private`,
  ]
  if (r.failed) parts.push(`${r.failed} failed`)
  if (r.notAttempted) parts.push(`${r.notAttempted} not attempted (they depend on what failed)`)
  summary(io, `${parts.join(', ')}.`, { failed: r.failed, skipped: r.notAttempted })
}

export function isRelease<T extends object>(r: T | Release): r is Release {
  return 'results' in r
}

/** A release where some failed: exit 1, naming what is left. */
export function releaseFailure(r: Release): PkgsError | undefined {
  if (r[stoppedBy]) {
    const s = r[stoppedBy]
    return new PkgsError(s.code, `Stopped: ${s.message}`, { hint: s.hint, exitCode: s.exitCode === Exit.ok ? Exit.failure : s.exitCode })
  }
  if (!r.failed && !r.notAttempted) return undefined
  const left = r.results.filter((x) => x.state === 'failed' || x.state === 'not-attempted').map((x) => `${x.package}@${x.version}`)
  return new PkgsError('EPARTIAL', `${r.failed} of ${r.results.length} packages failed; not published: ${left.join(', ')}.`, {
    hint: 'Fix what each error says, then run the same command again: it publishes only what is left.',
  })
}
