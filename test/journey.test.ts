// npm's guide to private packages, step by step with pkgs, on the npmjs-like registry (the one
// that has everything the guide needs), and the real npm as the other people: a teammate and
// someone anonymous.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startNpmjsRegistry, usualUsers, type NpmjsRegistry } from './support/npmjs-registry.js'
import { makeSandbox, nerfDart, runNpm, runPkgs } from './support/sandbox.js'

let registry: NpmjsRegistry

beforeAll(async () => {
  registry = await startNpmjsRegistry({ users: usualUsers, paidScopes: ['@acme'], orgs: { acme: { members: { alice: 'owner' } } } })
})
afterAll(() => registry?.close())

it('scope, log in, create, publish privately, share, switch visibility, unshare', async () => {
  // a default registry elsewhere: only the scope's mapping leads to this registry
  const alice = makeSandbox('registry=http://127.0.0.1:9/\n')
  const bob = makeSandbox(`@acme:registry=${registry.url}\n${nerfDart(registry.url)}:_authToken=${registry.tokens.bob}\n`)
  const anonymous = makeSandbox(`@acme:registry=${registry.url}\n`)
  const step = async (args: string[], input?: string) => {
    const res = await runPkgs(args, alice, { input })
    expect(res.code, `pkgs ${args.join(' ')}\n${res.stderr}`).toBe(0)
    return res
  }
  const reads = async (who: typeof bob) => (await runNpm(['view', '@acme/work', 'version'], who)).code === 0

  await step(['scope', 'set', '@acme', '--registry', registry.url])
  await step(['login', '--scope', '@acme', '--token-stdin'], registry.tokens.alice + '\n')
  expect((await step(['whoami'])).stdout).toBe('alice\n')
  await step(['init', '--yes'])
  expect(JSON.parse(readFileSync(join(alice.cwd, 'package.json'), 'utf8'))).toMatchObject({ name: '@acme/work', publishConfig: { access: 'restricted' } })

  await step(['publish', '--yes'])
  expect(registry.state.packages.get('@acme/work')?.access).toBe('restricted')
  expect(await reads(bob)).toBe(false)
  expect(await reads(anonymous)).toBe(false)

  await step(['share', 'bob'])
  const installed = await runNpm(['install', '@acme/work', '--no-package-lock'], bob)
  expect(installed.code, installed.stderr).toBe(0)
  expect((await runNpm(['owner', 'ls', '@acme/work', '--registry', registry.url], bob)).stdout).toBe('alice <alice@example.com>\nbob <bob@example.com>\n')

  await step(['make-public', '--yes'])
  expect(await reads(anonymous)).toBe(true)
  await step(['make-private'])
  expect(await reads(anonymous)).toBe(false)

  await step(['unshare', 'bob'])
  expect(await reads(bob)).toBe(false)
  const doctor = JSON.parse((await step(['doctor', '--json'])).stdout)
  expect(doctor).toMatchObject({ ok: true, registry: registry.url })
})
