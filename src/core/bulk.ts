// Run one operation per package, n at a time; a failure in one does not stop the others, except
// one that would fail them all (a one-time password nobody can type, rejected credentials, an
// unsupported registry): then no new one starts and those in flight finish.
import { Exit, explainError, type PkgsError } from './errors.js'
import { isOtpError } from './otp.js'

export type Outcome<T> = { value: T; error?: undefined; skipped?: false } | { value?: undefined; error: PkgsError; skipped: boolean }

function stopsTheRun(error: PkgsError): boolean {
  return isOtpError(error) || error.code === 'EOTP' || error.exitCode === Exit.auth || error.exitCode === Exit.unsupported
}

export async function forEachConcurrently<I, T>(
  items: I[],
  concurrency: number,
  operation: (item: I) => Promise<T>,
  onDone?: (item: I, outcome: Outcome<T>) => void,
): Promise<{ outcomes: Outcome<T>[]; stoppedBy?: PkgsError }> {
  const outcomes: Outcome<T>[] = new Array(items.length)
  let next = 0
  let stoppedBy: PkgsError | undefined
  async function worker(): Promise<void> {
    while (next < items.length) {
      const i = next++
      if (stoppedBy) {
        outcomes[i] = { error: stoppedBy, skipped: true }
        continue
      }
      try {
        outcomes[i] = { value: await operation(items[i]) }
      } catch (err) {
        const error = explainError(err)
        if (stopsTheRun(error)) stoppedBy ??= error
        outcomes[i] = { error, skipped: false }
      }
      onDone?.(items[i], outcomes[i])
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker))
  return { outcomes, stoppedBy }
}
