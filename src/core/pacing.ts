// How fast a run may ask one registry. Every request of a plan (its reads and its writes) goes
// through the registry's Pacer: at most `width` at once (the phase's concurrency), fewer while the
// registry pushes back. A 429 or 503 is waited out (its Retry-After, else npm's backoff from the
// fetch-retry-* settings) and retried, whatever the method: npm's fetch layer retries only reads,
// so a write answered 429 would otherwise fail. While the registry pushes back the share of the
// width in use halves; each success wins a little back (additive increase, multiplicative
// decrease), so a run that was slowed down speeds up again.
import { RegistryError } from './errors.js'

export interface Backoff {
  /** the first wait, in ms, when the registry does not say how long (npm's fetch-retry-mintimeout) */
  minTimeout: number
  /** each further wait is this many times the last (fetch-retry-factor) */
  factor: number
  /** no wait is longer (fetch-retry-maxtimeout) */
  maxTimeout: number
}

/** A Retry-After longer than this is not waited out: the request fails, saying how long the registry asked for. */
export const longestWaitMs = 5 * 60_000
/** Retries of one request before its 429 is its answer. */
const maxRetries = 10

/** The registry's pushback in an error (its own, or one it carries as its cause): 429 and 503 are. */
export function pushbackOf(err: unknown): RegistryError | undefined {
  for (let e = err; e instanceof Error; e = e.cause) {
    if (e instanceof RegistryError) return e.status === 429 || e.status === 503 ? e : undefined
  }
  return undefined
}

/** Retry-After as ms: delta-seconds or an HTTP date (RFC 9110); undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (!value) return undefined
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

export interface Clock {
  now(): number
  sleep(ms: number): Promise<void>
}

const realClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) }

export class Pacer {
  /** the share of a phase's width in use: 1 until the registry pushes back */
  #share = 1
  #inFlight = 0
  #queue: (() => void)[] = []
  /** no request starts before this time (a Retry-After, a backoff) */
  #notBefore = 0
  #waitedMs = 0
  #pushbacks = 0

  constructor(
    private readonly backoff: Backoff,
    private readonly clock: Clock = realClock,
  ) {}

  /** How long the run was held back in all (overlapping waits counted once), and how often the registry pushed back. */
  get held(): { waitedMs: number; pushbacks: number } {
    return { waitedMs: this.#waitedMs, pushbacks: this.#pushbacks }
  }

  #limit(width: number): number {
    return Math.max(1, Math.floor(width * this.#share))
  }

  async #acquire(width: number): Promise<void> {
    while (this.#inFlight >= this.#limit(width)) await new Promise<void>((resolve) => this.#queue.push(resolve))
    this.#inFlight++
    // a pause that began while this request waited for a slot is waited out too
    for (let wait = this.#notBefore - this.clock.now(); wait > 0; wait = this.#notBefore - this.clock.now()) await this.clock.sleep(wait)
  }

  #release(): void {
    this.#inFlight--
    this.#queue.shift()?.()
  }

  #pushedBack(waitMs: number): void {
    this.#pushbacks++
    this.#share = Math.max(this.#share / 2, 1 / 64)
    const now = this.clock.now()
    const until = now + waitMs
    if (until > this.#notBefore) {
      this.#waitedMs += until - Math.max(this.#notBefore, now)
      this.#notBefore = until
    }
  }

  #succeeded(width: number): void {
    if (this.#share >= 1) return
    // one more slot for every `limit` successes
    this.#share = Math.min(1, this.#share + 1 / (width * this.#limit(width)))
    this.#queue.shift()?.()
  }

  /** How long to wait: the registry's Retry-After, else the request's `backoffs`-th backoff (0 first). */
  #waitFor(pushback: RegistryError, backoffs: number): number | undefined {
    const asked = retryAfterMs(pushback.header('retry-after'), this.clock.now())
    if (asked !== undefined) return asked <= longestWaitMs ? asked : undefined
    const { minTimeout, factor, maxTimeout } = this.backoff
    return Math.min(maxTimeout, minTimeout * factor ** backoffs)
  }

  /** Run a request, at most `width` at once (fewer while pushed back), waiting out and retrying its 429s and 503s. */
  async run<T>(request: () => Promise<T>, width: number): Promise<T> {
    let backoffs = 0
    for (let attempt = 0; ; attempt++) {
      await this.#acquire(width)
      try {
        const value = await request()
        this.#succeeded(width)
        return value
      } catch (err) {
        const pushback = pushbackOf(err)
        const wait = pushback && attempt < maxRetries ? this.#waitFor(pushback, backoffs) : undefined
        if (wait === undefined) throw err
        if (!pushback!.header('retry-after')) backoffs++
        this.#pushedBack(wait)
      } finally {
        this.#release()
      }
    }
  }
}
