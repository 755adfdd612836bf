// Organisations and teams: members and roles, teams, their members and the packages granted to
// them.
import type { OrgRole } from './types.js'
import { type Registry, type Call, type Answer, fail, ok, noContent, messages } from './common.js'
import { signedIn, writer, findOrg, findTeam, requireOrgAdmin, requireOrgOwner, requireUserExists } from './auth.js'
import { packagesList } from './access.js'

export function orgMembers(r: Registry, call: Call): Answer {
  signedIn(r, call)
  return ok(Object.fromEntries(findOrg(r, call.params[0]).members))
}

/** PUT /-/org/<org>/user {user, role}: npm/registry's org membership API. */
export function setOrgMember(r: Registry, call: Call): Answer {
  const [orgName] = call.params
  const org = requireOrgOwner(r, orgName, writer(r, call))
  const user = requireUserExists(r, call.body.user)
  // the API still takes npmjs's archaic role names
  const aliases: Record<string, OrgRole> = { developer: 'developer', admin: 'admin', owner: 'owner', 'team-admin': 'admin', 'super-admin': 'owner' }
  const role = aliases[call.body.role ?? 'developer']
  if (!role) throw fail(400, `Invalid role: ${call.body.role}`)
  if (!org.members.has(user)) org.teams.get('developers')?.members.add(user)
  org.members.set(user, role)
  return ok({ org: { name: orgName, size: org.members.size }, user, role }, 201)
}

export function removeOrgMember(r: Registry, call: Call): Answer {
  const caller = writer(r, call)
  const user = requireUserExists(r, call.body.user)
  const org = user === caller ? findOrg(r, call.params[0]) : requireOrgOwner(r, call.params[0], caller)
  if (!org.members.delete(user)) throw fail(404, `${user} is not a member of ${call.params[0]}`)
  for (const team of org.teams.values()) team.members.delete(user)
  return noContent()
}

export function orgTeams(r: Registry, call: Call): Answer {
  signedIn(r, call)
  const [orgName] = call.params
  return ok([...findOrg(r, orgName).teams.keys()].map((team) => `${orgName}:${team}`))
}

export function createTeam(r: Registry, call: Call): Answer {
  const [orgName] = call.params
  const org = requireOrgAdmin(r, orgName, writer(r, call))
  const { name, description } = call.body
  if (typeof name !== 'string' || !name) throw fail(400, 'name is required')
  if (org.teams.has(name)) throw fail(409, `Team ${orgName}:${name} already exists`)
  org.teams.set(name, { description, members: new Set(), packages: new Map() })
  return ok({ name, description: description ?? null }, 201)
}

export function destroyTeam(r: Registry, call: Call): Answer {
  const [orgName, teamName] = call.params
  const org = requireOrgAdmin(r, orgName, writer(r, call))
  findTeam(r, orgName, teamName)
  if (teamName === 'developers') throw fail(403, 'The developers team cannot be removed.')
  org.teams.delete(teamName)
  return noContent()
}

export function teamMembers(r: Registry, call: Call): Answer {
  signedIn(r, call)
  return ok([...findTeam(r, call.params[0], call.params[1]).members])
}

export function addTeamMember(r: Registry, call: Call): Answer {
  const [orgName, teamName] = call.params
  const org = requireOrgAdmin(r, orgName, writer(r, call))
  const team = findTeam(r, orgName, teamName)
  const user = requireUserExists(r, call.body.user)
  if (!org.members.has(user)) throw fail(403, `${user} is not a member of ${orgName}`)
  team.members.add(user)
  return ok({}, 201)
}

export function removeTeamMember(r: Registry, call: Call): Answer {
  const [orgName, teamName] = call.params
  requireOrgAdmin(r, orgName, writer(r, call))
  const team = findTeam(r, orgName, teamName)
  if (!team.members.delete(requireUserExists(r, call.body.user))) throw fail(404, `${call.body.user} is not in ${orgName}:${teamName}`)
  return noContent()
}

export function teamPackages(r: Registry, call: Call): Answer {
  signedIn(r, call)
  const team = findTeam(r, call.params[0], call.params[1])
  return packagesList(r, call, (pkg) => team.packages.get(pkg.doc.name))
}

/** PUT /-/team/<org>/<team>/package {package, permissions}: libnpmaccess's grant. */
export function grant(r: Registry, call: Call): Answer {
  const [orgName, teamName] = call.params
  requireOrgAdmin(r, orgName, writer(r, call))
  const team = findTeam(r, orgName, teamName)
  const { package: name, permissions } = call.body
  if (permissions !== 'read-only' && permissions !== 'read-write') throw fail(400, 'permissions must be read-only or read-write')
  if (!r.state.packages.has(name)) throw fail(404, messages.notFound)
  team.packages.set(name, permissions)
  return ok({}, 201)
}

export function revoke(r: Registry, call: Call): Answer {
  const [orgName, teamName] = call.params
  requireOrgAdmin(r, orgName, writer(r, call))
  const team = findTeam(r, orgName, teamName)
  if (!team.packages.delete(call.body.package)) throw fail(404, messages.notFound)
  return noContent()
}
