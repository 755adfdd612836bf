// Packages: packuments (full and abbreviated), tarballs, publish (new package, new versions,
// metadata), maintainers and dist-tags.
import type { StoredPackage, TrustConfig, StagedVersion, Packument, Manifest, Person } from './types.js'
import { type Registry, type Call, type Answer, type Body, fail, ok, messages, scopeOf } from './common.js'
import { caller, signedIn, demandOtp, writer, orgOf, readable, writable, requireScopedPaid, bumpRev, requireUserExists } from './auth.js'

// who npmjs names as the publisher (_npmUser) of a trusted publish: GitHub's is npmjs's own, the others follow it
const trustedPublisherUsers: Record<TrustConfig['type'], { name: string; email: string }> = {
  github: { name: 'GitHub Actions', email: 'npm-oidc-no-reply@github.com' },
  gitlab: { name: 'GitLab CI/CD', email: 'npm-oidc-no-reply@gitlab.com' },
  circleci: { name: 'CircleCI', email: 'npm-oidc-no-reply@circleci.com' },
}

// what npmjs keeps of a version in the abbreviated ("corgi") document npm installs from
const installFields = [
  'name',
  'version',
  'dependencies',
  'optionalDependencies',
  'devDependencies',
  'bundleDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'acceptDependencies',
  'bin',
  'directories',
  'dist',
  'engines',
  '_hasShrinkwrap',
  'hasInstallScript',
  'os',
  'cpu',
  'libc',
  'deprecated',
  'funding',
  'license',
]

const corgiType = 'application/vnd.npm.install-v1+json'

function abbreviated(doc: Packument) {
  const versions: Record<string, Manifest> = {}
  for (const [version, manifest] of Object.entries(doc.versions)) {
    versions[version] = Object.fromEntries(installFields.filter((f) => f in manifest).map((f) => [f, manifest[f]]))
  }
  return { name: doc.name, modified: doc.time.modified, 'dist-tags': doc['dist-tags'], versions }
}

export function packument(r: Registry, call: Call): Answer {
  const pkg = readable(r, call.params[0], caller(r, call))
  const accept = String(call.req.headers.accept ?? '')
  if (accept.includes(corgiType)) return { status: 200, body: abbreviated(pkg.doc), headers: { 'content-type': corgiType } }
  return ok(pkg.doc)
}

export function tarball(r: Registry, call: Call): Answer {
  const [name, file] = call.params
  const data = readable(r, name, caller(r, call)).tarballs.get(file)
  if (!data) throw fail(404, messages.notFound)
  return { status: 200, raw: data, headers: { 'content-type': 'application/octet-stream' } }
}

/** Who may create a package in this scope: its user, or a member of its org. */
function checkScopeForNewPackage(r: Registry, name: string, user: string): void {
  const scope = scopeOf(name)?.slice(1)
  if (!scope || scope === user) return
  const org = r.state.orgs.get(scope)
  if (org?.members.has(user)) return
  if (org || r.state.users.has(scope)) throw fail(403, messages.noPermission(name))
  throw fail(404, 'Scope not found')
}

export function createPackage(r: Registry, name: string, user: string, access: StoredPackage['access']): StoredPackage {
  const doc: Packument = {
    _id: name,
    _rev: '0-new',
    name,
    'dist-tags': {},
    versions: {},
    maintainers: [{ name: user, email: r.state.users.get(user)!.email }],
    time: { created: new Date().toISOString() },
  }
  const pkg: StoredPackage = { doc, access, tarballs: new Map(), mfa: { publish_requires_tfa: false, automation_token_overrides_tfa: false }, trust: [] }
  // npmjs: the developers team gets read-write on every new package of the org
  orgOf(r, name)?.teams.get('developers')?.packages.set(name, 'read-write')
  r.state.packages.set(name, pkg)
  return pkg
}

/** The publisher npmjs records: the user, or the CI of a trusted publisher (with its config). */
export function npmUserOf(r: Registry, principal: string): Record<string, unknown> {
  const [kind, type, id] = principal.split(':')
  if (kind !== 'oidc') return { name: principal, email: r.state.users.get(principal)!.email }
  return { ...trustedPublisherUsers[type as TrustConfig['type']], trustedPublisher: { id: type, oidcConfigId: `oidc:${id}` } }
}

export function addVersions(r: Registry, pkg: StoredPackage, body: Body, user: string): void {
  const base = pkg.doc.name.split('/').pop()
  const npmUser = npmUserOf(r, user)
  for (const [version, manifest] of Object.entries((body.versions ?? {}) as Record<string, Manifest>)) {
    const dist = { ...manifest.dist, tarball: `${r.url}${pkg.doc.name}/-/${base}-${version}.tgz` }
    pkg.doc.versions[version] = { ...manifest, dist, _npmUser: npmUser, maintainers: pkg.doc.maintainers }
    pkg.doc.time[version] = new Date().toISOString()
  }
  Object.assign(pkg.doc['dist-tags'], body['dist-tags'] ?? {})
  for (const [file, attachment] of Object.entries((body._attachments ?? {}) as Record<string, { data: string }>)) {
    pkg.tarballs.set(file.split('/').pop()!, Buffer.from(attachment.data, 'base64'))
  }
  const latest = pkg.doc.versions[pkg.doc['dist-tags'].latest]
  if (latest)
    for (const field of ['description', 'license', 'repository', 'homepage', 'keywords', 'author']) if (field in latest) pkg.doc[field] = latest[field]
  bumpRev(pkg.doc)
}

/**
 * PUT /<name> with libnpmpublish's body. A new scoped package is restricted unless `access` is
 * 'public'; on an existing package an explicit `access` changes it, as `npm access set status`
 * would (npm's documented behaviour). A body with no new version is a metadata update, as
 * `npm deprecate` sends it.
 */
export function publish(r: Registry, call: Call): Answer {
  const [name] = call.params
  const user = writer(r, call)
  const body = call.body
  const access = body.access === 'public' || body.access === 'restricted' ? (body.access as StoredPackage['access']) : undefined
  const existing = r.state.packages.get(name)
  const sent = Object.keys(body.versions ?? {})
  const attached = Object.keys(body._attachments ?? {}).length > 0
  if (existing && !attached && sent.every((v) => existing.doc.versions[v])) {
    writable(r, name, user)
    return updateMetadata(existing, body)
  }
  if (!sent.length || !attached) throw fail(400, 'A publish needs a version and its tarball.')
  if (!existing) {
    checkScopeForNewPackage(r, name, user)
    const initial = access ?? (scopeOf(name) ? 'restricted' : 'public')
    if (initial === 'restricted') requireScopedPaid(r, name)
    addVersions(r, createPackage(r, name, user, initial), body, user)
    return ok({ ok: true, id: name, rev: r.state.packages.get(name)!.doc._rev })
  }
  writable(r, name, user)
  const { publish_requires_tfa, automation_token_overrides_tfa } = existing.mfa
  demandOtp(r, call, user, { required: publish_requires_tfa, bypassable: !publish_requires_tfa || automation_token_overrides_tfa })
  release(r, existing, body, user)
  return ok({ ok: true, id: name, rev: existing.doc._rev })
}

/** Versions of the body already published or staged (npmjs: staged versions hold their number too). */
export function requireVersionsFree(r: Registry, pkg: StoredPackage, body: Body, staging?: StagedVersion): void {
  const stagedElsewhere = (v: string) => [...r.state.staged.values()].some((s) => s !== staging && s.packageName === pkg.doc.name && s.version === v)
  const taken = Object.keys(body.versions ?? {}).filter((v) => pkg.doc.versions[v] || stagedElsewhere(v))
  if (taken.length) throw fail(403, messages.publishedOver(taken))
}

/** New versions of an existing package, as a publish or an approved stage brings them. */
export function release(r: Registry, pkg: StoredPackage, body: Body, user: string, staging?: StagedVersion): void {
  requireVersionsFree(r, pkg, body, staging)
  const access = body.access === 'public' || body.access === 'restricted' ? (body.access as StoredPackage['access']) : undefined
  if (access === 'restricted' && pkg.access !== 'restricted') requireScopedPaid(r, pkg.doc.name)
  if (access && scopeOf(pkg.doc.name)) pkg.access = access
  addVersions(r, pkg, body, user)
}

function updateMetadata(pkg: StoredPackage, body: Body): Answer {
  for (const [version, manifest] of Object.entries((body.versions ?? {}) as Record<string, Manifest>)) {
    const stored = pkg.doc.versions[version]
    if (manifest.deprecated) stored.deprecated = manifest.deprecated
    else delete stored.deprecated
  }
  bumpRev(pkg.doc)
  return ok({ ok: true, id: pkg.doc.name, rev: pkg.doc._rev })
}

/** PUT /<name>/-rev/<rev> with new maintainers, as npm owner add/rm sends it. */
export function setMaintainers(r: Registry, call: Call): Answer {
  const [name, rev] = call.params
  const user = writer(r, call)
  const pkg = writable(r, name, user)
  if (rev !== pkg.doc._rev || (call.body._rev && call.body._rev !== pkg.doc._rev)) throw fail(409, 'Document update conflict.')
  const maintainers = (call.body.maintainers ?? []) as Person[]
  if (!Array.isArray(maintainers) || !maintainers.length) throw fail(400, 'A package needs at least one maintainer.')
  pkg.doc.maintainers = maintainers.map((m) => ({ name: requireUserExists(r, m.name), email: r.state.users.get(m.name)!.email }))
  bumpRev(pkg.doc)
  return ok({ ok: true, id: name, rev: pkg.doc._rev })
}

export function distTags(r: Registry, call: Call): Answer {
  return ok(readable(r, call.params[0], caller(r, call)).doc['dist-tags'])
}

/** PUT /-/package/<name>/dist-tags/<tag> with the version as a JSON string. */
export function setDistTag(r: Registry, call: Call): Answer {
  const [name, tag] = call.params
  const user = signedIn(r, call)
  // npmjs's documented exception: only the `latest` tag is subject to 2FA
  if (tag === 'latest') demandOtp(r, call, user)
  const pkg = writable(r, name, user)
  const version = call.value
  if (typeof version !== 'string' || !pkg.doc.versions[version]) throw fail(404, `version not found: ${String(version)}`)
  pkg.doc['dist-tags'][tag] = version
  bumpRev(pkg.doc)
  return ok({ ok: true }, 201)
}

export function removeDistTag(r: Registry, call: Call): Answer {
  const [name, tag] = call.params
  const pkg = writable(r, name, signedIn(r, call))
  if (tag === 'latest') throw fail(400, 'The latest tag cannot be removed.')
  if (!pkg.doc['dist-tags'][tag]) throw fail(404, messages.notFound)
  delete pkg.doc['dist-tags'][tag]
  bumpRev(pkg.doc)
  return ok({ ok: true })
}
