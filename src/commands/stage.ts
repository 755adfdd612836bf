// pkgs stage: the versions waiting in the registry's staging queue (`npm stage`): list them,
// look at one or download it, approve (publish) or reject them, one, several, a scope's or all,
// under one two-factor approval.
import { writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { tally } from '../core/bulk.js'
import { itemError, type Change } from '../core/plan.js'
import type { RegistryClient } from '../core/client.js'
import { defaultScope } from '../core/config.js'
import { PkgsError, usageError } from '../core/errors.js'
import {
  decideStaged,
  downloadStaged,
  isStageId,
  listStaged,
  stagedDependencies,
  stageWhat,
  validateStageId,
  viewStaged,
  type StagedVersion,
} from '../core/stage.js'
import type { IO } from '../io/io.js'
import { table } from '../io/table.js'
import { isValidVersion } from '../package/init.js'
import { tarballContents } from '../package/pack.js'
import { normalizeScope, scopeOf, validatePackageName } from '../package/names.js'
import { findWorkspace, publishablePackages, siblingDependencies, workspaceAtRoot, type Workspace } from '../package/workspace.js'
import { applyChanges, dryRunOption, planDocument } from './changes.js'
import { defineCommand, defineGroup } from './command.js'
import type { Context } from './context.js'
import { bulkDocumentFailure, concurrencyOf, reportFailure, stoppedBy, summary, type BulkResult } from './packages.js'

const require = createRequire(import.meta.url)

type SpecCommand = 'view' | 'download' | 'approve' | 'reject'

/** A staged version a command works on: from the list, or a stage id given alone. */
type Chosen = { client: RegistryClient; item: StagedVersion | { id: string } }

/** `@acme/widgets@1.2.0` as name and version; anything else is a usage error (its hint an example of this command). */
function parseSpec(spec: string, command: SpecCommand): { name: string; version: string } {
  const example = `e.g. pkgs stage ${command} @acme/widgets@1.2.0, or a stage id from pkgs stage ls`
  const at = spec.lastIndexOf('@')
  if (at <= 0) throw usageError(`"${spec}" is neither a stage id nor package@version.`, example)
  const name = validatePackageName(spec.slice(0, at))
  const version = spec.slice(at + 1)
  // a version nothing could have staged: said before any request
  if (!isValidVersion(version)) throw usageError(`"${version}" in ${spec} is not a version, such as 1.2.0.`, example)
  return { name, version }
}

/** The registry of the staged versions: the named package's or scope's, else the default scope's; logged in there. */
async function stageTarget(ctx: Context, q: { packageName?: string; scope?: string }) {
  const scope = q.packageName ? scopeOf(q.packageName) : q.scope ? normalizeScope(q.scope) : defaultScope(await ctx.config())
  const { client } = await ctx.loggedIn({ scope, packageName: q.packageName }, { workflow: 'stage', what: stageWhat })
  return client
}

/** A stage id as it is, or package@version found in the list (`list`: listStaged, or one shared by several specs). */
async function resolveOne(ctx: Context, spec: string, command: SpecCommand, list = listStaged): Promise<Chosen> {
  if (isStageId(spec)) return { client: await stageTarget(ctx, {}), item: { id: spec } }
  const { name, version } = parseSpec(spec, command)
  const client = await stageTarget(ctx, { packageName: name })
  const item = (await list(client, name)).find((i) => i.version === version)
  if (!item)
    throw new PkgsError('E404', `${name}@${version} is not staged on ${client.target.registry.url}: it was approved or rejected already, or never staged.`, {
      hint: `See what is staged with: pkgs stage ls ${name}`,
    })
  return { client, item }
}

function renderItems(items: StagedVersion[], io: IO): void {
  if (!items.length) return io.info('Nothing is staged.')
  if (io.isStdoutTTY) {
    io.print(
      table(
        ['ID', 'PACKAGE', 'VERSION', 'TAG', 'STAGED', 'BY'],
        items.map((i) => [
          i.id,
          i.packageName,
          i.version,
          i.tag ?? '',
          String(i.createdAt ?? '')
            .slice(0, 16)
            .replace('T', ' '),
          stagedBy(i),
        ]),
        io.out.bold,
      ),
    )
    return
  }
  // npm stage list's lines, one block per staged version
  io.print(items.map(lines).join('\n\n'))
}

function stagedBy(i: StagedVersion): string {
  return i.actorType ? `${i.actor} (${i.actorType})` : String(i.actor ?? '')
}

function lines(i: StagedVersion): string {
  const { id, packageName, version, tag, createdAt, actor: _actor, actorType: _type, shasum, ...rest } = i
  const fields: [string, unknown][] = [
    ['id', id],
    ['package name', packageName],
    ['version', version],
    ['tag', tag],
    ['date staged', createdAt],
    ['staged by', stagedBy(i)],
    ['shasum', shasum],
    ...Object.entries(rest),
  ]
  return fields
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join('\n')
}

const ls = defineCommand({
  name: 'ls',
  description: 'list the versions waiting for approval',
  arguments: [{ name: 'package', description: 'only this package' }],
  options: { scope: { flags: '--scope <scope>', description: "the scope whose registry to ask (default: the package's, else the configured scope)" } },
  notes: "At a workspace's root with no package named: the staged versions of its packages, each asked of its package's registry.",
  examples: [
    ['pkgs stage ls', 'every version you may approve, a table on a terminal'],
    ['pkgs stage ls @acme/widgets | cat', "npm stage list's lines"],
  ],
  json: ['pkgs stage ls --json', '[{"id", "packageName", "version", "tag", "createdAt", "actor", "actorType", "shasum"}]'],
  async run(ctx, opts) {
    const packageName = opts.package ? validatePackageName(opts.package) : undefined
    const ws = packageName || opts.scope ? undefined : await workspaceAtRoot(ctx.cwd)
    if (ws) return (await stagedOfWorkspace(ctx, ws)).map((c) => c.item as StagedVersion)
    return listStaged(await stageTarget(ctx, { packageName, scope: opts.scope }), packageName)
  },
  render: renderItems,
})

const view = defineCommand({
  name: 'view',
  description: 'show one staged version',
  arguments: [{ name: 'spec', description: 'a stage id, or package@version', required: true }],
  examples: [['pkgs stage view @acme/widgets@1.2.0', 'its id, tag, when and by whom it was staged, its shasum']],
  json: ['pkgs stage view <id> --json', '{"id", "packageName", "version", "tag", "createdAt", "actor", "actorType", "shasum"}'],
  async run(ctx, { spec }) {
    const { client, item } = await resolveOne(ctx, spec, 'view')
    return 'packageName' in item ? item : viewStaged(client, validateStageId(item.id))
  },
  render: (item, io) => io.print(lines(item)),
})

const download = defineCommand({
  name: 'download',
  description: 'download the tarball of a staged version, to look at it before approving',
  arguments: [{ name: 'spec', description: 'a stage id, or package@version', required: true }],
  examples: [['pkgs stage download @acme/widgets@1.2.0', "writes acme-widgets-1.2.0-<id>.tgz here (npm stage download's name)"]],
  json: ['pkgs stage download <id> --json', '{"id", "name", "version", "file", "files", "size", "integrity"}'],
  async run(ctx, { spec }) {
    const { client, item } = await resolveOne(ctx, spec, 'download')
    const id = validateStageId(item.id)
    const [details, data] = await Promise.all(['packageName' in item ? item : viewStaged(client, id), downloadStaged(client, id)])
    const packed = await tarballContents(data, { name: details.packageName, version: details.version })
    // npm stage download's name: the package without @ and /, its version and the stage id
    const file = `${details.packageName.replace('@', '').replace('/', '-')}-${details.version}-${id}.tgz`
    await writeFile(join(ctx.cwd, file), data)
    return { id, name: details.packageName, version: details.version, file, files: packed.files.length, size: packed.size, integrity: packed.integrity }
  },
  render: (r, io) => io.print(r.file),
})

/** Stage ids given alone, with their package and version from the list (one read per registry), so that they can be ordered. */
async function withVersions(chosen: Chosen[]): Promise<Chosen[]> {
  if (chosen.length < 2 || chosen.every((c) => 'packageName' in c.item)) return chosen
  const lists = new Map<string, Promise<StagedVersion[]>>()
  return Promise.all(
    chosen.map(async (c) => {
      if ('packageName' in c.item) return c
      const key = c.client.target.registry.url
      // a list that cannot be read leaves the ids as given: each approval still goes, unordered
      if (!lists.has(key))
        lists.set(
          key,
          listStaged(c.client).catch(() => []),
        )
      const item = (await lists.get(key)!).find((i) => i.id === c.item.id)
      return item ? { ...c, item } : c
    }),
  )
}

/**
 * The packages each staged version depends on (dependencies, optionalDependencies,
 * peerDependencies): from the staged manifest where the registry's list gives it, else from the
 * package.json of the workspace this folder is in.
 */
async function dependenciesOf(ctx: Context, chosen: Chosen[]): Promise<Map<string, string[]>> {
  const items = chosen.flatMap((c) => ('packageName' in c.item ? [c.item] : []))
  const byName = new Map<string, string[]>()
  if (items.length < 2) return byName
  const ws = await findWorkspace(ctx.cwd).catch(() => undefined)
  for (const item of items) {
    const pkg = ws?.packages.find((p) => p.name === item.packageName)
    const deps = stagedDependencies(item) ?? (ws && pkg ? siblingDependencies(ws, pkg).map((d) => d.name) : [])
    byName.set(item.packageName, [...new Set([...(byName.get(item.packageName) ?? []), ...deps.filter((d) => d !== item.packageName)])])
  }
  return byName
}

/**
 * --all at a workspace's root: the staged versions of the workspace's packages, each asked of its
 * package's registry (publishConfig.registry, else its scope's), each registry's list read once.
 */
async function stagedOfWorkspace(ctx: Context, ws: Workspace): Promise<Chosen[]> {
  const packages = publishablePackages(ws)
  ctx.io.info(`The workspace at ${ws.root}: the staged versions of ${packages.map((p) => p.name).join(', ')}.`)
  const byRegistry = new Map<string, { client: RegistryClient; names: Set<string> }>()
  for (const p of packages) {
    const q = { scope: scopeOf(p.name), packageName: p.name, publishConfigRegistry: p.manifest.publishConfig?.registry }
    const { client } = await ctx.loggedIn(q, { workflow: 'stage', what: stageWhat })
    const key = client.target.registry.url
    if (!byRegistry.has(key)) byRegistry.set(key, { client, names: new Set() })
    byRegistry.get(key)!.names.add(p.name)
  }
  const lists = await Promise.all(
    [...byRegistry.values()].map(async ({ client, names }) =>
      (await listStaged(client)).filter((i) => names.has(i.packageName)).map((item) => ({ client, item })),
    ),
  )
  return lists.flat()
}

/** Each package's versions lowest first (pre-releases before their release), packages as they came. */
function inPublishOrder(chosen: Chosen[]): Chosen[] {
  const semverCompare = require('semver/functions/compare') as (a: string, b: string) => number
  const compare = (a: string, b: string) => {
    try {
      return semverCompare(a, b)
    } catch {
      return 0 // not a version the registry should have staged: left where it is
    }
  }
  const first = new Map<string, number>()
  chosen.forEach((c, i) => 'packageName' in c.item && !first.has(c.item.packageName) && first.set(c.item.packageName, i))
  const rank = (c: Chosen, i: number) => ('packageName' in c.item ? first.get(c.item.packageName)! : i)
  return chosen
    .map((c, i) => ({ c, i }))
    .sort(
      (a, b) =>
        rank(a.c, a.i) - rank(b.c, b.i) || ('packageName' in a.c.item && 'packageName' in b.c.item ? compare(a.c.item.version, b.c.item.version) : a.i - b.i),
    )
    .map(({ c }) => c)
}

function decisionCommand(decision: 'approve' | 'reject') {
  const verb = decision === 'approve' ? 'approved' : 'rejected'
  return defineCommand({
    name: decision,
    description: decision === 'approve' ? 'approve staged versions: each is published' : 'reject staged versions: each is deleted from the queue',
    arguments: [{ name: 'specs', description: 'stage ids or package@version', variadic: true }],
    options: {
      all: { flags: '--all', description: 'every staged version you may ' + decision },
      scope: { flags: '--scope <scope>', description: `every staged version of this scope` },
      concurrency: { flags: '--concurrency <n>', description: 'versions to work on at once', default: '24' },
      ...dryRunOption,
    },
    examples: [
      [`pkgs stage ${decision} @acme/widgets@1.2.0`, decision === 'approve' ? 'publish it (two-factor authentication)' : 'delete it from the queue'],
      [`pkgs stage ${decision} --scope @acme --yes`, 'every staged version of @acme, one approval for all'],
    ],
    json: [
      `pkgs stage ${decision} --all --yes --json`,
      '{"results": [{"id", "package", "version", "registry", "changed", "error"?}], "changed", "failed", "skipped"}',
    ],
    notes:
      'Several, --all or --scope: listed first, confirmed on a terminal (--yes without one). Some failed: exit 1; run it again to finish the rest.' +
      (decision === 'approve'
        ? ' Versions of one package are approved lowest first, one after another, so the highest ends as latest;' +
          ' a version after the staged versions it depends on (read from the staged manifest, else from the package.json files of this workspace).'
        : '') +
      " --all at a workspace's root: the staged versions of its packages, each asked of its package's registry.",
    async run(ctx, opts) {
      const concurrency = concurrencyOf(opts.concurrency)
      const bulk = opts.all || opts.scope
      if (bulk && opts.specs.length) throw usageError('Name staged versions, or --all / --scope, not both.')
      if (!bulk && !opts.specs.length)
        throw usageError(`Name what to ${decision}: a stage id, package@version, --scope <@s> or --all.`, 'See what is staged with: pkgs stage ls')
      for (const spec of opts.specs) if (!isStageId(spec)) parseSpec(spec, decision)
      let chosen: Chosen[]
      const ws = opts.all ? await workspaceAtRoot(ctx.cwd) : undefined
      if (ws) chosen = await stagedOfWorkspace(ctx, ws)
      else if (bulk) {
        const scope = opts.scope ? normalizeScope(opts.scope) : undefined
        const client = await stageTarget(ctx, { scope })
        const items = (await listStaged(client)).filter((i) => !scope || i.packageName.startsWith(`${scope}/`))
        chosen = items.map((item) => ({ client, item }))
      } else {
        // side by side, each package's list asked for once however many of its versions are named
        const lists = new Map<string, ReturnType<typeof listStaged>>()
        const listOnce: typeof listStaged = (client, name) => {
          const key = `${client.target.registry.url} ${name}`
          if (!lists.has(key)) lists.set(key, listStaged(client, name))
          return lists.get(key)!
        }
        const settled = await Promise.allSettled(opts.specs.map((spec) => resolveOne(ctx, spec, decision, listOnce)))
        // the first spec that failed, in the order given, as one after the other would report it
        const failed = settled.find((r) => r.status === 'rejected')
        if (failed) throw failed.reason
        const resolved = settled.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof resolveOne>>>).value)
        chosen = await withVersions(resolved)
      }
      if (decision === 'approve') chosen = inPublishOrder(chosen)
      if (!chosen.length) ctx.io.warn('Nothing is staged there.')
      const named = (c: { item: StagedVersion | { id: string } }) => ('packageName' in c.item ? `${c.item.packageName}@${c.item.version}` : c.item.id)
      // versions of one package are approved one after another, lowest first: each is published
      // with the tag it was staged with, so side by side the last to finish would be `latest`
      const last = new Map<string, Change<void>>()
      const dependsOn = decision === 'approve' ? await dependenciesOf(ctx, chosen) : new Map<string, string[]>()
      const changes = chosen.map((c): Change<void> => {
        const key = 'packageName' in c.item ? c.item.packageName : c.item.id
        const before = decision === 'approve' ? last.get(key) : undefined
        const change: Change<void> = {
          kind: 'stage',
          target: named(c),
          action: decision === 'approve' ? 'change' : 'remove',
          from: 'staged',
          ...(decision === 'approve' ? { to: 'published' } : {}),
          registry: c.client.target.registry.url,
          ...(before ? { after: [before] } : {}),
          apply: () => decideStaged(c.client, validateStageId(c.item.id), decision),
        }
        last.set(key, change)
        return change
      })
      // what a staged version depends on, among those approved here, first: its dependents never point to a version not yet published
      chosen.forEach((c, i) => {
        const deps = 'packageName' in c.item ? (dependsOn.get(c.item.packageName) ?? []) : []
        const before = deps.flatMap((d) => (last.has(d) ? [last.get(d)!] : []))
        if (before.length) changes[i].after = [...(changes[i].after ?? []), ...before]
      })
      const results: BulkResult[] = chosen.map((c) => ({
        id: c.item.id,
        ...('packageName' in c.item ? { package: c.item.packageName, version: c.item.version } : { package: '' }),
        registry: c.client.target.registry.url,
        changed: false,
      }))
      if (opts.dryRun) return { ...planDocument(changes), results, changed: 0, failed: 0, skipped: 0 }
      if (chosen.length > 1 || (bulk && chosen.length)) {
        ctx.io.info(
          `${decision === 'approve' ? 'To approve (each is then published)' : 'To reject (each is deleted)'}:\n${chosen.map((c) => `  ${named(c)}  ${ctx.io.err.dim(c.item.id)}`).join('\n')}`,
        )
        await ctx.confirm({
          question: `${decision === 'approve' ? 'Approve' : 'Reject'} ${chosen.length === 1 ? named(chosen[0]) : `these ${chosen.length} versions`}?`,
          what: `${decision === 'approve' ? 'Approving' : 'Rejecting'} ${chosen.length} staged versions needs a confirmation`,
          yesHint: `Pass --yes to ${decision} them without being asked.`,
          refused: `Nothing was ${verb}: you did not confirm.`,
        })
      }
      const run = await applyChanges(ctx, changes, {
        width: concurrency,
        onApplied(c, o) {
          const r = results[changes.indexOf(c)]
          if (o.error) r.error = itemError(o)
          else r.changed = true
          if (!o.error) ctx.io.print(`${c.target}: ${verb}${decision === 'approve' ? ' and published' : ''}.`)
          else reportFailure(ctx.io, c.target, o.error, o.skipped, chosen.length)
        },
      })
      if (chosen.length === 1 && run.outcomes[0].error) throw run.outcomes[0].error
      const { failed, skipped } = tally(results)
      return { results, changed: results.filter((r) => r.changed).length, failed, skipped, [stoppedBy]: run.stoppedBy }
    },
    render(r, io) {
      if (r.results.length > 1)
        summary(io, `${r.changed} ${verb}${r.failed ? `, ${r.failed} failed` : ''}${r.skipped ? `, ${r.skipped} not attempted` : ''}.`, r)
    },
    failure: bulkDocumentFailure,
  })
}

export default defineGroup({
  name: 'stage',
  description: 'versions waiting for approval before anyone can install them (staged publishing, npm stage)',
  examples: [
    ['pkgs publish --stage', 'in CI: upload the version to the queue (no two-factor prompt there)'],
    ['pkgs stage ls', 'what waits for approval'],
    ['pkgs stage download @acme/widgets@1.2.0', 'look at it first'],
    ['pkgs stage approve @acme/widgets@1.2.0', 'publish it, with two-factor authentication'],
    ['pkgs stage reject --scope @acme --yes', 'drop every staged version of @acme'],
  ],
  commands: [ls, view, download, decisionCommand('approve'), decisionCommand('reject')],
})
