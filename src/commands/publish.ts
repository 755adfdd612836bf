// pkgs publish: pack exactly as `npm publish` does, private by default for scoped packages, show
// what will be sent and confirm on a terminal, then publish with npm's own library.
import { Exit, PkgsError, usageError } from '../core/errors.js'
import { explainError } from '../core/explain.js'
import type { ChangeDocument } from '../core/plan.js'
import type { RegistryClient } from '../core/client.js'
import { ciNames, ciProvider, provenanceByDefault, trustedPublishing, type CiProvider, type TrustedPublishing } from '../core/oidc.js'
import {
  alreadyPublishedError,
  checkProvenance,
  decideAccess,
  decideTag,
  effectiveAccess,
  endsPublish,
  explainPublishError,
  fetchPublished,
  refuseImplicitLatest,
  publishConfigOptions,
  preloadPublisher,
  publishTarball,
  republishState,
  type Published,
} from '../core/publish.js'
import { detectKind, requireWorkflow, workflowsFor, type RegistryIdentity, type Target } from '../core/registry.js'
import { stageWhat } from '../core/stage.js'
import { accessOn } from '../core/access.js'
import { accessChoices, type Access } from '../package/access.js'
import { packageRoot, readManifest } from '../package/manifest.js'
import { publishablePackages, someNames, workspaceAtRoot } from '../package/workspace.js'
import { scopeOf } from '../package/names.js'
import { packSource, readPublishManifest, runLifecycle, type Packed } from '../package/pack.js'
import { defineCommand } from './command.js'
import { isRelease, releaseFailure, renderRelease, runRelease, type Release } from './release.js'
import { identify, pack, scriptOptions, settle, withScriptBanners, type Settled } from './publish-steps.js'
import type { Context } from './context.js'

interface PublishOptions {
  path?: string
  access?: Access
  tag?: string
  dryRun?: boolean
  tolerateRepublish?: boolean
  provenance?: boolean
  stage?: boolean
  workspaces?: boolean
  workspace?: string[]
  concurrency: string
}

/** The kind of registry published to, for the text only (a symbol key: not in the JSON document). */
const registryIdentity = Symbol('registryIdentity')

interface PublishResult {
  [registryIdentity]?: RegistryIdentity
  name: string
  version: string
  access: Access
  tag: string
  registry: string
  /** how many files the tarball holds */
  files: number
  /** bytes of the tarball */
  size: number
  unpackedSize: number
  shasum: string
  integrity: string
  dryRun: boolean
  /** false for a dry run and for an identical version already there (--tolerate-republish) */
  published: boolean
  /** --stage: the id of the version in the registry's staging queue */
  stageId?: string
  /** --dry-run: the plan, the upload that would be sent (none when already published, --tolerate-republish) */
  changes?: ChangeDocument[]
}

/** Registries without /-/whoami (or a failing one) do not stop a publish; bad credentials and no network do. */
function loginProblem(result: Settled<string | undefined>): PkgsError | undefined {
  return result?.error && endsPublish(result.error) ? result.error : undefined
}

/** At a workspace's root whose package.json is no package to publish ("private": true, or no name): the workspace's release is meant. */
async function notAtWorkspaceRoot(ctx: Context): Promise<void> {
  const ws = await workspaceAtRoot(ctx.cwd)
  const root = ws && (await readManifest(ws.root))?.manifest
  if (!ws || !root || (root.private !== true && root.name)) return
  const names = publishablePackages(ws).map((p) => p.name)
  throw usageError(
    `${ws.root} is the root of a workspace${root.private === true ? ' ("private": true)' : ''}: publish its packages with --workspaces (${names.length} package${names.length === 1 ? '' : 's'}${names.length ? `: ${someNames(names)}` : ''}).`,
    `pkgs publish --workspaces (or -ws) releases them all in dependency order; pkgs publish -w <name> some of them.`,
  )
}

async function runPublish(ctx: Context, opts: PublishOptions): Promise<PublishResult> {
  if (!opts.path) await notAtWorkspaceRoot(ctx)
  // no folder named: the package this folder is in, the nearest package.json, here or above (npm's own publish looks only here; its owner, access and run commands look above too)
  const source = await packSource(ctx.cwd, opts.path ?? (await packageRoot(ctx.cwd)))
  const config = await ctx.config()
  const first = await readPublishManifest(source, config.flat)
  const { name, version } = identify(first.manifest, source)
  const scope = scopeOf(name)
  const publishConfig = first.manifest.publishConfig
  const decided = decideAccess(name, Boolean(scope), { flag: opts.access, publishConfig: publishConfig?.access, config: config.npm.get('access') })
  if (decided.from !== 'default') checkProvenance(name, decided.access, opts.provenance)
  const tagInput = { flag: opts.tag, config: config.npm.get('tag'), configIsDefault: config.npm.find('tag') === 'default' }
  const { tag, explicit: tagExplicit } = decideTag(name, version, { ...tagInput, publishConfig: publishConfig?.tag })
  const target = await ctx.target({ scope, packageName: name, publishConfigRegistry: publishConfig?.registry })
  ctx.warnAboutNpm()
  if (opts.stage) requireWorkflow(target, 'stage', stageWhat)
  const loggedIn = target.credentials.type !== 'none'
  const ci = ciProvider(ctx.env)
  // in CI the exchange of the job's ID token decides whether we can publish: checked when it answers
  if (!ci && !loggedIn && !target.credentials.problem && opts.dryRun)
    ctx.io.warn(`You are not logged in to ${target.registry.url}: a real publish would stop here (dry run).`)
  else if (!ci) await ctx.requireCredentials(config, { ...target, scope })

  // npm's order in CI: the exchange first, then the package's document with the token it gives;
  // the login check and the registry's copy are fetched while the scripts run and the package packs
  const auth: Promise<Sending> = ci
    ? viaTrustedPublishing(ctx, ctx.client(config, target), name, ci, opts.stage ? 'stage' : 'publish', loggedIn, Boolean(opts.dryRun))
    : Promise.resolve({ client: ctx.client(config, target) })
  const authResult = settle(auth)
  const login = settle(auth.then((a) => (!a.trusted && loggedIn ? a.client.whoami() : undefined)))
  const published = settle(auth.then((a) => fetchPublished(a.client, name)))
  // loading npm's publishing library takes a while: let it load while scripts and requests run
  if (!opts.dryRun) preloadPublisher()
  const flags = [opts.access && 'access', opts.tag !== undefined && 'tag', opts.provenance && 'provenance', ctx.options.registry && 'registry']
  const fromPackage = publishConfigOptions(
    publishConfig,
    flags.filter((f): f is string => Boolean(f)),
  )
  const scripts = scriptOptions(ctx, { ...config.flat, ...fromPackage }, config.npm.find('foreground-scripts') === 'default')
  const { manifest, tarball, packed } = await pack(ctx, source, config, { name, manifest: first.manifest }, fromPackage, scripts)
  if (manifest.version !== version) decideTag(name, String(manifest.version), { ...tagInput, publishConfig: manifest.publishConfig?.tag })

  const [authSettled, loginResult, publishedResult] = await Promise.all([authResult, login, published])
  if (authSettled.error) throw authSettled.error
  const sending = authSettled.value
  const state = offlineDryRun(ctx, target, Boolean(opts.dryRun), loginProblem(loginResult) ?? publishedResult.error) ?? publishedResult.value
  if (!state) throw publishedResult.error
  const result: PublishResult = {
    name,
    version: String(manifest.version),
    access: decided.access,
    tag,
    registry: target.registry.url,
    files: packed.files.length,
    size: packed.size,
    unpackedSize: packed.unpackedSize,
    shasum: packed.shasum,
    integrity: packed.integrity,
    dryRun: Boolean(opts.dryRun),
    published: false,
  }
  result[registryIdentity] = state.identity
  if (opts.stage) requireWorkflow(target, 'stage', stageWhat, state.identity)
  const republish = republishState(state, result.version, packed)
  // a dry run's plan: nothing to send for an identical version already there
  if (opts.dryRun) result.changes = []
  if (republish === 'identical' && opts.tolerateRepublish) return tolerated(ctx, result)
  if (republish !== 'new') throw alreadyPublishedError(target, name, result.version, republish, Boolean(opts.tolerateRepublish))
  refuseImplicitLatest(state, name, result.version, tag, tagExplicit)

  const effective = effectiveAccess(decided, state, name)
  if (effective.warning) ctx.io.warn(effective.warning)
  result.access = effective.access
  const interactive = !opts.dryRun && !ctx.options.yes && ctx.io.canPrompt()
  const accessIgnored = workflowsFor(state.identity).unsupported.visibility
  if (interactive && scope && !accessIgnored && state.exists === false && (decided.from === 'default' || decided.from === 'config')) {
    result.access = await ctx.io.select<Access>(`${name} is new on ${target.registry.url}. Who may install it?`, accessChoices, decided.access)
  }
  checkProvenance(name, result.access, opts.provenance)
  if (!ctx.io.json) renderSummary(ctx, result, packed, target, state.identity)
  const as = accessIgnored ? '' : ` as ${result.access}`
  if (interactive) {
    await ctx.confirm({
      question: `Publish ${name}@${result.version} to ${target.registry.url}${as}?`,
      default: true,
      what: 'Publishing needs a confirmation',
      yesHint: 'Pass --yes.',
      refused: 'Nothing was published: you did not confirm.',
    })
  }
  if (opts.dryRun) {
    result.changes = [{ kind: opts.stage ? 'stage' : 'publish', target: name, action: 'add', to: result.version }]
    return result
  }

  const provenance =
    opts.provenance ||
    (sending.trusted && config.npm.find('provenance') === 'default' && provenanceByDefault(sending.trusted, ctx.env, state.visibility === 'public'))
  const publishOpts = {
    ...fromPackage,
    progress: false,
    access: result.access,
    defaultTag: tag,
    ...(provenance ? { provenance: true } : {}),
    ...(opts.stage ? { stage: true } : {}),
    npmCommand: opts.stage ? 'stage' : 'publish',
  }
  try {
    const { stageId } = await publishTarball(sending.client, manifest, tarball, publishOpts, async () => {
      const spinner = await ctx.io.spinner(`${opts.stage ? 'Staging' : 'Publishing'} ${name}@${result.version} to ${target.registry.url}`)
      return () => spinner.stop()
    })
    if (stageId) result.stageId = stageId
  } catch (err) {
    const error = explainPublishError(err, result.version, loginResult?.value, opts.stage ? { exists: state.exists } : undefined)
    if (error.code !== 'EPUBLISHCONFLICT') throw error
    // published between our look at the registry and the upload (a parallel CI job): look again
    const now = await settle(fetchPublished(sending.client, name))
    const there = now.value ? republishState(now.value, result.version, packed) : 'different'
    if (there === 'identical' && opts.tolerateRepublish) return tolerated(ctx, result)
    throw alreadyPublishedError(target, name, result.version, there === 'new' ? 'different' : there, Boolean(opts.tolerateRepublish))
  }
  result.published = !opts.stage
  try {
    await withScriptBanners(ctx, async () => {
      await runLifecycle('publish', source, manifest, scripts)
      await runLifecycle('postpublish', source, manifest, scripts)
    })
  } catch (err) {
    // the upload is done: a script failing after it must not read as a publish that failed (a re-run would meet the version)
    const e = explainError(err)
    const done = `${name}@${result.version} was ${opts.stage ? 'staged' : 'published'} to ${target.registry.url}, but then: ${e.message}`
    throw new PkgsError(e.code, done, {
      hint: `${e.hint ? `${e.hint} ` : ''}Do not publish this version again: it is there.`,
      exitCode: e.exitCode,
      cause: err,
      details: { published: result.published, name, version: result.version },
    })
  }
  return result
}

/** What the publish is sent with: the configured credentials, or a token from trusted publishing. */
interface Sending {
  client: RegistryClient
  trusted?: TrustedPublishing
}

/**
 * In CI: a publish token from the job's ID token (trusted publishing), used instead of any
 * configured token. A failure says why: exit 3 without other credentials (a warning for a dry
 * run), a warning with them, and the publish goes on with those.
 */
async function viaTrustedPublishing(
  ctx: Context,
  client: RegistryClient,
  name: string,
  ci: CiProvider,
  command: 'publish' | 'stage',
  loggedIn: boolean,
  dryRun: boolean,
): Promise<Sending> {
  const exists = () =>
    fetchPublished(client.sending(undefined), name).then(
      (p) => p.exists === true,
      () => false,
    )
  try {
    const trusted = await trustedPublishing(client, name, ctx.env, ci, command, exists)
    ctx.io.info(`Publishing with a token from ${ciNames[ci]}'s ID token (trusted publishing).`)
    return { client: client.sending(trusted.token), trusted }
  } catch (err) {
    const error = explainError(err)
    if (!loggedIn && !dryRun) throw error
    ctx.io.warn(
      `Trusted publishing did not work: ${error.message}${loggedIn ? ' Publishing with the configured token instead.' : ' A real publish would stop here (dry run).'}`,
    )
    if (error.hint) ctx.io.hint(error.hint)
    return { client }
  }
}

/**
 * A dry run still shows what would be sent when the registry cannot be reached, or will not
 * answer without a login (npm's dry run does not ask it at all): a warning. Credentials it
 * rejected still end a dry run (exit 3): the real publish would need them fixed.
 */
function offlineDryRun(ctx: Context, target: Target, dryRun: boolean, problem: PkgsError | undefined): Published | undefined {
  if (!problem) return undefined
  const notLoggedIn = problem.code === 'ENEEDAUTH' && target.credentials.type === 'none'
  if (!dryRun || (problem.exitCode === Exit.auth && !notLoggedIn)) throw problem
  if (notLoggedIn)
    ctx.io.warn(`${target.registry.url} shows nothing without a login, so whether ${target.packageName ?? 'the package'} is there was not checked (dry run).`)
  else ctx.io.warn(`${problem.message} The registry was not checked (dry run).`)
  return { exists: undefined, versions: {}, identity: detectKind(target.registry.url) }
}

function tolerated(ctx: Context, result: PublishResult): PublishResult {
  ctx.io.warn(`${result.name}@${result.version} is already published on ${result.registry} with the same contents: nothing to do (--tolerate-republish).`)
  return result
}

function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`
  if (bytes < 999950) return `${(bytes / 1000).toFixed(1)} kB`
  return `${(bytes / 1000000).toFixed(1)} MB`
}

/** What will be sent; for a dry run it is the result (stdout) and lists every file. */
function renderSummary(ctx: Context, result: PublishResult, packed: Packed, target: Target, identity: RegistryIdentity): void {
  const c = result.dryRun ? ctx.io.out : ctx.io.err
  const write = (line: string) => (result.dryRun ? ctx.io.print(line) : ctx.io.info(line))
  const row = (label: string, value: string) => write(`  ${c.dim(label.padEnd(10))} ${value}`)
  write(result.dryRun ? c.bold('Would publish (dry run):') : c.bold('Publishing:'))
  row('package', `${result.name}@${result.version}`)
  row('access', accessOn(result.access, identity))
  row('tag', result.tag)
  row('registry', `${result.registry} ${c.dim(`from ${target.registry.source}`)}`)
  row('files', String(result.files))
  row('size', `${formatBytes(result.size)} packed, ${formatBytes(result.unpackedSize)} unpacked`)
  row('integrity', result.integrity)
  const listed = result.dryRun ? packed.files : ctx.io.verbose ? [...packed.files].sort((a, b) => b.size - a.size).slice(0, 10) : []
  if (!listed.length) return
  write(result.dryRun ? '  files:' : '  largest files:')
  const width = Math.max(...listed.map((f) => formatBytes(f.size).length))
  for (const file of listed) write(`    ${formatBytes(file.size).padStart(width)}  ${file.path}`)
}

export default defineCommand({
  name: 'publish',
  description: 'pack exactly as npm does and publish: private by default for scoped packages',
  arguments: [{ name: 'path', description: 'a folder with a package.json (default: the nearest one, here or above) or a tarball made by npm pack' }],
  options: {
    access: {
      flags: '--access <access>',
      description: 'who may install it (default: publishConfig.access, else restricted for scoped packages)',
      choices: ['restricted', 'public'],
    },
    tag: { flags: '--tag <tag>', description: 'the dist-tag to publish under (default: latest; required for pre-releases and below the highest release)' },
    dryRun: { flags: '--dry-run', description: 'do everything but the upload, and show what would be sent (also without a login: a warning)' },
    tolerateRepublish: {
      flags: '--tolerate-republish',
      description: 'exit 0 with a warning when this very version is already published with the same contents (CI re-runs)',
    },
    provenance: { flags: '--provenance', description: 'publish with a signed provenance statement (from a supported CI provider)' },
    stage: { flags: '--stage', description: 'upload to the staging queue: published once someone approves it (pkgs stage approve)' },
    workspaces: { flags: '--workspaces', description: "release every package of the workspace this folder is in (npm's -ws)" },
    workspace: { flags: '-w, --workspace <name...>', description: 'release these packages of the workspace: names or folders (repeatable)' },
    concurrency: { flags: '--concurrency <n>', description: 'a release: packages to upload at once', default: '24' },
  },
  examples: [
    ['pkgs publish', 'publish ./ (restricted if scoped and not decided otherwise)'],
    ['pkgs publish --dry-run', 'show the files, size, access, tag and registry; upload nothing'],
    ['pkgs publish --access public', 'publish a scoped package for everyone'],
    ['pkgs publish --tag next', 'publish a pre-release without moving "latest"'],
    ['pkgs publish ./dist --otp 123456', 'publish a folder with a one-time password'],
    ['pkgs publish pkg-1.0.0.tgz --yes', 'publish a tarball as it is, without confirming'],
    ['pkgs publish --stage --yes', 'in CI: stage it; a person approves it with pkgs stage approve'],
    ['pkgs publish -ws --dry-run', "a monorepo's release plan: every package of the workspace, in dependency order; upload nothing"],
    ['pkgs publish -w @acme/core -w packages/ui', 'release some packages of the workspace (names or folders)'],
  ],
  json: [
    'pkgs publish --tolerate-republish --json',
    'in CI: {"name", "version", "access", "tag", "registry", "files", "size", "integrity", "dryRun", "published", "stageId"?, "changes"? (--dry-run)}',
  ],
  notes:
    'On a terminal it shows what will be sent and asks to confirm (--yes skips); a first publish of a scoped package asks for the access (not on registries that set access their own way, such as Verdaccio, where its config.yaml decides: the summary and the success line say who can install it there, and where that is set).' +
    ' At the root of a workspace whose package.json is "private": true (or has no name), it exits 2 naming --workspaces.' +
    ' With --workspaces (-ws) or -w it releases packages of the workspace (npm, yarn or pnpm) from its root or any package folder:' +
    ' the release plan first (confirmed on a terminal), each package uploaded after the workspace packages it depends on,' +
    ' workspace: and catalog: ranges rewritten in what is uploaded, one two-factor approval for all; "private": true packages' +
    ' and versions already published are skipped, a refused package holds back only what depends on it, and running it again' +
    ' publishes what is left.',
  run: (ctx, opts): Promise<PublishResult | Release> => (opts.workspaces || opts.workspace?.length ? runRelease(ctx, opts) : runPublish(ctx, opts)),
  failure: (result) => (isRelease(result) ? releaseFailure(result) : undefined),
  // a dry run's plan is the summary of what would be sent, with every file (a release's: its plan's lines)
  rendersPlan: (result) => !isRelease(result),
  render(result, io) {
    if (isRelease(result)) return renderRelease(result, io)
    if (result.stageId) {
      io.print(`+ ${result.name}@${result.version} (staged with id ${result.stageId})`)
      io.success(`Staged ${result.name}@${result.version} on ${result.registry}: approve it with pkgs stage approve ${result.stageId}`)
    } else if (result.published) {
      io.print(`+ ${result.name}@${result.version}`)
      const identity = result[registryIdentity] ?? detectKind(result.registry)
      io.success(`Published ${result.name}@${result.version} to ${result.registry} (tag ${result.tag}): ${accessOn(result.access, identity)}.`)
    } else if (!result.dryRun) io.print(`= ${result.name}@${result.version} (already published)`)
  },
})
