// One mechanism for every mutating request that may need a one-time password (npm's otplease,
// and np's prompt): try; on EOTP use the web flow the registry offers or ask on a terminal (up
// to three codes), else fail with the --otp hint. A code, once accepted, serves the whole run.
import { sendToUrl } from './browser.js'
import type { Config } from './config.js'
import type { Context } from './context.js'
import { explainError, PkgsError, rawError } from './errors.js'
import { errorContext, registryOptions, type Target } from './registry.js'

export interface OtpSession {
  /** the code to send: from --otp, typed, or from web authentication */
  otp?: string
  /** a prompt or web check under way: concurrent operations wait for its code instead of asking too */
  asking?: Promise<void>
}

export function otpSession(ctx: Context): OtpSession {
  return { otp: ctx.options.otp }
}

export function isOtpError(err: unknown): boolean {
  const raw = rawError(err)
  if (raw.code === 'EOTP' || (err instanceof PkgsError && err.code === 'EOTP')) return true
  const body = typeof raw.body === 'string' ? raw.body : JSON.stringify(raw.body ?? '')
  return raw.statusCode === 401 && /one-time pass/i.test(body)
}

function webAuthUrls(err: unknown): { authUrl: string; doneUrl: string } | undefined {
  const body = rawError(err).body as { authUrl?: unknown; doneUrl?: unknown } | undefined
  if (body && typeof body.authUrl === 'string' && typeof body.doneUrl === 'string') {
    return { authUrl: body.authUrl, doneUrl: body.doneUrl }
  }
  return undefined
}

const maxTypedCodes = 3

async function ask(session: OtpSession, asking: () => Promise<void>): Promise<void> {
  session.asking = asking()
  try {
    await session.asking
  } finally {
    session.asking = undefined
  }
}

export async function withOtp<T>(
  ctx: Context,
  config: Config,
  target: Target,
  session: OtpSession,
  operation: (otp: string | undefined) => Promise<T>,
): Promise<T> {
  let typed = 0
  let webTried = false
  for (;;) {
    const sent = session.otp
    try {
      return await operation(sent)
    } catch (err) {
      if (!isOtpError(err)) throw err
      if (session.asking) {
        await session.asking
        continue
      }
      // another operation of this run got a new code while this one was in flight
      if (session.otp !== sent) continue
      if (!ctx.io.canPrompt()) {
        if (sent) {
          throw new PkgsError('EOTP', `${target.registry.url} rejected the one-time password.`, {
            hint: 'Codes expire after about 30 seconds: run it again with a fresh --otp <code>.',
            cause: err,
          })
        }
        throw explainError(rawError(err), errorContext(target))
      }
      const web = webAuthUrls(err)
      if (web && !webTried) {
        webTried = true
        await ask(session, async () => {
          const { webAuthOpener } = await import('npm-profile')
          const opener = (url: string) => sendToUrl(ctx.io, 'Authenticate your account in the browser to go on:', url)
          const result = await webAuthOpener(opener, web.authUrl, web.doneUrl, registryOptions(config, target))
          session.otp = result.token
        })
        continue
      }
      if (typed >= maxTypedCodes) {
        throw new PkgsError('EOTP', `${target.registry.url} rejected ${maxTypedCodes} one-time passwords.`, {
          hint: 'Check the clock of the device with your authenticator app, then try again.',
          cause: err,
        })
      }
      if (sent) ctx.io.warn('That one-time password was not accepted.')
      typed++
      await ask(session, async () => {
        session.otp = await ctx.io.otp('One-time password from your authenticator app:')
      })
    }
  }
}
