// Access: visibility and the 2FA policy of a package, its collaborators, and the packages of a user
// or an org.
import type { Permission, StoredPackage } from './types.js'
import { type Registry, type Call, type Answer, fail, ok, messages, scopeOf, wire } from './common.js'
import { caller, writer, orgOf, permission, readable, writable, requireScopedPaid, findOrg } from './auth.js'

/** POST /-/package/<name>/access: `access` (scoped packages only) and the 2FA policy. */
export function setAccess(r: Registry, call: Call): Answer {
  const [name] = call.params
  const user = writer(r, call)
  const pkg = writable(r, name, user)
  const { access, publish_requires_tfa, automation_token_overrides_tfa } = call.body
  if (access !== undefined) {
    if (!scopeOf(name)) throw fail(400, 'Only scoped packages can be made private.')
    if (access !== 'public' && access !== 'restricted') throw fail(400, `Invalid access: ${access}`)
    if (access === 'restricted') requireScopedPaid(r, name)
    pkg.access = access
  }
  if (typeof publish_requires_tfa === 'boolean') pkg.mfa.publish_requires_tfa = publish_requires_tfa
  if (typeof automation_token_overrides_tfa === 'boolean') pkg.mfa.automation_token_overrides_tfa = automation_token_overrides_tfa
  return ok({})
}

export function visibility(r: Registry, call: Call): Answer {
  return ok({ public: readable(r, call.params[0], caller(r, call)).access === 'public' })
}

export function collaborators(r: Registry, call: Call): Answer {
  const [name] = call.params
  const pkg = readable(r, name, caller(r, call))
  const result: Record<string, Permission> = {}
  for (const m of pkg.doc.maintainers) result[m.name] = 'read-write'
  for (const team of orgOf(r, name)?.teams.values() ?? []) {
    const perm = team.packages.get(name)
    for (const member of perm ? team.members : []) if (result[member] !== 'read-write') result[member] = perm!
  }
  return ok(wire(result, call.query))
}

/** Packages the caller may see, with the permission `pick` gives each (none: left out). */
export function packagesList(r: Registry, call: Call, pick: (pkg: StoredPackage) => Permission | undefined): Answer {
  const viewer = caller(r, call)
  const result: Record<string, Permission> = {}
  for (const pkg of r.state.packages.values()) {
    if (pkg.access === 'restricted' && !permission(r, pkg, viewer)) continue
    const perm = pick(pkg)
    if (perm) result[pkg.doc.name] = perm
  }
  return ok(wire(result, call.query))
}

export function userPackages(r: Registry, call: Call): Answer {
  const name = call.params[0]
  if (!r.state.users.has(name)) throw fail(404, messages.notFound)
  return packagesList(r, call, (pkg) => permission(r, pkg, name))
}

export function orgPackages(r: Registry, call: Call): Answer {
  const [orgName] = call.params
  findOrg(r, orgName)
  const viewer = caller(r, call)
  return packagesList(r, call, (pkg) => (scopeOf(pkg.doc.name) === `@${orgName}` ? (permission(r, pkg, viewer) ?? 'read-only') : undefined))
}
