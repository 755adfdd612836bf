// Who can do what with an org's packages, worked out from its access (org-access.ts): one row per
// package, then what deserves a look.
import type { OrgAccess } from './org-access.js'
import { describeClaims, describePermissions } from './trust.js'

export interface ReportRow {
  package: string
  access: 'public' | 'restricted'
  /** owners and the members of teams with read-write */
  publishers: string[]
  /** everyone (public), else the publishers and the members of read-only teams */
  installers: string[] | 'everyone'
  /** trusted publishers in words; null when the registry would not show them */
  trust: string[] | null
}

export type FindingKind = 'sole-publisher' | 'no-trusted-publisher' | 'owner-outside-org' | 'public-in-private-scope'

export interface Finding {
  kind: FindingKind
  package: string
  user?: string
  message: string
}

export interface Report {
  org: string
  registry: string
  packages: ReportRow[]
  findings: Finding[]
}

const sorted = (names: Iterable<string>) => [...new Set(names)].sort(new Intl.Collator('en').compare)

export function accessReport(access: OrgAccess, registry: string): Report {
  const rows = access.packages.map((p): ReportRow => {
    const teamMembers = (permission: string) => access.teams.flatMap((t) => (t.packages[p.name] === permission ? t.members : []))
    const publishers = sorted([...(p.owners?.owners.map((o) => o.name) ?? []), ...teamMembers('read-write')])
    const visibility = p.access ?? 'restricted'
    return {
      package: p.name,
      access: visibility,
      publishers,
      installers: visibility === 'public' ? 'everyone' : sorted([...publishers, ...teamMembers('read-only')]),
      trust: p.trust ? p.trust.map((t) => `${t.type} ${describeClaims(t)} (${describePermissions(t.permissions)})`) : null,
    }
  })
  const findings: Finding[] = []
  const scope = `@${access.org}`
  for (const row of rows) {
    if (row.publishers.length === 1)
      findings.push({ kind: 'sole-publisher', package: row.package, user: row.publishers[0], message: `only ${row.publishers[0]} can publish it` })
    if (row.trust && !row.trust.length)
      findings.push({ kind: 'no-trusted-publisher', package: row.package, message: 'no trusted publisher: publishing needs a token' })
  }
  if (access.isOrg) {
    for (const p of access.packages)
      for (const o of p.owners?.owners ?? [])
        if (!(o.name in access.members))
          findings.push({ kind: 'owner-outside-org', package: p.name, user: o.name, message: `owner ${o.name} is not a member of ${scope}` })
  }
  const restricted = rows.filter((r) => r.access === 'restricted').length
  if (restricted > rows.length - restricted) {
    for (const row of rows)
      if (row.access === 'public')
        findings.push({
          kind: 'public-in-private-scope',
          package: row.package,
          message: `public, while ${restricted} of the ${rows.length} packages of ${scope} are private`,
        })
  }
  return { org: scope, registry, packages: rows, findings }
}
