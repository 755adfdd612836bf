// One two-factor session per run, for every write that may need a one-time password (npm's
// otplease, and np's prompt): try; on EOTP use the browser flow the registry offers (with or
// without a terminal: the URL is printed, the approval awaited), else ask on a terminal (up to
// three codes), else let the challenge through to be explained. A code, once accepted, serves
// every later request of the run until the registry refuses it; concurrent requests wait for
// the one asking instead of asking too.
import type { Config } from './config.js'
import { PkgsError, RegistryError } from './errors.js'
import { registryOptions, type Target } from './registry.js'

/** What answering a challenge needs from a person; the command passes its terminal in. */
export interface OtpPrompter {
  canPrompt(): boolean
  otp(message: string): Promise<string>
  /** show the URL to approve in a browser (and open it where one can be, with npm's `browser` setting) */
  sendToUrl(message: string, url: string, browser?: unknown): Promise<void>
  info(message: string): void
  warn(message: string): void
}

/** How long a browser approval is awaited. */
export const approvalWaitMs = 10 * 60_000

function webAuthUrls(err: RegistryError): { authUrl: string; doneUrl: string } | undefined {
  const body = err.body as { authUrl?: unknown; doneUrl?: unknown } | undefined
  if (body && typeof body.authUrl === 'string' && typeof body.doneUrl === 'string') return { authUrl: body.authUrl, doneUrl: body.doneUrl }
  return undefined
}

const maxTypedCodes = 3

export class OtpSession {
  /** the code to send: from --otp, typed, or from web authentication */
  #otp?: string
  /** a prompt or web check under way: concurrent operations wait for its code instead of asking too */
  #asking?: Promise<void>
  /** the run's first write, while no code is known: the others wait for it to settle */
  #first?: Promise<unknown>
  #firstSettled = false

  constructor(
    private readonly prompter: OtpPrompter,
    otp?: string,
    private readonly maxWaitMs = approvalWaitMs,
  ) {
    this.#otp = otp
  }

  /** The registry's browser flow: print (and open) its URL, poll doneUrl as it asks (npm-profile), for at most maxWaitMs. */
  async #approveInBrowser(config: Config, target: Target, web: { authUrl: string; doneUrl: string }): Promise<void> {
    const { webAuthOpener } = await import('npm-profile')
    const minutes = Math.round(this.maxWaitMs / 60_000)
    const opener = async (url: string, { signal }: { signal: AbortSignal }) => {
      await this.prompter.sendToUrl('Authenticate your account in the browser to go on:', url, config.npm.get('browser'))
      this.prompter.info(`Waiting for the approval in the browser (at most ${minutes > 0 ? `${minutes} minutes` : `${this.maxWaitMs} ms`})…`)
      // webAuthOpener aborts the signal once doneUrl answers with the code; a rejection here ends its polling
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new PkgsError(
              'EOTP',
              `No approval came from the browser within ${minutes > 0 ? `${minutes} minutes` : `${this.maxWaitMs} ms`}: nothing more was sent.`,
              {
                hint: 'Run it again and approve it in the browser, or pass --otp <code> from your authenticator app.',
              },
            ),
          )
        }, this.maxWaitMs)
        signal.addEventListener('abort', () => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
    const result = await webAuthOpener(opener, web.authUrl, web.doneUrl, registryOptions(config, target))
    this.#otp = result.token
  }

  async #ask(asking: () => Promise<void>): Promise<void> {
    this.#asking = asking()
    try {
      await this.#asking
    } finally {
      this.#asking = undefined
    }
  }

  /**
   * Run a write (its failures as RegistryErrors), answering the registry's one-time-password
   * challenges. Until the run's first write has settled without a code in hand, the others wait for
   * it: a registry that asks then asks once, instead of refusing every write (and every tarball)
   * sent at once before the one approval.
   */
  async run<T>(config: Config, target: Target, operation: (otp: string | undefined) => Promise<T>): Promise<T> {
    if (this.#otp === undefined && !this.#firstSettled) {
      if (this.#first) await this.#first.catch(() => undefined)
      else {
        const first = this.#answering(config, target, operation)
        this.#first = first
        try {
          return await first
        } finally {
          this.#firstSettled = true
        }
      }
    }
    return this.#answering(config, target, operation)
  }

  async #answering<T>(config: Config, target: Target, operation: (otp: string | undefined) => Promise<T>): Promise<T> {
    let typed = 0
    let webTried = false
    for (;;) {
      const sent = this.#otp
      try {
        return await operation(sent)
      } catch (err) {
        if (!(err instanceof RegistryError) || !err.wantsOtp) throw err
        if (this.#asking) {
          await this.#asking
          continue
        }
        // another operation of this run got a new code while this one was in flight
        if (this.#otp !== sent) continue
        const web = webAuthUrls(err)
        if (web && !webTried) {
          webTried = true
          await this.#ask(() => this.#approveInBrowser(config, target, web))
          continue
        }
        if (!this.prompter.canPrompt()) {
          if (sent) {
            throw new PkgsError('EOTP', `${target.registry.url} rejected the one-time password.`, {
              hint: 'Codes expire after about 30 seconds: run it again with a fresh --otp <code>.',
              cause: err,
            })
          }
          throw err
        }
        if (typed >= maxTypedCodes) {
          throw new PkgsError('EOTP', `${target.registry.url} rejected ${maxTypedCodes} one-time passwords.`, {
            hint: 'Check the clock of the device with your authenticator app, then try again.',
            cause: err,
          })
        }
        if (sent) this.prompter.warn('That one-time password was not accepted.')
        typed++
        await this.#ask(async () => {
          this.#otp = await this.prompter.otp('One-time password from your authenticator app:')
        })
      }
    }
  }
}
