// Explanations in-process: what a registry answered (a RegistryError with where it went) in a
// sentence, a hint and an exit code; the generic rules and publish's own.
import { describe, expect, it } from 'vitest'
import { bulkFailure } from '../src/core/bulk.js'
import { itemError, Pacers, readEach } from '../src/core/plan.js'
import { Pacer } from '../src/core/pacing.js'
import { Exit, PkgsError, RegistryError, type ErrorContext } from '../src/core/errors.js'
import { explainError } from '../src/core/explain.js'
import { explainPublishError } from '../src/core/publish.js'

const registry = 'https://npm.acme.dev/'
const context: ErrorContext = {
  registry,
  registrySource: '~/.npmrc (@acme:registry)',
  packageName: '@acme/widgets',
  loginCommand: 'pkgs login --scope @acme',
  sentCredentials: true,
}

function answered(status: number, body?: unknown, extra: Partial<ErrorContext> = {}): RegistryError {
  return new RegistryError({ status, code: `E${status}`, body, method: 'PUT', url: `${registry}@acme%2fwidgets` }, { ...context, ...extra })
}

describe('a registry answer, explained', () => {
  it('a 401 is rejected credentials with the login command (exit 3), or "not logged in" when none were sent', () => {
    const rejected = explainError(answered(401, { error: 'token expired.' }))
    expect(rejected).toMatchObject({ code: 'E401', exitCode: Exit.auth, message: `${registry} rejected your credentials: token expired.` })
    expect(rejected.hint).toContain('pkgs login --scope @acme')
    const anonymous = explainError(answered(401, undefined, { sentCredentials: false }))
    expect(anonymous).toMatchObject({
      code: 'ENEEDAUTH',
      exitCode: Exit.auth,
      message: `You are not logged in to ${registry}.`,
      hint: 'Log in with: pkgs login --scope @acme',
    })
  })

  it('a 403 for an account without two-factor authentication says to turn it on, not to ask an owner', () => {
    const e = explainError(answered(403, { error: 'This operation requires two-factor authentication to be enabled on your account' }))
    expect(e.hint).toBe('Turn on two-factor authentication for your account (on npmjs.com: Account, Two-Factor Authentication), then run it again.')
    expect(explainError(answered(403, { error: 'forbidden' })).hint).toContain('pkgs share <your-user> @acme/widgets')
  })

  it('a staged upload of a package that does not exist yet: publish its first version, then stage', () => {
    const e = explainPublishError(answered(404, { error: 'Not found' }), '1.0.0', 'alice', { exists: false })
    expect(e).toMatchObject({
      code: 'E404',
      message: `@acme/widgets cannot be staged on ${registry}: it has no version there yet, and only a package that exists has a staging queue (404: Not found).`,
    })
    expect(e.hint).toBe('Publish its first version with pkgs publish (without --stage); stage the versions after it.')
    // a package that is there: the scope's rules, as for any publish
    expect(explainPublishError(answered(404, { error: 'Not found' }), '1.0.0', 'alice', { exists: true }).message).toContain(
      'alice may not publish @acme/widgets to the scope @acme',
    )
  })

  it('a 404 on a scoped package when no credentials were sent is "log in" (exit 3)', () => {
    const anonymous = explainError(answered(404, { error: 'Not found' }, { sentCredentials: false }))
    expect(anonymous).toMatchObject({
      code: 'ENEEDAUTH',
      exitCode: Exit.auth,
      message: `@acme/widgets was not found on ${registry}: you are not logged in, and a private package is found only by those who may read it.`,
      hint: 'Log in with: pkgs login --scope @acme',
    })
    expect(explainError(answered(404)).exitCode).toBe(Exit.failure)
  })

  it('a 404 on an unscoped package never says "or it is private": unscoped packages are always public', () => {
    for (const sentCredentials of [true, false]) {
      const e = explainError(answered(404, { error: 'Not found' }, { packageName: 'lodash-like', sentCredentials }))
      expect(e).toMatchObject({
        code: 'E404',
        exitCode: Exit.failure,
        message: `lodash-like was not found on ${registry}.`,
        hint: 'Check the name and the registry (`pkgs doctor lodash-like`).',
      })
    }
  })

  it('credentials npm cannot use are said instead of a 401', () => {
    const unusable = new PkgsError('ENEEDAUTH', 'The credentials come from ${NPM_TOKEN}, which is not set.', { exitCode: Exit.auth })
    expect(explainError(answered(401, undefined, { credentialsError: unusable }))).toBe(unusable)
  })

  it("402, 403, 404 and 5xx name the package and the registry, with the registry's own words once", () => {
    expect(explainError(answered(402)).message).toBe(`Private packages need a paid plan on ${registry} (@acme/widgets would be private).`)
    expect(explainError(answered(403, { error: 'forbidden.' }, { username: 'bob' })).message).toBe(
      `${registry} refused this for @acme/widgets (logged in as bob): forbidden.`,
    )
    expect(explainError(answered(404)).hint).toBe(
      'Check the name and the registry (`pkgs doctor @acme/widgets`), or ask an owner to run `pkgs share <your-user> @acme/widgets`.',
    )
    expect(explainError(answered(503, 'Service Unavailable'))).toMatchObject({
      code: 'E503',
      message: `${registry} is having problems: it answered 503 (Service Unavailable).`,
    })
  })

  it('a one-time password challenge points at --otp', () => {
    const otp = new RegistryError({ status: 401, code: 'EOTP', body: { error: 'otp required' } }, context)
    expect(otp.wantsOtp).toBe(true)
    expect(explainError(otp)).toMatchObject({ code: 'EOTP', hint: expect.stringContaining('--otp <code>') })
    expect(answered(401, { error: 'You must provide a one-time pass.' }).wantsOtp).toBe(true)
    expect(answered(401, { error: 'bad token' }).wantsOtp).toBe(false)
  })

  it('network failures name where the registry is set, and the proxy when there is one', () => {
    const refused = new RegistryError({ code: 'ECONNREFUSED' }, context)
    expect(explainError(refused)).toMatchObject({ code: 'ECONNREFUSED', message: `Cannot reach the registry ${registry} (ECONNREFUSED).` })
    expect(explainError(refused).hint).toContain('it is set in ~/.npmrc (@acme:registry)')
    const proxied = new RegistryError({ code: 'ECONNREFUSED' }, { ...context, proxy: { proxy: 'http://proxy.acme.dev:3128/' } })
    expect(explainError(proxied).message).toBe(`Cannot reach the registry ${registry} through the proxy http://proxy.acme.dev:3128/ (ECONNREFUSED).`)
    expect(explainError(new RegistryError({ code: 'EBADJSON' }, context)).code).toBe('EBADRESPONSE')
    expect(explainError(new RegistryError({ code: 'FETCH_ERROR', type: 'request-timeout' }, context)).code).toBe('ETIMEDOUT')
  })

  it('a library fault is EUNEXPECTED, a failed script ELIFECYCLE, ours as they are', () => {
    expect(explainError(new TypeError("Cannot read properties of null (reading 'x')")).code).toBe('EUNEXPECTED')
    const script = Object.assign(new Error('failed'), { event: 'prepublishOnly', script: 'exit 3', code: 3, stderr: 'boom\n' })
    expect(explainError(script)).toMatchObject({ code: 'ELIFECYCLE', message: 'The prepublishOnly script failed (exit code 3): exit 3\nboom' })
    const ours = new PkgsError('EUSAGE', 'x', { exitCode: Exit.usage })
    expect(explainError(ours)).toBe(ours)
  })
})

describe("publish's own rules", () => {
  it('a conflict is a version already published; a 403 or 404 on a scope names whose scope it must be', () => {
    expect(explainPublishError(answered(409, { error: 'this package is already present' }), '1.0.0', 'bob')).toMatchObject({
      code: 'EPUBLISHCONFLICT',
      message: `@acme/widgets@1.0.0 is already published on ${registry} (this package is already present).`,
    })
    const refused = explainPublishError(answered(403, { error: 'You do not have permission' }), '1.0.0', 'bob')
    expect(refused.message).toBe(`bob may not publish @acme/widgets to the scope @acme on ${registry} (403: You do not have permission).`)
    expect(refused.hint).toContain('or publish under your own scope: @bob/widgets')
    expect(explainPublishError(answered(403, { error: 'Two-factor authentication required' }), '1.0.0', 'bob').message).toContain(
      'requires two-factor authentication',
    )
    expect(explainPublishError(answered(402), '1.0.0', 'bob').code).toBe('E402')
  })
})

describe('the bulk runner', () => {
  it("reports in the items' order, stops at a failure that would fail them all, and says what is left", async () => {
    const seen: number[] = []
    const run = await readEach(
      [30, 5, 1, 20],
      async (ms) => {
        await new Promise((r) => setTimeout(r, ms))
        if (ms === 5) throw new RegistryError({ status: 401, code: 'E401' }, context)
        return ms
      },
      { width: 2, pacers: new Pacers(() => new Pacer({ minTimeout: 1, factor: 1, maxTimeout: 1 })), registryOf: () => registry, onRead: (ms) => seen.push(ms) },
    )
    expect(seen).toEqual([30, 5, 1, 20])
    expect(run.stoppedBy?.code).toBe('E401')
    const skipped = run.outcomes.filter((o) => o.skipped)
    expect(skipped.length).toBeGreaterThan(0)
    expect(itemError(skipped[0])).toMatchObject({ code: 'ESKIPPED', message: 'Not attempted: the run stopped (E401).' })
    const results = (...codes: (string | undefined)[]) => codes.map((code) => (code ? { error: { code, message: code } } : {}))
    expect(bulkFailure(results('E401', undefined, undefined, undefined), run.stoppedBy)).toMatchObject({
      code: 'E401',
      exitCode: Exit.auth,
      message: `Stopped: ${run.stoppedBy?.message}`,
    })
    expect(bulkFailure(results('E500', 'ECONNRESET', undefined, undefined))).toMatchObject({
      code: 'EPARTIAL',
      message: '2 of 4 packages failed.',
      exitCode: Exit.failure,
      hint: 'Run the same command again to finish the rest.',
    })
    expect(bulkFailure(results(undefined, undefined, undefined, undefined))).toBeUndefined()
  })

  it('says "run it again" only for what a re-run can finish', () => {
    const results = (...codes: string[]) => codes.map((code) => ({ error: { code, message: code } }))
    const refused = bulkFailure(results('E403', 'E403'))?.hint
    expect(refused).not.toContain('Run the same command again')
    expect(refused).toBe(
      'Running it again would be refused the same way (403): an owner of each package can give you access with `pkgs share <your-user> <package>` (`pkgs owners <package>` shows who), or run it as a user who has it.',
    )
    expect(bulkFailure(results('E500', 'E403'))?.hint).toMatch(
      /^Running the same command again finishes the 1 that failed on the way\. The 1 refused \(403\) would be refused again: /,
    )
    expect(bulkFailure(results('E402', 'E404'))?.hint).toBe("Running it again would fail the same way: fix what each one's error says first.")
  })
})
