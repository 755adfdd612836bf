// The change engine. Every command that writes works out a plan, the changes needed to get from
// what the registry has to what was asked (nothing already as asked becomes a change), and
// applies it here: independent changes concurrently, a change after those it waits for (a team
// before its members, a new owner before an old one leaves, a version before its dependents),
// each registry's requests paced (pacing.ts), one outcome per change reported in the plan's order
// whichever finishes first. A change whose prerequisite failed is not attempted; a failure that
// would fail every change the same way (no one-time password, no login, not supported) stops the
// run: nothing new starts, what is in flight finishes. Running the same command again reads again,
// so it plans, and does, only what is left.
import { Exit, type PkgsError, usageError } from './errors.js'
import { explainError } from './explain.js'
import { Pacer } from './pacing.js'

export type Action = 'add' | 'remove' | 'change'

/** What a change is to: a package's access or 2FA policy, an owner, a team's grant, a team, its member, an org's member, a trusted publisher, a staged version, a token, a published version. */
export type ChangeKind = 'access' | 'mfa' | 'owner' | 'grant' | 'team' | 'team-member' | 'org-member' | 'trust' | 'stage' | 'token' | 'publish'

/** Why a change needs a person's yes before it is applied. */
export type Risk = 'public' | 'access-removed' | 'destroy'

export interface Change<T = unknown> {
  kind: ChangeKind
  /** what it changes: a package, a team, an org, a staged version */
  target: string
  action: Action
  /** the state before and after, as words ("public", "bob", "read-write") */
  from?: string
  to?: string
  /** the registry it is sent to: its requests are paced with that registry's others */
  registry: string
  /** changes that must have been made first */
  after?: Change[]
  risk?: Risk
  /** the write: runs once its prerequisites are done (again, when the registry pushed back) */
  apply(): Promise<T>
}

/** A change as the --json plan shows it. */
export interface ChangeDocument {
  kind: ChangeKind
  target: string
  action: Action
  from?: string
  to?: string
}

export function changeDocument(c: Change): ChangeDocument {
  return { kind: c.kind, target: c.target, action: c.action, ...(c.from !== undefined ? { from: c.from } : {}), ...(c.to !== undefined ? { to: c.to } : {}) }
}

const signs: Record<Action, string> = { add: '+', remove: '-', change: '~' }

/** One line of the plan as text: `+ @acme/widgets owner bob`, `~ @acme/a access public → private`. */
export function changeLine(c: ChangeDocument): string {
  const what = c.action === 'change' ? `${c.from ?? '?'} → ${c.to ?? '?'}` : c.action === 'add' ? (c.to ?? '') : (c.from ?? '')
  return `${signs[c.action]} ${c.target} ${c.kind}${what ? ` ${what}` : ''}`
}

/** The plan's last line: how many changes of each action. */
export function planSummary(changes: ChangeDocument[]): string {
  if (!changes.length) return 'Nothing to change.'
  const count = (a: Action) => changes.filter((c) => c.action === a).length
  const parts = (['add', 'change', 'remove'] as const).filter((a) => count(a)).map((a) => `${count(a)} to ${a}`)
  return `${changes.length} change${changes.length > 1 ? 's' : ''} (${parts.join(', ')}).`
}

export type Outcome<T> =
  | { value: T; error?: undefined; skipped?: false }
  /** skipped: not attempted, because the run stopped (error: what stopped it) or a prerequisite failed (blockedBy) */
  | { value?: undefined; error: PkgsError; skipped: boolean; blockedBy?: Change }

/** A failure that would fail every change the same way (no one-time password, no login, not supported): the run stops. */
export function stopsTheRun(error: PkgsError): boolean {
  return error.code === 'EOTP' || error.exitCode === Exit.auth || error.exitCode === Exit.unsupported
}

export interface Run<T> {
  outcomes: Outcome<T>[]
  stoppedBy?: PkgsError
}

/** One Pacer per registry, for every phase of a run. */
export class Pacers {
  readonly #byRegistry = new Map<string, Pacer>()
  constructor(private readonly make: () => Pacer) {}

  of(registry: string): Pacer {
    let pacer = this.#byRegistry.get(registry)
    if (!pacer) this.#byRegistry.set(registry, (pacer = this.make()))
    return pacer
  }

  /** How long the run was held back by registries that pushed back (each registry's waits, the longest). */
  get held(): { waitedMs: number; pushbacks: number } {
    const all = [...this.#byRegistry.values()].map((p) => p.held)
    return { waitedMs: Math.max(0, ...all.map((h) => h.waitedMs)), pushbacks: all.reduce((n, h) => n + h.pushbacks, 0) }
  }
}

/** Reports outcomes in the items' order: item i once it and every one before it are done. */
class InOrder<T> {
  #next = 0
  constructor(
    private readonly outcomes: (Outcome<T> | undefined)[],
    private readonly report?: (i: number, outcome: Outcome<T>) => void,
  ) {}

  settle(i: number, outcome: Outcome<T>): void {
    this.outcomes[i] = outcome
    while (this.#next < this.outcomes.length && this.outcomes[this.#next]) this.report?.(this.#next, this.outcomes[this.#next++]!)
  }
}

export interface ReadOptions<I, T> {
  /** at most this many at once */
  width: number
  pacers: Pacers
  registryOf(item: I): string
  /** each outcome in the items' order, as soon as it and those before it are in */
  onRead?(item: I, outcome: Outcome<T>): void
}

/**
 * What the registry has, read for each item concurrently (paced per registry); a failure is that
 * item's, except one that would fail them all, after which no new read starts.
 */
export async function readEach<I, T>(items: I[], read: (item: I) => Promise<T>, opts: ReadOptions<I, T>): Promise<Run<T>> {
  const outcomes: Outcome<T>[] = new Array(items.length)
  const order = new InOrder(outcomes, (i, o) => opts.onRead?.(items[i], o))
  let stoppedBy: PkgsError | undefined
  await Promise.all(
    items.map(async (item, i) => {
      try {
        const value = await opts.pacers.of(opts.registryOf(item)).run(() => {
          if (stoppedBy) throw stoppedBy
          return read(item)
        }, opts.width)
        order.settle(i, { value })
      } catch (err) {
        if (stoppedBy && err === stoppedBy) return order.settle(i, { error: stoppedBy, skipped: true })
        const error = explainError(err)
        if (stopsTheRun(error)) stoppedBy ??= error
        order.settle(i, { error, skipped: false })
      }
    }),
  )
  return { outcomes, stoppedBy }
}

/** A change that waits, through others, for itself: a plan that could never finish. */
export function findCycle(changes: Change[]): Change[] | undefined {
  const state = new Map<Change, 'visiting' | 'done'>()
  const path: Change[] = []
  const visit = (c: Change): Change[] | undefined => {
    if (state.get(c) === 'done') return undefined
    if (state.get(c) === 'visiting') return [...path.slice(path.indexOf(c)), c]
    state.set(c, 'visiting')
    path.push(c)
    for (const before of c.after ?? []) {
      const cycle = visit(before)
      if (cycle) return cycle
    }
    path.pop()
    state.set(c, 'done')
    return undefined
  }
  for (const c of changes) {
    const cycle = visit(c)
    if (cycle) return cycle
  }
  return undefined
}

export interface ApplyOptions<T> {
  /** at most this many changes at once (per registry; fewer while it pushes back) */
  width: number
  pacers: Pacers
  /** each outcome in the plan's order, as soon as it and those before it are settled */
  onApplied?(change: Change<T>, outcome: Outcome<T>): void
}

/**
 * Apply a plan: every change whose prerequisites are done starts (in the plan's order, paced per
 * registry); a change whose prerequisite failed or was not attempted is not attempted either.
 * A prerequisite outside the plan counts as done.
 */
export async function applyPlan<T>(changes: Change<T>[], opts: ApplyOptions<T>): Promise<Run<T>> {
  const cycle = findCycle(changes)
  if (cycle) throw usageError(`These changes wait for each other: ${cycle.map((c) => `${c.target} ${c.kind}`).join(' → ')}.`)
  const index = new Map(changes.map((c, i) => [c as Change, i]))
  const waitingFor = changes.map((c) => (c.after ?? []).filter((b) => index.has(b)).length)
  const dependents: number[][] = changes.map(() => [])
  changes.forEach((c, i) => (c.after ?? []).forEach((b) => index.has(b) && dependents[index.get(b)!].push(i)))
  const outcomes: Outcome<T>[] = new Array(changes.length)
  const order = new InOrder(outcomes, (i, o) => opts.onApplied?.(changes[i], o))
  const settled = changes.map(() => false)
  let stoppedBy: PkgsError | undefined
  let left = changes.length
  let finish!: () => void
  const finished = new Promise<void>((resolve) => (finish = resolve))

  const settle = (i: number, outcome: Outcome<T>): void => {
    // a change waiting for two that both fail is not attempted once
    if (settled[i]) return
    settled[i] = true
    order.settle(i, outcome)
    for (const d of dependents[i]) {
      if (outcome.error) settle(d, { error: outcome.error, skipped: true, blockedBy: outcome.blockedBy ?? changes[i] })
      else if (--waitingFor[d] === 0 && !settled[d]) start(d)
    }
    if (--left === 0) finish()
  }
  const start = (i: number): void => {
    const change = changes[i]
    opts.pacers
      .of(change.registry)
      .run(() => {
        if (stoppedBy) throw stoppedBy
        return change.apply()
      }, opts.width)
      .then(
        (value) => settle(i, { value }),
        (err: unknown) => {
          if (stoppedBy && err === stoppedBy) return settle(i, { error: stoppedBy, skipped: true })
          const error = explainError(err)
          if (stopsTheRun(error)) stoppedBy ??= error
          settle(i, { error, skipped: false })
        },
      )
  }
  if (!changes.length) return { outcomes, stoppedBy }
  changes.forEach((_, i) => waitingFor[i] === 0 && start(i))
  await finished
  return { outcomes, stoppedBy }
}

/** An outcome's error as a result carries it (ESKIPPED: not attempted, with why). */
export interface ItemError {
  code: string
  message: string
  hint?: string
}

export function itemError(outcome: Outcome<unknown>): ItemError | undefined {
  if (!outcome.error) return undefined
  if (outcome.blockedBy) {
    return { code: 'ESKIPPED', message: `Not attempted: ${outcome.blockedBy.target} (${outcome.blockedBy.kind}) failed first.`, hint: outcome.error.hint }
  }
  if (outcome.skipped) return { code: 'ESKIPPED', message: `Not attempted: the run stopped (${outcome.error.code}).`, hint: outcome.error.hint }
  return { code: outcome.error.code, message: outcome.error.message, hint: outcome.error.hint }
}

/** Seconds, for a summary: "waited 3.2 s". */
export function heldBackText({ waitedMs, pushbacks }: { waitedMs: number; pushbacks: number }): string | undefined {
  if (!pushbacks) return undefined
  return `the registry asked to slow down ${pushbacks} time${pushbacks > 1 ? 's' : ''}; waited ${(waitedMs / 1000).toFixed(1)} s in all`
}
