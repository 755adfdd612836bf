// How a command that writes applies its plan (core/plan.ts): --dry-run stops at the plan; the
// plan decides what needs a person's yes (a package made public, someone's access taken away, a
// team destroyed); then the changes are applied under the run's one two-factor session and its
// pacing, each outcome reported in the plan's order.
import { notConfirmedError } from '../core/errors.js'
import { applyPlan, changeDocument, changeLine, heldBackText, planSummary, type Change, type ChangeDocument, type Outcome, type Run } from '../core/plan.js'
import type { IO } from '../io/io.js'
import type { Confirmation, Context } from './context.js'

export const dryRunOption = { dryRun: { flags: '--dry-run', description: 'show the plan (what would change) and send nothing' } } as const

/** What every --dry-run document has, besides the command's own fields. */
export interface PlanDocument {
  dryRun: true
  changes: ChangeDocument[]
}

export function planDocument(changes: Change[]): PlanDocument {
  return { dryRun: true, changes: changes.map(changeDocument) }
}

export function isPlanDocument(doc: unknown): doc is PlanDocument {
  return typeof doc === 'object' && doc !== null && (doc as { dryRun?: unknown }).dryRun === true && Array.isArray((doc as { changes?: unknown }).changes)
}

/** A dry run's text: one line per change on stdout (+ add, - remove, ~ change), the summary on stderr. */
export function renderPlan(doc: PlanDocument, io: IO): void {
  for (const c of doc.changes) io.print(changeLine(c))
  io.info(`${planSummary(doc.changes)}${doc.changes.length ? ' Dry run: nothing was sent.' : ''}`)
}

const listed = (names: string[]) => [...names.slice(0, 20), ...(names.length > 20 ? [`… and ${names.length - 20} more`] : [])].map((n) => `  ${n}`)

/**
 * Packages about to become public: listed, then the name (one package) or the count typed back.
 * `unread`: packages that could not be read, said before the question (left as they are).
 */
async function confirmPublic(ctx: Context, changes: Change[], unread: string[]): Promise<void> {
  ctx.requireConfirmable({ what: 'Making packages public needs a confirmation', yesHint: 'Pass --yes to make them public without being asked.' })
  const shown = listed(changes.map((c) => `${c.target}  ${ctx.io.err.dim(c.registry)}`))
  const them = changes.length > 1 ? 'them' : 'it'
  ctx.io.info(
    `${ctx.io.err.bold('Will become public')} (everyone can install ${them}; mirrors copy public packages within minutes, so this cannot really be undone):\n${shown.join('\n')}`,
  )
  if (unread.length) ctx.io.info(`Left as ${unread.length > 1 ? 'they are' : 'it is'} (could not be read):\n${listed(unread).join('\n')}`)
  const expected = changes.length === 1 ? changes[0].target : String(changes.length)
  const typed = await ctx.io.input(
    changes.length === 1 ? `Type ${expected} to make it public:` : `Type ${expected} (the number of packages) to make them public:`,
  )
  if (typed.trim() !== expected)
    throw notConfirmedError('Nothing was made public: what you typed did not match.', 'Run it again and type exactly what is asked, or pass --yes.')
}

/** Access taken away or a team destroyed: the changes listed, then yes or no. */
async function confirmLoss(ctx: Context, changes: Change[]): Promise<void> {
  const what = changes.some((c) => c.risk === 'destroy') ? 'destroys' : 'takes access away'
  await ctx.confirm({
    what: `A plan that ${what} needs a confirmation`,
    yesHint: 'Pass --yes to apply it without being asked (or --dry-run to see it).',
    question: `${changes.length > 1 ? `These ${changes.length} changes take` : 'This change takes'} access away:\n${listed(changes.map(changeLine)).join('\n')}\nApply ${changes.length > 1 ? 'them' : 'it'}?`,
    refused: 'Nothing was changed: you did not confirm.',
  })
}

export interface ApplyChanges<T> {
  /** at most this many at once */
  width: number
  /** each outcome in the plan's order */
  onApplied?(change: Change<T>, outcome: Outcome<T>): void
  /** packages whose state could not be read, named before a confirmation */
  unread?: string[]
  /**
   * Whether a change that takes access away needs a yes: a plan over a selection (--scope, several
   * packages) does; one change named exactly (`pkgs unshare bob @acme/x`) is its own confirmation.
   */
  confirmLoss?: boolean
  /** the command's own question for what takes access away or destroys, instead of the plan's list */
  confirmation?: Confirmation
}

/**
 * Confirm what the plan says needs it (--yes, or a person on a terminal; exit 2 otherwise), then
 * apply it. How long the registry held the run back, if it did, is said on stderr.
 */
export async function applyChanges<T>(ctx: Context, changes: Change<T>[], opts: ApplyChanges<T>): Promise<Run<T>> {
  if (!ctx.options.yes) {
    const exposing = changes.filter((c) => c.risk === 'public')
    if (exposing.length) await confirmPublic(ctx, exposing, opts.unread ?? [])
    const losing = changes.filter((c) => c.risk === 'destroy' || (c.risk === 'access-removed' && opts.confirmLoss))
    if (losing.length && opts.confirmation) await ctx.confirm(opts.confirmation)
    else if (losing.length) await confirmLoss(ctx, losing)
  }
  ctx.otp()
  const run = await applyPlan(changes, { width: opts.width, pacers: ctx.pacers(), onApplied: opts.onApplied })
  sayHeldBack(ctx)
  return run
}

/** After a run the registry slowed down: how often and how long, on stderr. */
export function sayHeldBack(ctx: Context): void {
  const said = heldBackText(ctx.pacers().held)
  if (said) ctx.io.info(`${said[0].toUpperCase()}${said.slice(1)}.`)
}

/**
 * A command's few changes (none: already as asked): on a dry run, the plan's document fields to
 * add to its result; otherwise they are applied, one at a time, and the first failure is thrown.
 */
export async function runChanges(
  ctx: Context,
  changes: Change[],
  dryRun: boolean | undefined,
  opts: Partial<ApplyChanges<unknown>> = {},
): Promise<PlanDocument | undefined> {
  if (dryRun) return planDocument(changes)
  if (!changes.length) return undefined
  const run = await applyChanges(ctx, changes, { width: 1, ...opts })
  const failed = run.outcomes.find((o) => o.error)
  if (failed?.error) throw failed.error
  return undefined
}
