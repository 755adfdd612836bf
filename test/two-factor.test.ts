// Two-factor authentication on writes, as npmjs.com asks for it since 2026: the browser flow
// without a terminal (the URL printed, the approval awaited), one approval for a whole bulk run,
// Ctrl-C while waiting, and the cap on the wait.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registryClient } from '../src/core/client.js'
import { loadConfig, resolveRegistry } from '../src/core/config.js'
import { PkgsError } from '../src/core/errors.js'
import { OtpSession } from '../src/core/otp.js'
import { targetFor } from '../src/core/registry.js'
import { setVisibility } from '../src/core/visibility.js'
import { startNpmjsRegistry, type NpmjsRegistry } from './support/npmjs-registry.js'
import { keys, runPkgsInPty } from './support/pty.js'
import { makeSandbox, nerfDart, runPkgs, type Sandbox } from './support/sandbox.js'

let registry: NpmjsRegistry

beforeAll(async () => {
  registry = await startNpmjsRegistry({ users: [{ name: 'wendy', password: 'wendy-pw', tfa: 'web' }], paidScopes: ['@wendy'] })
})
afterAll(() => registry?.close())

function wendy(): Sandbox {
  return makeSandbox(`registry=${registry.url}\n${nerfDart(registry.url)}:_authToken=${registry.tokens.wendy}\n`)
}

/** The web 2FA checks the CLI waited on: one per distinct doneUrl it polled. */
function approvalsPolled(since: number): string[] {
  const ids = registry.requests.slice(since).flatMap((r) => /^\/-\/v1\/auth\/done\/([^/?]+)/.exec(r.path)?.[1] ?? [])
  return [...new Set(ids)]
}

async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 25))
  }
}

describe('two-factor authentication in the browser', () => {
  it('without a terminal: prints the approval URL, waits for it, then finishes the write', async () => {
    const name = '@wendy/flip'
    registry.seedPackage(name, 'wendy', 'public')
    const since = registry.requests.length
    const run = runPkgs(['make-private', name, '--json'], wendy(), { keepStdinOpen: true })
    await until(() => registry.pendingWebOtps() > 0)
    // a few polls of doneUrl go by before the person approves
    await until(() => registry.requests.slice(since).filter((r) => r.path.startsWith('/-/v1/auth/done/')).length >= 3)
    registry.completeWebOtp('wendy')
    const res = await run
    expect(res.code, res.stderr).toBe(0)
    expect(res.stderr).toMatch(/Authenticate your account in the browser to go on:\n\s*http:\/\/127\.0\.0\.1:\d+\/-\/v1\/auth\/\w+/)
    expect(res.stderr).toContain('Waiting for the approval in the browser (at most 10 minutes)')
    expect(JSON.parse(res.stdout)).toMatchObject({ results: [{ package: name, access: 'private', changed: true }] })
    expect(registry.state.packages.get(name)?.access).toBe('restricted')
  })

  it('one approval for a bulk run over 20 packages, its code reused for every write', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `@wendy/bulk${String(i).padStart(2, '0')}`)
    for (const name of names) registry.seedPackage(name, 'wendy', 'public')
    const since = registry.requests.length
    const run = runPkgs(['make-private', ...names, '--json'], wendy())
    await until(() => registry.pendingWebOtps() > 0)
    registry.completeWebOtp('wendy')
    const res = await run
    expect(res.code, res.stderr).toBe(0)
    expect(JSON.parse(res.stdout)).toMatchObject({ changed: 20, failed: 0 })
    expect(approvalsPolled(since)).toHaveLength(1)
    expect(res.stderr.match(/Authenticate your account/g)).toHaveLength(1)
    for (const name of names) expect(registry.state.packages.get(name)?.access).toBe('restricted')
  })

  it('Ctrl-C while waiting for the approval exits 130 at once, and nothing more is sent', async () => {
    const name = '@wendy/ctrl-c'
    registry.seedPackage(name, 'wendy', 'public')
    const pty = runPkgsInPty(['make-private', name], wendy())
    await pty.waitFor('Waiting for the approval in the browser')
    const since = registry.requests.length
    pty.write(keys.ctrlC)
    expect(await pty.exit).toBe(130)
    registry.completeWebOtp('wendy')
    await new Promise((r) => setTimeout(r, 200))
    expect(registry.requests.slice(since).filter((r) => r.method !== 'GET')).toEqual([])
    expect(registry.state.packages.get(name)?.access).toBe('public')
  })

  it('Ctrl-C while waiting for a web login exits 130 at once', async () => {
    const pty = runPkgsInPty(['login'], makeSandbox(`registry=${registry.url}\n`))
    await pty.waitFor('Waiting for the login in the browser')
    pty.write(keys.ctrlC)
    expect(await pty.exit).toBe(130)
  })

  it('waits for the approval no longer than its cap, then stops with EOTP', async () => {
    const name = '@wendy/nobody-approves'
    registry.seedPackage(name, 'wendy', 'public')
    const sandbox = wendy()
    const config = await loadConfig({ cwd: sandbox.cwd, env: sandbox.env })
    const target = targetFor(config, resolveRegistry(config, { scope: '@wendy' }), '@wendy', name)
    const shown: string[] = []
    const person = {
      canPrompt: () => false,
      otp: async () => '',
      sendToUrl: async (m: string, url: string) => void shown.push(`${m} ${url}`),
      info: (m: string) => void shown.push(m),
      warn: () => {},
    }
    const started = Date.now()
    const error = await setVisibility(registryClient(config, target, new OtpSession(person, undefined, 300)), name, 'private').catch((err: unknown) => err)
    expect(error).toBeInstanceOf(PkgsError)
    expect(error).toMatchObject({ code: 'EOTP', message: 'No approval came from the browser within 300 ms: nothing more was sent.' })
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(shown[0]).toMatch(/\/-\/v1\/auth\//)
    expect(registry.state.packages.get(name)?.access).toBe('public')
  })
})
