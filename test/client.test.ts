// The core against a stub RegistryClient: what it reads, what it plans and what it writes, with no
// server. The requests themselves are compared with npm's against real registries elsewhere.
import { describe, expect, it } from 'vitest'
import type { RegistryClient } from '../src/core/client.js'
import type { Config } from '../src/core/config.js'
import { RegistryError } from '../src/core/errors.js'
import { getOwners, setOwners } from '../src/core/owners.js'
import { getCollaborators, getPackagesOf } from '../src/core/permissions.js'
import type { Target } from '../src/core/registry.js'
import { parseGrantee, planShare, planUnshare, sharingReader } from '../src/core/sharing.js'

interface Stub extends RegistryClient {
  /** the paths read, in order */
  reads: string[]
  /** the writes sent, by the package they name */
  writes: (string | undefined)[]
}

/** A client for https://registry.example/ that answers each path from `documents` (a 404 otherwise). */
function stubClient(documents: Record<string, unknown>, opts: { writeStatus?: number } = {}): Stub {
  const target = { registry: { url: 'https://registry.example/', source: 'test' }, credentials: { type: 'none' }, proxy: {} } as unknown as Target
  const reads: string[] = []
  const writes: (string | undefined)[] = []
  const client: Stub = {
    reads,
    writes,
    config: {} as Config,
    target,
    url: (path) => new URL(path.replace(/^\//, ''), target.registry.url).href,
    async json<T>(path: string) {
      reads.push(path)
      const url = client.url(path)
      if (!(path in documents)) throw new RegistryError({ status: 404, code: 'E404', method: 'GET', url, headers: {} }, { registry: target.registry.url })
      return { body: documents[path] as T, status: 200, headers: { get: () => null } }
    },
    call: (call) => call({}),
    async write<T>(_call: unknown, extra?: { packageName?: string }) {
      writes.push(extra?.packageName)
      if (opts.writeStatus)
        throw new RegistryError({ status: opts.writeStatus, code: `E${opts.writeStatus}`, method: 'PUT', headers: {} }, { registry: target.registry.url })
      return undefined as T
    },
    challenged: (attempt) => attempt(undefined),
    options: () => ({}),
    whoami: async () => 'alice',
    sending: () => client,
    forPackage: () => client,
  }
  return client
}

const owned = (...names: string[]) => ({ _id: '@acme/a', _rev: '3-abc', maintainers: names.map((name) => ({ name, email: `${name}@acme.example` })) })

describe('core over a stub client', () => {
  it('share: a user already an owner is no change; a new one is one owner change, written when applied', async () => {
    const client = stubClient({
      '/@acme%2fa': owned('alice', 'bob'),
      '/@acme%2fb': owned('alice'),
      '/-/user/org.couchdb.user:bob': { name: 'bob', email: 'bob@acme.example' },
    })
    const bob = parseGrantee('bob')
    const read = sharingReader(bob, { confirmAbsent: false })
    const [a, b] = await Promise.all([read('@acme/a', client), read('@acme/b', client)])
    // the user is looked up once for the registry, as npm owner add does for one package
    expect(client.reads.filter((p) => p.startsWith('/-/user/'))).toHaveLength(1)

    const already = planShare(a, bob, undefined)
    expect(already.change).toBeUndefined()
    expect(already.unchanged).toMatchObject({ package: '@acme/a', permissions: 'read-write', changed: false })

    const planned = planShare(b, bob, undefined)
    expect(planned.change).toMatchObject({ kind: 'owner', target: '@acme/b', action: 'add', to: 'bob', registry: 'https://registry.example/' })
    expect(client.writes).toEqual([])
    await expect(planned.change!.apply()).resolves.toMatchObject({ package: '@acme/b', permissions: 'read-write', changed: true })
    expect(client.writes).toEqual(['@acme/b'])
  })

  it('unshare: the last owner is refused before anything is written; another owner is a change that takes access away', async () => {
    const client = stubClient({
      '/@acme%2fa': owned('alice', 'bob'),
      '/@acme%2fb': owned('bob'),
      '/-/user/org.couchdb.user:bob': { name: 'bob' },
    })
    const bob = parseGrantee('bob')
    const read = sharingReader(bob, { confirmAbsent: true })
    const only = await read('@acme/b', client)
    expect(() => planUnshare(only, bob)).toThrow(expect.objectContaining({ code: 'EOWNERRM' }))
    const two = planUnshare(await read('@acme/a', client), bob)
    expect(two.change).toMatchObject({ kind: 'owner', action: 'remove', from: 'bob', risk: 'access-removed' })
    expect(client.writes).toEqual([])
  })

  it("a team's grants: read once per registry, a grant already as asked is no change", async () => {
    const client = stubClient({ '/-/team/acme/devs/package': { '@acme/a': 'write', '@acme/b': 'read' } })
    const devs = parseGrantee('@acme:devs')
    const read = sharingReader(devs, { confirmAbsent: false })
    const [a, b] = await Promise.all([read('@acme/a', client), read('@acme/b', client)])
    expect(client.reads).toEqual(['/-/team/acme/devs/package'])
    expect(planShare(a, devs, 'read-write').change).toBeUndefined()
    expect(planShare(b, devs, 'read-write').change).toMatchObject({
      kind: 'grant',
      action: 'change',
      from: '@acme:devs read-only',
      to: '@acme:devs read-write',
    })
    expect(planShare(b, devs, undefined).change).toBeUndefined()
  })

  it("lists as npm shows them: read/write become read-only/read-write, an org's list before a user's", async () => {
    const client = stubClient({
      '/-/package/@acme%2fa/collaborators': { bob: 'read', alice: 'write' },
      '/-/user/carol/package': { '@acme/a': 'read' },
    })
    await expect(getCollaborators(client, '@acme/a')).resolves.toEqual({ alice: 'read-write', bob: 'read-only' })
    await expect(getPackagesOf(client, { kind: 'org-or-user', name: 'carol' })).resolves.toEqual({ kind: 'user', packages: { '@acme/a': 'read-only' } })
    expect(client.reads).toEqual(['/-/package/@acme%2fa/collaborators', '/-/org/carol/package', '/-/user/carol/package'])
  })

  it('owners: a write answered 409 that finds the owners as asked (a retry whose first try landed) succeeds; other owners are a conflict', async () => {
    const landed = stubClient({ '/@acme%2fa': owned('alice', 'bob') }, { writeStatus: 409 })
    const before = { id: '@acme/a', rev: '2-old', owners: [{ name: 'alice' }] }
    await expect(setOwners(landed, '@acme/a', before, [{ name: 'alice' }, { name: 'bob' }])).resolves.toBeUndefined()
    const raced = stubClient({ '/@acme%2fa': owned('alice', 'carol') }, { writeStatus: 409 })
    await expect(setOwners(raced, '@acme/a', before, [{ name: 'alice' }, { name: 'bob' }])).rejects.toMatchObject({ code: 'E409' })
    expect((await getOwners(raced, '@acme/a')).owners.map((o) => o.name)).toEqual(['alice', 'carol'])
  })
})
