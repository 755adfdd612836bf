// The changes an org's access is made of, as plan changes: an owner added or removed (the owners
// read again just before, as npm owner does, so that changes to one package follow each other),
// a member of a team or of the org removed. Offboarding and policies build their plans from them.
import type { OrgPlan, OrgRole } from './orgs.js'
import { removeMember, setMember, setTeamMember } from './orgs.js'
import { getOwners, getUser, setOwners } from './owners.js'
import type { Change } from './plan.js'
import type { TeamName } from '../package/names.js'

/** `user` becomes an owner of `name` (npm owner add). */
export function ownerAdded(plan: OrgPlan, name: string, user: string, after: Change[] = []): Change {
  return {
    kind: 'owner',
    target: name,
    action: 'add',
    to: user,
    registry: plan.client.target.registry.url,
    after,
    apply: async () => {
      const [doc, person] = await Promise.all([getOwners(plan.client, name), getUser(plan.client, user)])
      if (doc.owners.some((o) => o.name === person.name)) return
      await setOwners(plan.client, name, doc, [...doc.owners, person])
    },
  }
}

/** `user` stops being an owner of `name` (npm owner rm); the registry refuses to leave none. */
export function ownerRemoved(plan: OrgPlan, name: string, user: string, after: Change[] = []): Change {
  return {
    kind: 'owner',
    target: name,
    action: 'remove',
    from: user,
    registry: plan.client.target.registry.url,
    risk: 'access-removed',
    after,
    apply: async () => {
      const doc = await getOwners(plan.client, name)
      const left = doc.owners.filter((o) => o.name !== user)
      if (left.length === doc.owners.length) return
      await setOwners(plan.client, name, doc, left)
    },
  }
}

export function teamMemberChange(plan: OrgPlan, team: TeamName, user: string, member: boolean, after: Change[] = []): Change {
  return {
    kind: 'team-member',
    target: team.id,
    action: member ? 'add' : 'remove',
    [member ? 'to' : 'from']: user,
    registry: plan.client.target.registry.url,
    ...(member ? {} : { risk: 'access-removed' as const }),
    after,
    apply: () => setTeamMember(plan, team, user, member),
  }
}

/** A member added or given another role (npm org set), or removed (npm org rm). */
export function orgMemberChange(plan: OrgPlan, user: string, from: OrgRole | undefined, to: OrgRole | undefined, after: Change[] = []): Change {
  const registry = plan.client.target.registry.url
  if (!to)
    return {
      kind: 'org-member',
      target: plan.org,
      action: 'remove',
      from: `${user} ${from}`,
      registry,
      risk: 'access-removed',
      after,
      apply: () => removeMember(plan, user),
    }
  return {
    kind: 'org-member',
    target: plan.org,
    action: from ? 'change' : 'add',
    ...(from ? { from: `${user} ${from}` } : {}),
    to: `${user} ${to}`,
    registry,
    after,
    apply: () => setMember(plan, user, to),
  }
}
