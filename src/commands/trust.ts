// pkgs trust: let a CI workflow publish packages without a token (`npm trust`), for one package,
// several or a whole scope at once (read first: what is already trusted is left alone), and
// list or revoke what is trusted.
import { tally } from '../core/bulk.js'
import { itemError, type Change } from '../core/plan.js'
import { PkgsError, usageError } from '../core/errors.js'
import { requireWorkflow } from '../core/registry.js'
import {
  addTrust,
  describeClaims,
  describePermissions,
  getTrust,
  permissionNames,
  repositoryOf,
  repositoryUrlOf,
  revokeTrust,
  sameTrust,
  trustClaims,
  trustWhat,
  type Provider,
  type ProviderOptions,
  type TrustConfiguration,
  type TrustPermission,
} from '../core/trust.js'
import type { IO } from '../io/io.js'
import { table } from '../io/table.js'
import { readManifest } from '../package/manifest.js'
import { defineCommand, defineGroup, type Example } from './command.js'
import type { Context } from './context.js'
import { applyChanges, planDocument, runChanges } from './changes.js'
import {
  bulkDocumentFailure,
  bulkOptions,
  concurrencyOf,
  planPackages,
  readConcurrency,
  readPackages,
  reportFailure,
  stoppedBy,
  summary,
  type BulkResult,
  workspacesOption,
} from './packages.js'

const names: Record<Provider, string> = { github: 'GitHub Actions', gitlab: 'GitLab CI/CD', circleci: 'CircleCI' }

const common = {
  allowPublish: { flags: '--allow-publish', description: 'the workflow may publish (npm publish)' },
  allowStagePublish: { flags: '--allow-stage-publish', description: 'the workflow may stage versions for approval (pkgs publish --stage)' },
  dryRun: { flags: '--dry-run', description: 'show what would be trusted; send nothing' },
  ...bulkOptions('packages to work on at once'),
  ...workspacesOption,
} as const

const packagesArgument = {
  name: 'packages',
  description: "packages (default: at a workspace's root, its packages; else the name in ./package.json)",
  variadic: true,
} as const

interface TrustFlags {
  packages: string[]
  scope?: string
  workspaces?: boolean
  concurrency: string
  allowPublish?: boolean
  allowStagePublish?: boolean
  dryRun?: boolean
}

function permissionsOf(flags: TrustFlags): TrustPermission[] {
  const permissions: TrustPermission[] = []
  if (flags.allowPublish) permissions.push(permissionNames.publish)
  if (flags.allowStagePublish) permissions.push(permissionNames.stagePublish)
  if (!permissions.length)
    throw usageError(
      'Say what the workflow may do: --allow-publish, --allow-stage-publish, or both.',
      'e.g. pkgs trust github --repo acme/widgets --file release.yml --allow-publish',
    )
  return permissions
}

interface TrustResult extends BulkResult {
  /** null until the registry has given one (a new trust in a dry run, a package that failed) */
  id: string | null
  type: string
  claims: Record<string, unknown>
  permissions: TrustPermission[]
  changed: boolean
}

async function runTrust(ctx: Context, provider: Provider, flags: TrustFlags, given: ProviderOptions) {
  const permissions = permissionsOf(flags)
  const local = await readManifest(ctx.cwd).catch(() => undefined)
  const fromPackageJson = provider !== 'circleci' && !given.repository ? repositoryOf(local?.manifest, provider) : undefined
  const declared = repositoryUrlOf(local?.manifest)
  if (provider !== 'circleci' && !given.repository && !fromPackageJson && declared) {
    const flag = provider === 'github' ? '--repo' : '--project'
    const host = provider === 'github' ? 'GitHub' : 'GitLab'
    throw usageError(
      `${flag} is required: the repository in package.json (${declared}) is not on ${host}.`,
      `Name the ${host} ${provider === 'github' ? 'repository: --repo owner/repo' : 'project: --project group/project'}`,
    )
  }
  const wanted: TrustConfiguration = {
    type: provider,
    claims: trustClaims(provider, { ...given, repository: given.repository ?? fromPackageJson }),
    permissions,
  }
  const concurrency = concurrencyOf(flags.concurrency)
  const { config, planned, workspace } = await planPackages(ctx, flags.packages, flags.scope, {
    scopedOnly: false,
    loggedIn: true,
    command: `trust ${provider}`,
    workspaces: flags.workspaces,
  })
  for (const p of planned) requireWorkflow(p.target, 'trust', trustWhat)
  const trusting = `${names[provider]} (${describeClaims(wanted)}; ${describePermissions(permissions)})`
  if (fromPackageJson) ctx.io.info(`Trusting ${names[provider]} in ${fromPackageJson} (the repository in package.json).`)
  const read = await readPackages(ctx, planned, (p) => getTrust(p.client, p.name), readConcurrency(config, concurrency))
  // a workspace's package that the registry does not know has not had its first version yet: it cannot be trusted before
  // (readPackages names each as not published yet)
  const missing = workspace ? planned.filter((_, i) => read.outcomes[i].error?.code === 'E404').map((p) => p.name) : []
  const results: TrustResult[] = planned.map((p, i) => {
    const existing = read.outcomes[i].value?.find((t) => sameTrust(t, wanted))
    return {
      package: p.name,
      registry: p.target.registry.url,
      id: existing?.id ?? null,
      ...wanted,
      changed: false,
      ...(read.outcomes[i].error ? { error: itemError(read.outcomes[i]) } : {}),
    }
  })
  planned.forEach((p, i) => {
    const o = read.outcomes[i]
    if (missing.includes(p.name)) ctx.io.info(o.error!.message)
    else if (o.error) reportFailure(ctx.io, p.name, o.error, o.skipped, planned.length)
    else if (results[i].id) ctx.io.print(`${p.name}: already trusted (${describeClaims(wanted)}; ${describePermissions(permissions)}); nothing changed.`)
  })
  if (planned.length === 1 && read.outcomes[0].error) throw read.outcomes[0].error
  const changes = planned.flatMap((p, i): Change<{ id?: string }>[] =>
    results[i].id || results[i].error
      ? []
      : [
          {
            kind: 'trust',
            target: p.name,
            action: 'add',
            to: trusting,
            registry: p.target.registry.url,
            apply: () => addTrust(p.client, p.name, wanted),
          },
        ],
  )
  const indexOf = (c: Change) => planned.findIndex((p) => p.name === c.target)
  let stopped = read.stoppedBy
  if (changes.length && !stopped && !flags.dryRun) {
    const count = changes.length === 1 ? changes[0].target : `${changes.length} packages`
    await ctx.confirm({
      question: `Let ${names[provider]} (${describeClaims(wanted)}) ${describePermissions(permissions)} ${count} without a token?`,
      what: `Trusting ${names[provider]} to publish ${count} needs a confirmation`,
      yesHint: 'Pass --yes to trust it without being asked (or --dry-run to see what would change).',
      refused: 'Nothing was trusted: you did not confirm.',
    })
    const applied = await applyChanges(ctx, changes, {
      width: concurrency,
      onApplied(c, o) {
        const r = results[indexOf(c)]
        if (o.value) {
          Object.assign(r, { changed: true, id: o.value.id ?? null })
          ctx.io.print(`${c.target}: trusted ${trusting}${o.value.id ? `, id ${o.value.id}` : ''}.`)
        } else {
          r.error = itemError(o)
          reportFailure(ctx.io, c.target, o.error, o.skipped, planned.length)
        }
      },
    })
    if (planned.length === 1 && applied.outcomes[0]?.error) throw applied.outcomes[0].error
    stopped = applied.stoppedBy
  }
  const { failed, skipped } = tally(results)
  const changed = results.filter((r) => r.changed).length
  const doc = {
    results,
    changed,
    unchanged: results.filter((r) => !r.changed && !r.error).length - (flags.dryRun ? changes.length : 0),
    failed,
    skipped,
    dryRun: Boolean(flags.dryRun),
    [stoppedBy]: stopped,
    [notOnRegistry]: missing,
  }
  return flags.dryRun ? { ...planDocument(changes), ...doc } : doc
}

/** A workspace's packages the registry does not have yet (a symbol key: not in the JSON, where each has its error). */
const notOnRegistry = Symbol('notOnRegistry')

function renderSummary(
  r: { results: unknown[]; changed: number; unchanged: number; failed: number; dryRun: boolean; [notOnRegistry]?: string[] },
  io: IO,
): void {
  const missing = r[notOnRegistry]?.length ?? 0
  const failed = r.failed - missing
  if (r.results.length > 1 && !r.dryRun)
    summary(
      io,
      `${r.changed} trusted, ${r.unchanged} already trusted${missing ? `, ${missing} not on the registry yet` : ''}${failed ? `, ${failed} failed` : ''}.`,
      { failed: r.failed, skipped: 0 },
    )
}

const json: Example = [
  'pkgs trust github --scope @acme --repo acme/mono --file release.yml --allow-publish --yes --json',
  '{"results": [{"package", "registry", "id", "type", "claims", "permissions", "changed", "error"?}], "changed", "unchanged", "failed", "skipped", "dryRun"}',
]
const notes =
  'Already trusted with the same claims and permissions: nothing is sent ("changed": false). Several packages or\n--scope: concurrently, under one two-factor approval; some failed: exit 1, run it again to finish the rest.\n' +
  "--workspaces (-ws), or no package named at a workspace's root: every package of the workspace not marked private,\n" +
  'each on its own registry; those not on the registry yet are named (exit 1): their first version needs a token\nor a staged publish by a person.'

const firstVersionHint =
  'A package is trusted once it exists: its first version needs a token or a staged publish by a person (pkgs publish, logged in); then run this again.'

/** The run's error: the workspace's packages not on the registry yet, named (the rest were trusted), else as every bulk run. */
function trustFailure(doc: Parameters<typeof bulkDocumentFailure>[0] & { [notOnRegistry]?: string[]; dryRun?: boolean }): PkgsError | undefined {
  const missing = doc[notOnRegistry] ?? []
  if (!missing.length || doc[stoppedBy] || doc.results.some((r) => r.error && r.error.code !== 'E404')) return bulkDocumentFailure(doc)
  const [are, them] = missing.length > 1 ? ['are', 'them'] : ['is', 'it']
  const rest = doc.results.length - missing.length
  const others = rest > 1 ? `the other ${rest} packages ${doc.dryRun ? 'would be' : 'are'}` : `the other package ${doc.dryRun ? 'would be' : 'is'}`
  return new PkgsError('E404', `${missing.join(', ')} ${are} not on the registry yet, so nothing could trust ${them}${rest ? `; ${others} trusted` : ''}.`, {
    hint: firstVersionHint,
  })
}

/** What the three providers' commands share: the JSON, the notes, the summary, the failure. */
const providerCommand = { json, notes, render: renderSummary, failure: trustFailure }

const github = defineCommand({
  name: 'github',
  description: 'let a GitHub Actions workflow publish the packages without a token',
  arguments: [packagesArgument],
  options: {
    repo: { flags: '--repo <owner/repo>', description: 'the repository (default: "repository" in package.json)' },
    repository: { flags: '--repository <owner/repo>', description: "npm's other name for --repo", hidden: true },
    file: { flags: '--file <workflow.yml>', description: 'the workflow file in .github/workflows (its name, not a path)' },
    env: { flags: '--env <name>', description: 'only jobs in this GitHub environment' },
    environment: { flags: '--environment <name>', description: "npm's other name for --env", hidden: true },
    ...common,
  },
  examples: [
    ['pkgs trust github --file release.yml --allow-publish', 'the package in ./package.json, its repository from package.json'],
    ['pkgs trust github @acme/a @acme/b --repo acme/mono --file release.yml --allow-publish --env npm', 'two packages, one environment'],
    ['pkgs trust github --scope @acme --repo acme/mono --file release.yml --allow-publish --yes', 'every package of @acme, one approval'],
    ['pkgs trust github -ws --file release.yml --allow-publish --yes', "every package of this folder's workspace, one approval"],
  ],
  ...providerCommand,
  run: (ctx, o) => runTrust(ctx, 'github', o, { repository: o.repo ?? o.repository, file: o.file, environment: o.env ?? o.environment }),
})

const gitlab = defineCommand({
  name: 'gitlab',
  description: 'let a GitLab CI/CD pipeline publish the packages without a token',
  arguments: [packagesArgument],
  options: {
    project: { flags: '--project <group/project>', description: 'the project (default: "repository" in package.json)' },
    file: { flags: '--file <.gitlab-ci.yml>', description: 'the pipeline file (its name, not a path)' },
    env: { flags: '--env <name>', description: 'only jobs in this GitLab environment' },
    environment: { flags: '--environment <name>', description: "npm's other name for --env", hidden: true },
    ...common,
  },
  examples: [
    ['pkgs trust gitlab --project acme/widgets --file .gitlab-ci.yml --allow-publish', 'the package in ./package.json'],
    ['pkgs trust gitlab --scope @acme --project acme/mono --file .gitlab-ci.yml --allow-stage-publish --yes', 'every package of @acme may be staged'],
  ],
  ...providerCommand,
  run: (ctx, o) => runTrust(ctx, 'gitlab', o, { repository: o.project, file: o.file, environment: o.env ?? o.environment }),
})

const circleci = defineCommand({
  name: 'circleci',
  description: 'let a CircleCI pipeline publish the packages without a token',
  arguments: [packagesArgument],
  options: {
    orgId: { flags: '--org-id <uuid>', description: 'the CircleCI organisation id' },
    projectId: { flags: '--project-id <uuid>', description: 'the CircleCI project id' },
    pipelineDefinitionId: { flags: '--pipeline-definition-id <uuid>', description: 'the pipeline definition id' },
    vcsOrigin: { flags: '--vcs-origin <origin>', description: 'the repository as provider/owner/repo, e.g. github.com/acme/widgets' },
    contextId: { flags: '--context-id <uuid...>', description: 'only jobs with these contexts' },
    ...common,
  },
  examples: [
    [
      'pkgs trust circleci --org-id <uuid> --project-id <uuid> --pipeline-definition-id <uuid> --vcs-origin github.com/acme/widgets --allow-publish',
      'the package in ./package.json',
    ],
  ],
  ...providerCommand,
  run: (ctx, o) =>
    runTrust(ctx, 'circleci', o, {
      orgId: o.orgId,
      projectId: o.projectId,
      pipelineDefinitionId: o.pipelineDefinitionId,
      vcsOrigin: o.vcsOrigin,
      contextIds: o.contextId,
    }),
})

const ls = defineCommand({
  name: 'ls',
  description: 'list the CI workflows trusted to publish a package, with their ids',
  arguments: [{ name: 'package', description: 'the package (default: the name in ./package.json)' }],
  examples: [['pkgs trust ls @acme/widgets', 'one line per trusted workflow: id, provider, what it matches, permissions']],
  json: ['pkgs trust ls @acme/widgets --json', '{"package", "registry", "trust": [{"id", "type", "claims", "permissions"}]}'],
  async run(ctx, { package: packageArg }) {
    const { target, client, name } = await ctx.packageTarget(packageArg, 'pkgs trust ls @acme/widgets', { workflow: 'trust', what: trustWhat })
    return { package: name, registry: target.registry.url, trust: await getTrust(client, name) }
  },
  render(r, io) {
    if (!r.trust.length) return io.info(`No CI workflow is trusted to publish ${r.package}.`)
    const rows = r.trust.map((t) => [t.id ?? '', t.type, describeClaims(t), describePermissions(t.permissions)])
    if (io.isStdoutTTY) io.print(table(['ID', 'PROVIDER', 'TRUSTS', 'MAY'], rows, io.out.bold))
    else for (const row of rows) io.print(row.join('\t'))
  },
})

/** The ids a package does have, for the text when the one given is not among them (a symbol key: not in the JSON). */
const trustIds = Symbol('trustIds')

const revoke = defineCommand({
  name: 'revoke',
  description: 'stop trusting a CI workflow to publish a package',
  arguments: [{ name: 'package', description: 'the package (default: the name in ./package.json)' }],
  options: {
    id: { flags: '--id <id>', description: 'the id of the trust (pkgs trust ls shows it), or the start of exactly one' },
    dryRun: { flags: '--dry-run', description: 'say what would be revoked; send nothing' },
  },
  examples: [['pkgs trust revoke @acme/widgets --id 8d3c…', 'the workflow can no longer publish without a token']],
  json: ['pkgs trust revoke --id 8d3c… --json', '{"package", "registry", "id", "present", "changed", "dryRun"}'],
  notes: 'A trust that is not there: nothing is sent, exit 0, "changed": false (the ids there are are named). The start of more than one id is exit 2.',
  async run(ctx, opts) {
    if (!opts.id) throw usageError('Name the trust to revoke with --id.', 'See the ids with: pkgs trust ls')
    const { target, client, name } = await ctx.packageTarget(opts.package, 'pkgs trust revoke @acme/widgets --id <id>', { workflow: 'trust', what: trustWhat })
    const trusts = await getTrust(client, name)
    const given = opts.id
    const exact = trusts.filter((t) => t.id === given)
    const matches = exact.length ? exact : trusts.filter((t) => t.id?.startsWith(given))
    if (matches.length > 1)
      throw usageError(
        `"${given}" is the start of ${matches.length} trust ids of ${name}: ${matches.map((t) => t.id).join(', ')}.`,
        'Give more of the id: pkgs trust ls shows them.',
      )
    const id = matches[0]?.id ?? given
    const present = matches.length === 1
    const changes: Change[] = present
      ? [{ kind: 'trust', target: name, action: 'remove', from: id, registry: target.registry.url, apply: () => revokeTrust(client, name, id) }]
      : []
    const plan = await runChanges(ctx, changes, opts.dryRun)
    const others = present ? [] : trusts.flatMap((t) => (t.id ? [t.id] : []))
    return {
      ...plan,
      package: name,
      registry: target.registry.url,
      id,
      changed: present && !opts.dryRun,
      dryRun: Boolean(opts.dryRun),
      present,
      [trustIds]: others,
    }
  },
  render(r, io) {
    if (!r.present)
      io.print(
        `${r.package}: no trust with id ${r.id}${r[trustIds].length ? ` (its trusts: ${r[trustIds].join(', ')})` : ' (it trusts no workflow)'}; nothing changed.`,
      )
    else io.print(r.dryRun ? `${r.package}: would revoke the trust ${r.id} (dry run).` : `${r.package}: revoked the trust ${r.id}.`)
  },
})

export default defineGroup({
  name: 'trust',
  description: 'let CI workflows publish without a token (trusted publishing, npm trust)',
  examples: [
    ['pkgs trust github --file release.yml --allow-publish', 'trust .github/workflows/release.yml of the repository in package.json'],
    ['pkgs trust github --scope @acme --repo acme/mono --file release.yml --allow-publish --yes', 'every package of @acme at once'],
    ['pkgs trust ls', 'what is trusted for the package in ./package.json'],
    ['pkgs trust revoke --id <id>', 'stop trusting one'],
  ],
  notes: 'Then publish from the workflow with `permissions: id-token: write` and no token: pkgs publish.',
  commands: [github, gitlab, circleci, ls, revoke],
})
