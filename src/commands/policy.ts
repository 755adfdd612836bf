// pkgs policy: an organisation's access in a file, reviewed in pull requests and kept so. export
// writes what the registry has; plan shows what differs (--check fails on drift, for CI); apply
// makes it so, as one plan under one approval.
import { readFile, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { PkgsError, fileError, usageError } from '../core/errors.js'
import { readOrg, type OrgAccess } from '../core/org-access.js'
import type { OrgPlan } from '../core/orgs.js'
import { getUser } from '../core/owners.js'
import { changeDocument, changeLine, itemError, planSummary, type ChangeDocument, type ItemError } from '../core/plan.js'
import {
  checkPatterns,
  exportedPolicy,
  parsePolicy,
  planPolicy,
  policyText,
  unknownUser,
  usersNamed,
  type PolicyFile,
  type PolicyPlan,
} from '../core/policy.js'
import type { IO } from '../io/io.js'
import { applyChanges, dryRunOption } from './changes.js'
import { defineCommand, defineGroup } from './command.js'
import type { Context } from './context.js'
import { concurrencyOf, readConcurrency } from './packages.js'

const defaultFile = 'pkgs-policy.yaml'
const fileArgument = { name: 'file', description: `the policy file (default: ${defaultFile}; .json accepted)` } as const
const concurrency = { concurrency: { flags: '--concurrency <n>', description: 'requests at once', default: '24' } } as const

async function readOrgOf(ctx: Context, plan: OrgPlan, width: number): Promise<OrgAccess> {
  return readOrg(plan, {
    read: { access: true, owners: true, trust: true, teams: true },
    pacers: ctx.pacers(),
    width: readConcurrency(plan.client.config, width),
  })
}

async function loadPolicy(ctx: Context, fileArg: string | undefined): Promise<PolicyFile> {
  const shown = fileArg ?? defaultFile
  let text: string
  try {
    text = await readFile(resolve(ctx.cwd, shown), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw usageError(`There is no ${shown} here.`, 'Write one from what the registry has: pkgs policy export <org>')
    throw fileError('read', resolve(ctx.cwd, shown), err, shown)
  }
  return parsePolicy(shown, text)
}

/** plan --check: drift is a failure (a symbol key: not in the JSON document) */
const checked = Symbol('checked')

interface PolicyDocument {
  [checked]?: true
  file: string
  org: string
  registry: string
  changes: (ChangeDocument & { error?: ItemError })[]
  /** two-factor policies sent on apply (never compared: the registry does not show them) */
  mfa: ChangeDocument[]
  notes: string[]
  summary: { changes: number; becomingPublic: number; losingAccess: string[] }
  dryRun?: true
}

/** Read the file and the registry, check what only the registry can tell (patterns, users), and plan. */
async function planFromFile(ctx: Context, fileArg: string | undefined, width: number): Promise<{ file: PolicyFile; planned: PolicyPlan; doc: PolicyDocument }> {
  const file = await loadPolicy(ctx, fileArg)
  // the file's registry, unless --registry names another
  const fromFile = file.policy.registry ? { url: file.policy.registry, source: `${file.path} (registry)` } : undefined
  const plan = await ctx.org(file.policy.org, 'teams', fromFile)
  const access = await readOrgOf(ctx, plan, width)
  checkPatterns(
    file,
    access.packages.map((p) => p.name),
  )
  const known = new Set([...Object.keys(access.members), ...access.packages.flatMap((p) => p.owners?.owners.map((o) => o.name) ?? [])])
  const unknown = usersNamed(file).filter((n) => !known.has(n.user))
  const looked = await Promise.allSettled(unknown.map((n) => getUser(plan.client, n.user)))
  looked.forEach((r, i) => {
    if (r.status === 'rejected') throw r.reason instanceof PkgsError && r.reason.code === 'E404' ? unknownUser(file, unknown[i].user, unknown[i].at) : r.reason
  })
  const planned = planPolicy(plan, access, file.policy)
  const changes = planned.changes.map(changeDocument)
  const losing = new Set(
    changes.filter((c) => c.action === 'remove' && ['org-member', 'team-member', 'owner'].includes(c.kind)).map((c) => c.from!.split(' ')[0]),
  )
  const doc: PolicyDocument = {
    file: file.path,
    org: plan.org,
    registry: plan.client.target.registry.url,
    changes,
    mfa: planned.mfa.map(changeDocument),
    notes: planned.notes,
    summary: { changes: changes.length, becomingPublic: planned.changes.filter((c) => c.risk === 'public').length, losingAccess: [...losing].sort() },
  }
  return { file, planned, doc }
}

const groups: [string, (c: ChangeDocument) => boolean][] = [
  ['Members', (c) => c.kind === 'org-member'],
  ['Teams', (c) => c.kind === 'team' || c.kind === 'team-member' || c.kind === 'grant'],
  ['Packages', (c) => c.kind !== 'org-member' && c.kind !== 'team' && c.kind !== 'team-member' && c.kind !== 'grant'],
]

function renderPlan(r: PolicyDocument, io: IO): void {
  for (const [title, pick] of groups) {
    const lines = r.changes.filter(pick)
    if (!lines.length) continue
    io.print(io.out.bold(`${title}:`))
    for (const c of lines) io.print(`  ${changeLine(c)}${c.error ? `  (failed: ${c.error.message})` : ''}`)
  }
  for (const note of r.notes) io.info(note)
  if (r.mfa.length)
    io.info(`mfa is sent to ${r.mfa.length} package${r.mfa.length > 1 ? 's' : ''} on apply (the registry does not show it, so it is never compared).`)
  const { becomingPublic, losingAccess } = r.summary
  const extra = r.changes.length
    ? ` ${becomingPublic} package${becomingPublic === 1 ? '' : 's'} would become public; ${losingAccess.length} ${losingAccess.length === 1 ? 'person' : 'people'} would lose access${losingAccess.length ? ` (${losingAccess.join(', ')})` : ''}.`
    : ''
  io.info(`${planSummary(r.changes)}${extra}${r.dryRun && (r.changes.length || r.mfa.length) ? ' Dry run: nothing was sent.' : ''}`)
}

const exportCommand = defineCommand({
  name: 'export',
  description: "write an org's access as it is into a policy file",
  arguments: [{ name: 'org', description: 'the organisation (acme or @acme)', required: true }],
  options: { file: { flags: '--file <file>', description: `where to write it (default: ${defaultFile}; .json for JSON)` }, ...concurrency },
  examples: [
    ['pkgs policy export acme', `writes ${defaultFile}`],
    ['pkgs policy export acme --file access.json', 'as JSON'],
  ],
  json: ['pkgs policy export acme --json', '{"file", "org", "members", "teams", "packages"}'],
  notes:
    "Every key is filled: members, every team with its members and grants, every package's access, maintainers and trusted publishers. A package's mfa is not exported: the registry does not show it. An existing file keeps its comments and order.",
  async run(ctx, opts) {
    const plan = await ctx.org(opts.org, 'teams')
    const access = await readOrgOf(ctx, plan, concurrencyOf(opts.concurrency))
    const policy = exportedPolicy(access, plan.client.target.registry.url)
    const shown = opts.file ?? defaultFile
    const path = resolve(ctx.cwd, shown)
    const existing = await readFile(path, 'utf8').catch(() => undefined)
    const text = shown.endsWith('.json') ? `${JSON.stringify(policy, null, 2)}\n` : policyText(policy, existing)
    await writeFile(path, text).catch((err: unknown) => {
      throw fileError('write', path, err, shown)
    })
    return {
      file: shown,
      org: plan.org,
      members: Object.keys(policy.members ?? {}).length,
      teams: Object.keys(policy.teams ?? {}).length,
      packages: Object.keys(policy.packages ?? {}).length,
    }
  },
  render: (r, io) => io.success(`Wrote ${r.file}: ${r.members} members, ${r.teams} teams, ${r.packages} packages of ${r.org}.`),
})

const planCommand = defineCommand({
  name: 'plan',
  description: 'show what applying the policy file would change',
  arguments: [fileArgument],
  options: { check: { flags: '--check', description: 'exit 1 (EDRIFT) when the registry differs from the file' }, ...concurrency },
  examples: [
    ['pkgs policy plan', `what differs from ${defaultFile}`],
    ['pkgs policy plan --check', 'in CI: exit 1 when the registry drifted from the file'],
  ],
  json: [
    'pkgs policy plan --json',
    '{"file", "org", "registry", "changes": [{"kind", "target", "action", "from"?, "to"?}], "mfa", "notes", "summary": {"changes", "becomingPublic", "losingAccess"}}',
  ],
  notes:
    'Reads only. The changes are grouped by members, teams and packages (+ add, - remove, ~ change); the summary says how many packages would become public and who would lose access.',
  async run(ctx, opts): Promise<PolicyDocument> {
    const { doc } = await planFromFile(ctx, opts.file, concurrencyOf(opts.concurrency))
    return opts.check ? { ...doc, [checked]: true } : doc
  },
  render: renderPlan,
  failure(r) {
    if (!r[checked] || !r.changes.length) return undefined
    return new PkgsError('EDRIFT', `${r.org} differs from ${r.file}: ${r.changes.length} change${r.changes.length > 1 ? 's' : ''} pending.`, {
      hint: `pkgs policy apply ${r.file} makes it so (or export the registry's state into the file).`,
    })
  },
})

const applyCommand = defineCommand({
  name: 'apply',
  description: 'make the org as the policy file says, as one plan under one approval',
  arguments: [fileArgument],
  options: { ...dryRunOption, ...concurrency },
  examples: [
    ['pkgs policy apply', `apply ${defaultFile} (asks first on a terminal)`],
    ['pkgs policy apply --yes', 'without a terminal'],
  ],
  json: [
    'pkgs policy apply --yes --json',
    '{"file", "org", "registry", "changes": [{"kind", "target", "action", "from"?, "to"?, "error"?}], "mfa", "notes", "summary", "dryRun"?}',
  ],
  notes:
    "Order: org members before teams, teams before their members and grants, new maintainers before others are removed; the org's last owner is never removed. It asks first on a terminal (making a package public: its name or the count typed; taking access away: the changes listed); --yes without a terminal. mfa is sent, as the registry does not show it. A second apply finds nothing to change.",
  async run(ctx, opts): Promise<PolicyDocument> {
    const width = concurrencyOf(opts.concurrency)
    const { planned, doc } = await planFromFile(ctx, opts.file, width)
    if (opts.dryRun) return { ...doc, dryRun: true }
    const all = [...planned.changes, ...planned.mfa]
    if (!all.length) return doc
    if (!ctx.io.json) renderPlan(doc, ctx.io)
    // a plan that makes a package public or takes access away is asked about as such (applyChanges); any other, plainly
    if (planned.changes.length && !planned.changes.some((c) => c.risk)) {
      const n = planned.changes.length
      await ctx.confirm({
        what: 'Applying a policy needs a confirmation',
        yesHint: 'Pass --yes to apply it without being asked (or --dry-run to see it).',
        question: `Apply ${n > 1 ? `these ${n} changes` : 'this change'} to ${doc.org}?`,
        refused: 'Nothing was changed: you did not confirm.',
      })
    }
    await applyChanges(ctx, all, {
      width,
      confirmLoss: true,
      onApplied(c, o) {
        const i = planned.changes.indexOf(c)
        if (o.error && i >= 0) doc.changes[i].error = itemError(o)
        if (o.error && i < 0) doc.notes.push(`${c.target}: mfa was not sent (${o.error.message})`)
      },
    })
    return doc
  },
  rendersPlan: () => true,
  render(r, io) {
    if (r.dryRun) return renderPlan(r, io)
    const failed = r.changes.filter((c) => c.error).length
    for (const c of r.changes) if (c.error) io.info(`${io.err.red('error')} ${changeLine(c)}: ${c.error.message}`)
    if (!r.changes.length && !r.mfa.length) io.info('Nothing to change.')
    else if (!failed)
      io.success(`Applied ${r.changes.length} change${r.changes.length === 1 ? '' : 's'}${r.mfa.length ? ` and sent mfa to ${r.mfa.length}` : ''}.`)
  },
  failure(r) {
    const failed = r.changes.filter((c) => c.error)
    if (!failed.length) return undefined
    return new PkgsError('EPARTIAL', `${failed.length} of ${r.changes.length} changes failed.`, { hint: 'Run pkgs policy apply again to finish the rest.' })
  },
})

export default defineGroup({
  name: 'policy',
  description: "an org's access as code: export it to a file, plan the difference, apply it",
  examples: [
    ['pkgs policy export acme', `write ${defaultFile} from the registry`],
    ['pkgs policy plan', 'what would change'],
    ['pkgs policy plan --check', 'in CI: exit 1 on drift'],
    ['pkgs policy apply', 'make it so, under one approval'],
  ],
  notes:
    "The file: org, registry (optional), members (user: owner|admin|developer), teams (name: {description, members, packages: {pattern: read-only|read-write}} or null to destroy), packages (pattern: {access, mfa, maintainers, trust}). Patterns such as @acme/* match the org's packages; the most specific wins, key by key. A JSON Schema for editors ships with pkgs (schema/pkgs-policy.schema.json). Every mistake in the file is exit 2, naming the file, line and key, before anything is written.",
  commands: [exportCommand, planCommand, applyCommand],
})
