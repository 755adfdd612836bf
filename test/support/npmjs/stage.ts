// Staged publishing: a version staged (npm stage publish), listed, viewed, downloaded, approved
// (proof of presence) or rejected.
import { randomUUID } from 'node:crypto'
import type { StagedVersion } from './types.js'
import { type Registry, type Call, type Answer, fail, ok, noContent, messages } from './common.js'
import { grantOn, signedIn, presence, permission, writable } from './auth.js'
import { npmUserOf, requireVersionsFree, release } from './packages.js'

/** A staged version as npm stage list/view show it (without the publish body). */
function stageItem({ body: _body, stagedBy: _by, ...item }: StagedVersion) {
  return item
}

/**
 * POST /-/stage/package/<name> with libnpmpublish's publish body (its `stage` option): the
 * version waits for approval. No one-time password: staging is meant to defer it; the package
 * must exist and the version be neither published nor staged.
 */
export function stagePublish(r: Registry, call: Call): Answer {
  const [name] = call.params
  const user = signedIn(r, call)
  const pkg = writable(r, name, user)
  const body = call.body
  const [version, ...more] = Object.keys(body.versions ?? {})
  if (!version || more.length || !Object.keys(body._attachments ?? {}).length) throw fail(400, 'A staged publish needs one version and its tarball.')
  requireVersionsFree(r, pkg, body)
  const npmUser = npmUserOf(r, user)
  const item: StagedVersion = {
    id: randomUUID(),
    packageName: name,
    version,
    tag: Object.keys(body['dist-tags'] ?? {})[0] ?? 'latest',
    createdAt: new Date().toISOString(),
    actor: String(npmUser.name),
    actorType: user.startsWith('oidc:') ? 'trusted-publisher' : 'user',
    shasum: String(body.versions[version].dist?.shasum ?? ''),
    stagedBy: user,
    body,
  }
  r.state.staged.set(item.id, item)
  return ok({ ok: true, stageId: item.id }, 201)
}

/** GET /-/stage?page=&perPage=&package=: staged versions of the packages the caller may publish. */
export function listStaged(r: Registry, call: Call): Answer {
  const user = signedIn(r, call)
  const only = call.query.get('package')
  const all = [...r.state.staged.values()].filter((item) => {
    const pkg = r.state.packages.get(item.packageName)
    const covered = !call.grant || grantOn(call.grant, item.packageName) !== 'no-access'
    return (!only || item.packageName === only) && pkg && covered && permission(r, pkg, user) === 'read-write'
  })
  // npm asks for 100 a page and stops at a shorter page, so the asked size is honoured
  const perPage = Math.min(Number(call.query.get('perPage')) || r.pageSize, 100)
  const page = Number(call.query.get('page')) || 0
  return ok({ items: all.slice(page * perPage, (page + 1) * perPage).map(stageItem), total: all.length, page, perPage })
}

/** The staged version a /-/stage/<id> path names; granular and trusted tokens are judged by its package. */
function stagedFor(r: Registry, call: Call, who: (r: Registry, call: Call) => string): { item: StagedVersion; user: string } {
  const item = r.state.staged.get(call.params[0])
  if (item) call.target = { kind: 'package', name: item.packageName }
  const user = who(r, call)
  if (!item) throw fail(404, messages.notFound)
  writable(r, item.packageName, user)
  return { item, user }
}

export function viewStaged(r: Registry, call: Call): Answer {
  return ok(stageItem(stagedFor(r, call, signedIn).item))
}

export function stagedTarball(r: Registry, call: Call): Answer {
  const { body } = stagedFor(r, call, signedIn).item
  const [attachment] = Object.values(body._attachments as Record<string, { data: string }>)
  return { status: 200, raw: Buffer.from(attachment.data, 'base64'), headers: { 'content-type': 'application/octet-stream' } }
}

/** POST /-/stage/<id>/approve: proof of presence, then the version is published (by whoever staged it). */
export function approveStaged(r: Registry, call: Call): Answer {
  const { item } = stagedFor(r, call, presence)
  const pkg = r.state.packages.get(item.packageName)!
  release(r, pkg, item.body, item.stagedBy, item)
  r.state.staged.delete(item.id)
  return ok({ ok: true, id: item.packageName, version: item.version, rev: pkg.doc._rev })
}

export function rejectStaged(r: Registry, call: Call): Answer {
  r.state.staged.delete(stagedFor(r, call, presence).item.id)
  return noContent()
}
