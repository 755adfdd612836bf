// The bulk runner: one operation per item, n at a time, reported in the items' order; a failure
// in one does not stop the others, except one that would fail them all (a one-time password
// nobody can type, rejected credentials, an unsupported registry): then no new one starts and
// those in flight finish. Running the same command again finishes what is left.
import { Exit, PkgsError } from './errors.js'
import { explainError } from './explain.js'

export type Outcome<T> = { value: T; error?: undefined; skipped?: false } | { value?: undefined; error: PkgsError; skipped: boolean }

/** A failure that would fail every package the same way (no one-time password, no login, not supported): the run stops. */
export function stopsTheRun(error: PkgsError): boolean {
  return error.code === 'EOTP' || error.exitCode === Exit.auth || error.exitCode === Exit.unsupported
}

export interface BulkRun<T> {
  outcomes: Outcome<T>[]
  stoppedBy?: PkgsError
}

/** `onDone` sees the outcomes in the items' order, each as soon as it and those before it are done. */
export async function forEachConcurrently<I, T>(
  items: I[],
  concurrency: number,
  operation: (item: I) => Promise<T>,
  onDone?: (item: I, outcome: Outcome<T>) => void,
): Promise<BulkRun<T>> {
  const outcomes: Outcome<T>[] = new Array(items.length)
  let next = 0
  let reported = 0
  let stoppedBy: PkgsError | undefined
  const report = () => {
    while (reported < items.length && outcomes[reported]) {
      onDone?.(items[reported], outcomes[reported])
      reported++
    }
  }
  async function worker(): Promise<void> {
    while (next < items.length) {
      const i = next++
      if (stoppedBy) outcomes[i] = { error: stoppedBy, skipped: true }
      else {
        try {
          outcomes[i] = { value: await operation(items[i]) }
        } catch (err) {
          const error = explainError(err)
          if (stopsTheRun(error)) stoppedBy ??= error
          outcomes[i] = { error, skipped: false }
        }
      }
      report()
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker))
  return { outcomes, stoppedBy }
}

export interface ItemError {
  code: string
  message: string
  hint?: string
}

/** An outcome's error as a result carries it (ESKIPPED: not attempted, the run had stopped). */
export function itemError(outcome: Outcome<unknown>): ItemError | undefined {
  if (!outcome.error) return undefined
  if (outcome.skipped) return { code: 'ESKIPPED', message: `Not attempted: the run stopped (${outcome.error.code}).`, hint: outcome.error.hint }
  return { code: outcome.error.code, message: outcome.error.message, hint: outcome.error.hint }
}

export interface Tally {
  failed: number
  skipped: number
}

export function tally(results: { error?: ItemError }[]): Tally {
  return {
    failed: results.filter((r) => r.error && r.error.code !== 'ESKIPPED').length,
    skipped: results.filter((r) => r.error?.code === 'ESKIPPED').length,
  }
}

/** Answers a re-run would get again: the package, the plan or the request is the problem, not the moment. */
const permanent = new Set(['E400', 'E402', 'E404', 'E405', 'E422', 'EUNSUPPORTED', 'EUSAGE'])

/**
 * The hint of a run where some failed: running it again finishes what failed on the way (a
 * registry's 5xx, a network fault); a refusal (403) would come again, and so would a package that
 * is not there or a plan that does not allow it, so for those say what to do first.
 */
function partialHint(errors: ItemError[]): string {
  const refused = errors.filter((e) => e.code === 'E403').length
  const other = errors.filter((e) => permanent.has(e.code)).length
  const again = errors.length - refused - other
  if (!refused && !other) return 'Run the same command again to finish the rest.'
  const parts: string[] = again ? [`Running the same command again finishes the ${again} that failed on the way.`] : []
  if (refused) {
    const which = refused === errors.length ? 'Running it again would be refused the same way (403)' : `The ${refused} refused (403) would be refused again`
    parts.push(
      `${which}: an owner of each package can give you access with \`pkgs share <your-user> <package>\` (\`pkgs owners <package>\` shows who), or run it as a user who has it.`,
    )
  }
  if (other)
    parts.push(
      `${other === errors.length ? 'Running it again would fail the same way' : `The ${other} other${other > 1 ? 's' : ''} would fail the same way again`}: fix what ${other > 1 ? "each one's error says" : 'its error says'} first.`,
    )
  return parts.join(' ')
}

/** What a bulk run ends with: the error that stopped it, else EPARTIAL if any failed, else nothing. */
export function bulkFailure(results: { error?: ItemError }[], stoppedBy?: PkgsError): PkgsError | undefined {
  if (stoppedBy) {
    const exitCode = stoppedBy.exitCode === Exit.ok ? Exit.failure : stoppedBy.exitCode
    return new PkgsError(stoppedBy.code, `Stopped: ${stoppedBy.message}`, { hint: stoppedBy.hint, exitCode })
  }
  const errors = results.flatMap((r) => (r.error ? [r.error] : []))
  const total = results.length
  if (errors.length) return new PkgsError('EPARTIAL', `${errors.length} of ${total} package${total > 1 ? 's' : ''} failed.`, { hint: partialHint(errors) })
  return undefined
}
