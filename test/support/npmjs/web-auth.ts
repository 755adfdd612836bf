// Web login and web two-factor authentication: npm-profile's loginWeb (loginUrl, doneUrl polled)
// and npmjs's web 2FA check (authUrl, doneUrl), finished by the person in the browser or by the
// test.
import { type Registry, type Call, type Answer, fail, ok, messages, newToken, randomId } from './common.js'
import { requireUserExists } from './auth.js'

/** POST /-/v1/login, npm-profile's loginWeb: the person opens loginUrl, npm polls doneUrl. */
export function startWebLogin(r: Registry): Answer {
  const id = randomId()
  r.webLogins.set(id, {})
  return ok({ loginUrl: `${r.url}-/v1/login/cli/${id}`, doneUrl: `${r.url}-/v1/done?authId=${id}` })
}

/** The browser page; `?user=<name>` signs that person in, as completeWebLogin does. */
export function webLoginPage(r: Registry, call: Call): Answer {
  const pending = r.webLogins.get(call.params[0])
  if (!pending) throw fail(404, messages.notFound)
  const user = call.query.get('user')
  if (user) pending.user = requireUserExists(r, user)
  return ok({ ok: true })
}

export function webLoginDone(r: Registry, call: Call): Answer {
  const id = call.query.get('authId') ?? ''
  const pending = r.webLogins.get(id)
  if (!pending) throw fail(404, messages.notFound)
  // npm-profile waits retry-after seconds (fractions too) between polls
  if (!pending.user) return { status: 202, body: {}, headers: { 'retry-after': '0.1' } }
  r.webLogins.delete(id)
  const token = newToken()
  r.state.tokens.set(token, pending.user)
  return ok({ token })
}

/** The browser page of a web 2FA check; `?approve=1` approves it, as completeWebOtp does. */
export function webOtpPage(r: Registry, call: Call): Answer {
  const check = r.webOtps.get(call.params[0])
  if (!check) throw fail(404, messages.notFound)
  if (call.query.get('approve')) check.approved = true
  return ok({ ok: true })
}

export function webOtpDone(r: Registry, call: Call): Answer {
  const [id] = call.params
  const check = r.webOtps.get(id)
  if (!check) throw fail(404, messages.notFound)
  if (!check.approved) return { status: 202, body: {}, headers: { 'retry-after': '0.1' } }
  r.webOtps.delete(id)
  const code = `web-otp-${randomId()}`
  r.webOtpCodes.set(code, check.user)
  return ok({ token: code })
}
