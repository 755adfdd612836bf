// Package owners, with the requests `npm owner` sends: the user's document, the full package
// document (fresh), and the maintainers written back under the document's revision.
import type { RegistryClient } from './client.js'
import { PkgsError } from './errors.js'
import { isStatus, requireWorkflow, unsupportedBy, unsupportedByKind, type Target } from './registry.js'
import { escapedName } from '../package/names.js'

export interface Owner {
  name: string
  email?: string
}

export interface OwnersDocument {
  id: string
  rev: string
  owners: Owner[]
}

export const ownersWhat = 'package owners (npm owner)'

/** The owners in the package's full document (`npm owner ls`). */
export async function getOwners(client: RegistryClient, name: string): Promise<OwnersDocument> {
  const { target } = client
  requireWorkflow(target, 'share', ownersWhat)
  let res
  try {
    // pacote's full-metadata request: the abbreviated document has no maintainers
    res = await client.json<{ _id?: string; _rev?: string; maintainers?: unknown }>(`/${escapedName(name)}`, {
      preferOnline: true,
      headers: { accept: 'application/json' },
    })
  } catch (err) {
    // a missing package is a 404 on every registry, with owners or without: say that, not "unsupported"
    if (isStatus(err, 404)) throw err
    throw unsupportedBy(err, target, 'share', ownersWhat) ?? err
  }
  const owners = Array.isArray(res.body.maintainers) ? (res.body.maintainers as Owner[]).filter((m) => m && typeof m.name === 'string') : []
  if (!owners.length) {
    // an npm registry records who published a package; one that does not keeps no owners at all
    throw unsupportedByKind(
      target,
      res.headers,
      'share',
      ownersWhat,
      `Its package documents list no owners: who may publish ${name} is decided in the registry's own settings.`,
    )!
  }
  // kept as the registry wrote them: they are sent back as they are
  return { id: res.body._id ?? name, rev: String(res.body._rev ?? ''), owners }
}

export function noSuchUser(user: string, target: Target, cause: unknown): PkgsError {
  return new PkgsError('E404', `There is no user "${user}" on ${target.registry.url}.`, {
    hint: 'Check the spelling: give the user name as the registry knows it (pkgs whoami prints it on their machine).',
    cause,
  })
}

/** The user as the registry knows them (`npm owner add` looks them up first). */
export async function getUser(client: RegistryClient, user: string): Promise<Owner> {
  try {
    const res = await client.json<{ name?: string; email?: string }>(`/-/user/org.couchdb.user:${encodeURIComponent(user)}`)
    return { name: res.body.name ?? user, email: res.body.email }
  } catch (err) {
    if (isStatus(err, 404)) throw noSuchUser(user, client.target, err)
    throw err
  }
}

/** PUT /<pkg>/-rev/<rev> {_id, _rev, maintainers}, as `npm owner add|rm` does. */
export async function setOwners(client: RegistryClient, name: string, doc: OwnersDocument, maintainers: Owner[]): Promise<void> {
  const { target } = client
  const { default: fetch } = await import('npm-registry-fetch')
  const url = client.url(`/${escapedName(name)}/-rev/${encodeURIComponent(doc.rev)}`)
  const body = { _id: doc.id, _rev: doc.rev, maintainers }
  try {
    await client.write((opts) => fetch.json(url, { ...opts, method: 'PUT', body }), { packageName: name })
  } catch (err) {
    const unsupported = unsupportedBy(err, target, 'share', ownersWhat)
    if (unsupported) throw unsupported
    // a write retried after a timeout or a 503 may have landed the first time: its retry then
    // meets the new revision; the owners as asked is success, anything else a real conflict
    if (isStatus(err, 409) && (await ownedBy(client, name, maintainers))) return
    if (isStatus(err, 409)) {
      throw new PkgsError('E409', `The owners of ${name} changed while this ran.`, { hint: 'Run it again: it reads the current owners first.', cause: err })
    }
    if (isStatus(err, 403)) {
      throw new PkgsError('E403', `You may not change the owners of ${name} on ${target.registry.url}: only its owners can.`, {
        hint: `Ask one of them (pkgs owners ${name} lists them).`,
        cause: err,
      })
    }
    throw err
  }
}

async function ownedBy(client: RegistryClient, name: string, maintainers: Owner[]): Promise<boolean> {
  const now = await getOwners(client, name).catch(() => undefined)
  const names = (owners: Owner[]) =>
    owners
      .map((o) => o.name)
      .sort()
      .join('\n')
  return now !== undefined && names(now.owners) === names(maintainers)
}
