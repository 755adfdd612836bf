// Staged publishing (`npm stage`): versions uploaded to the registry's queue that a person
// approves, with two-factor authentication, before anyone can install them. The requests npm 11
// sends (lib/commands/stage/*.js): GET /-/stage (pages of 100), GET /-/stage/<id> and its
// tarball, POST /-/stage/<id>/approve, DELETE /-/stage/<id>.
import type { RegistryClient } from './client.js'
import { PkgsError, usageError } from './errors.js'
import { isStatus, unsupportedBy, type Target } from './registry.js'

export interface StagedVersion {
  id: string
  packageName: string
  version: string
  tag?: string
  createdAt?: string
  actor?: string
  actorType?: string
  shasum?: string
  [key: string]: unknown
}

export const stageWhat = 'staged publishing (npm stage)'

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function isStageId(value: string): boolean {
  return uuid.test(value)
}

/** A stage id, checked before any request (npm's validateUUID). */
export function validateStageId(value: string): string {
  if (!isStageId(value))
    throw usageError(`"${value}" is not a stage id: those are UUIDs, such as 3f2b8c1e-…`, 'See the staged versions and their ids with: pkgs stage ls')
  return value
}

function unsupported(err: unknown, target: Target): unknown {
  return unsupportedBy(err, target, 'stage', stageWhat) ?? err
}

/** What a registry's 404 for one stage id means, with where to see the ids there are. */
function unknownId(err: unknown, target: Target, id: string): unknown {
  if (!isStatus(err, 404)) return unsupported(err, target)
  return new PkgsError(
    'E404',
    `Nothing is staged with the id ${id} on ${target.registry.url}: it was approved or rejected already, was never staged, or is not yours to decide.`,
    {
      hint: 'See what is staged with: pkgs stage ls',
      cause: err,
    },
  )
}

/**
 * The packages a staged version depends on, when the registry's list gives its manifest (or its
 * dependency maps); undefined when it does not.
 */
export function stagedDependencies(item: StagedVersion): string[] | undefined {
  const manifest = item.manifest && typeof item.manifest === 'object' ? (item.manifest as Record<string, unknown>) : item
  const maps = ['dependencies', 'optionalDependencies', 'peerDependencies'].map((f) => manifest[f]).filter((m) => m && typeof m === 'object')
  return maps.length ? [...new Set(maps.flatMap((m) => Object.keys(m as object)))] : undefined
}

const perPage = 100

/** Every staged version the user may publish (of one package, if named): all pages, as npm stage list. */
export async function listStaged(client: RegistryClient, packageName?: string): Promise<StagedVersion[]> {
  const { target } = client
  const items: StagedVersion[] = []
  try {
    for (let page = 0; ; page++) {
      const query = new URLSearchParams({ page: String(page), perPage: String(perPage), ...(packageName ? { package: packageName } : {}) })
      const res = await client.json<{ items?: unknown; total?: unknown }>(`/-/stage?${query}`, { preferOnline: true })
      const got = Array.isArray(res.body.items) ? (res.body.items as StagedVersion[]) : []
      items.push(...got)
      if (got.length < perPage || items.length >= Number(res.body.total ?? 0)) return items
    }
  } catch (err) {
    throw unsupported(err, target)
  }
}

/** GET /-/stage/<id> (`npm stage view`). */
export async function viewStaged(client: RegistryClient, id: string): Promise<StagedVersion> {
  const { target } = client
  try {
    return (await client.json<StagedVersion>(`/-/stage/${id}`, { preferOnline: true })).body
  } catch (err) {
    throw unknownId(err, target, id)
  }
}

/** GET /-/stage/<id>/tarball (`npm stage download`). */
export async function downloadStaged(client: RegistryClient, id: string): Promise<Buffer> {
  const { target } = client
  const { default: fetch } = await import('npm-registry-fetch')
  try {
    const res = await client.call((opts) => fetch(client.url(`/-/stage/${id}/tarball`), opts))
    return Buffer.from(await res.arrayBuffer())
  } catch (err) {
    throw unknownId(err, target, id)
  }
}

/** POST /-/stage/<id>/approve (approve: the version is published) or DELETE /-/stage/<id> (reject), with two-factor authentication. */
export async function decideStaged(client: RegistryClient, id: string, decision: 'approve' | 'reject'): Promise<void> {
  const { target } = client
  const { default: fetch } = await import('npm-registry-fetch')
  const path = decision === 'approve' ? `/-/stage/${id}/approve` : `/-/stage/${id}`
  const method = decision === 'approve' ? 'POST' : 'DELETE'
  try {
    await client.write((opts) => fetch(client.url(path), { ...opts, method, ignoreBody: true }))
  } catch (err) {
    throw unknownId(err, target, id)
  }
}
