// What a run over many packages ends with: how many failed or were not attempted, and the error
// of the run (what stopped it, else how many failed, with what running it again would do).
import { Exit, PkgsError } from './errors.js'
import type { ItemError } from './plan.js'

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
