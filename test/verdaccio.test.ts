// Proves the test registries with the real npm CLI: both Verdaccio lines know alice, bob and carol,
// take publishes from them and refuse anonymous reads of scoped packages.
import { randomBytes } from 'node:crypto'
import { describe, expect, inject, it } from 'vitest'
import { loggedIn, makeSandbox, runNpm, type Sandbox } from './support/sandbox.js'
import type { VerdaccioInfo } from './support/verdaccio.js'

const lines: [string, VerdaccioInfo][] = [
  ['stable', inject('verdaccio')],
  ['next', inject('verdaccioNext')],
]

function loggedOut(registry: VerdaccioInfo): Sandbox {
  return makeSandbox(`registry=${registry.url}\n`)
}

/** A scoped package no other test publishes (all test files share one server per line). */
function uniqueName(): string {
  return `@acme/proof-${randomBytes(4).toString('hex')}`
}

async function publishAsAlice(registry: VerdaccioInfo, name: string): Promise<void> {
  const alice = loggedIn(registry, 'alice')
  alice.writePackageJson({ name, version: '1.0.0', description: 'proves the test registry' })
  const res = await runNpm(['publish'], alice)
  expect(res, res.stderr).toMatchObject({ code: 0 })
  expect(res.stdout).toContain(`+ ${name}@1.0.0`)
}

describe.concurrent.each(lines)('Verdaccio %s', (line, registry) => {
  it('is the line it says, on a loopback URL with a trailing slash', () => {
    expect(registry.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    expect(registry.version).toMatch(line === 'stable' ? /^6\./ : /^7\.0\.0-next/)
  })

  it('answers npm whoami with the user of the token', async () => {
    const res = await runNpm(['whoami', '--registry', registry.url], loggedIn(registry, 'alice'))
    expect(res).toMatchObject({ code: 0, stdout: 'alice\n' })
  })

  it('takes a scoped publish from alice, shows it to bob, refuses it to anonymous', async () => {
    const name = uniqueName()
    await publishAsAlice(registry, name)
    const bob = loggedIn(registry, 'bob')
    const [view, anonymous, owners] = await Promise.all([
      runNpm(['view', name, 'version'], bob),
      runNpm(['view', name, 'version'], loggedOut(registry)),
      runNpm(['owner', 'ls', name], bob),
    ])
    expect(view).toMatchObject({ code: 0, stdout: '1.0.0\n' })
    // Verdaccio answers 401 "authorization required to access package"; npm shows its generic E401
    expect(anonymous.code).toBe(1)
    expect(anonymous.stderr).toContain('npm error code E401')
    // only the next line keeps maintainers, so stable has no owner to list (and npm owner add gets a 422)
    expect(owners).toMatchObject({ code: 0, stdout: line === 'next' ? 'alice <>\n' : 'no admin found\n' })
  })

  it('still accepts a token after npm logout (Verdaccio cannot revoke the tokens adduser returns)', async () => {
    const carol = loggedIn(registry, 'carol')
    const logout = await runNpm(['logout', '--registry', registry.url], carol)
    expect(logout.code).toBe(0)
    expect(carol.readNpmrc()).not.toContain('_authToken')
    const whoami = await runNpm(['whoami', '--registry', registry.url], loggedIn(registry, 'carol'))
    expect(whoami).toMatchObject({ code: 0, stdout: 'carol\n' })
  })
})
