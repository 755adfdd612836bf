// An organisation's access as a file (pkgs-policy.yaml, or .json): read and checked with the
// line and key of every mistake, its patterns resolved over the org's packages (the most specific
// pattern wins, key by key), compared with what the registry has (org-access.ts) into a plan in a
// safe order, and written from what the registry has (export). The `yaml` library keeps comments
// and order when a file is written again.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml'
import { orgMemberChange, ownerAdded, ownerRemoved, teamMemberChange } from './access-changes.js'
import { usageError, type PkgsError } from './errors.js'
import type { OrgAccess } from './org-access.js'
import { createTeam, destroyTeam, orgRoles, type OrgPlan, type OrgRole } from './orgs.js'
import { grantTeam, revokeTeam, type Permission } from './permissions.js'
import type { Change } from './plan.js'
import { addTrust, permissionNames, revokeTrust, sameTrust, trustClaims, type Provider, type TrustConfiguration } from './trust.js'
import { setMfa, setVisibility, type MfaLevel } from './visibility.js'

type Access = 'restricted' | 'public'

export interface TrustSpec {
  provider: Provider
  repo?: string
  project?: string
  file?: string
  env?: string
  'org-id'?: string
  'project-id'?: string
  'pipeline-definition-id'?: string
  'vcs-origin'?: string
  'context-ids'?: string[]
  allow: ('publish' | 'stage')[]
}

export interface PackageSpec {
  access?: Access
  mfa?: MfaLevel
  maintainers?: string[]
  trust?: TrustSpec[]
}

export interface TeamSpec {
  description?: string
  members?: string[]
  packages?: Record<string, Permission>
}

export interface Policy {
  org: string
  registry?: string
  members?: Record<string, OrgRole>
  teams?: Record<string, TeamSpec | null>
  packages?: Record<string, PackageSpec>
}

/** A policy file as read: the policy, and where each key is (for messages). */
export interface PolicyFile {
  path: string
  policy: Policy
  /** the line of a key path, e.g. ['teams', 'devs', 'members'] */
  lineOf(path: (string | number)[]): number | undefined
}

function located(file: string, line: number | undefined, key: string, message: string, hint?: string): PkgsError {
  return usageError(`${file}${line ? `:${line}` : ''}: ${key ? `${key}: ` : ''}${message}`, hint)
}

const roles = orgRoles as readonly string[]
const permissions = ['read-only', 'read-write']
const providers = ['github', 'gitlab', 'circleci']
const trustKeys = ['provider', 'repo', 'project', 'file', 'env', 'org-id', 'project-id', 'pipeline-definition-id', 'vcs-origin', 'context-ids', 'allow']

/** Parse and check a policy file's text; every mistake is exit 2 naming the file, the line and the key. */
export function parsePolicy(path: string, text: string): PolicyFile {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false })
  if (doc.errors.length) {
    const e = doc.errors[0]
    throw located(path, lines.linePos(e.pos[0]).line, '', e.message.split('\n')[0])
  }
  const lineOf = (keys: (string | number)[]): number | undefined => {
    let node: unknown = doc.contents
    let line: number | undefined
    for (const k of keys) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === k)
        if (!pair) return line
        const key = pair.key as { range?: [number, number, number] }
        if (key.range) line = lines.linePos(key.range[0]).line
        node = pair.value
      } else if (node && typeof node === 'object' && 'items' in node && typeof k === 'number') {
        node = (node as { items: unknown[] }).items[k]
        const range = (node as { range?: [number, number, number] } | undefined)?.range
        if (range) line = lines.linePos(range[0]).line
      } else return line
    }
    return line
  }
  const fail = (keys: (string | number)[], message: string, hint?: string) => located(path, lineOf(keys), keys.join('.'), message, hint)
  const raw = doc.toJS() as unknown
  const isObject = (v: unknown): v is Record<string, unknown> => Boolean(v) && typeof v === 'object' && !Array.isArray(v)
  const only = (v: Record<string, unknown>, keys: string[], at: string[]) => {
    for (const k of Object.keys(v)) if (!keys.includes(k)) throw fail([...at, k], `unknown key "${k}".`, `Known here: ${keys.join(', ')}.`)
  }
  const oneOf = (v: unknown, values: readonly string[], at: (string | number)[]) => {
    if (typeof v !== 'string' || !values.includes(v)) throw fail(at, `${JSON.stringify(v)} is not one of ${values.join(', ')}.`)
  }
  const users = (v: unknown, at: (string | number)[], nonEmpty = false) => {
    if (!Array.isArray(v) || v.some((u) => typeof u !== 'string' || !u)) throw fail(at, 'a list of user names is expected, e.g. [alice, bob].')
    if (nonEmpty && !v.length) throw fail(at, 'a package is never left without maintainers: name at least one.')
  }
  if (!isObject(raw)) throw located(path, 1, '', 'a policy is a mapping with at least "org".', 'Start with: org: acme')
  only(raw, ['$schema', 'org', 'registry', 'members', 'teams', 'packages'], [])
  if (typeof raw.org !== 'string' || !/^@?[a-z0-9][a-z0-9._-]*$/.test(raw.org)) throw fail(['org'], 'the organisation\'s name is required, e.g. "org: acme".')
  const org = raw.org.replace(/^@/, '')
  if (raw.registry !== undefined && (typeof raw.registry !== 'string' || !/^https?:\/\//.test(raw.registry)))
    throw fail(['registry'], 'a registry is an http(s):// URL.')
  if (raw.members !== undefined) {
    if (!isObject(raw.members)) throw fail(['members'], 'a mapping of user: role is expected.')
    for (const [u, role] of Object.entries(raw.members)) oneOf(role, roles, ['members', u])
  }
  const pattern = (p: string, at: (string | number)[]) => {
    if (!p.startsWith(`@${org}/`)) throw fail(at, `"${p}" is not a package of @${org}: patterns start with @${org}/.`)
  }
  if (raw.teams !== undefined) {
    if (!isObject(raw.teams)) throw fail(['teams'], 'a mapping of team: settings is expected.')
    for (const [name, spec] of Object.entries(raw.teams)) {
      if (spec === null) continue
      if (!isObject(spec)) throw fail(['teams', name], 'a mapping (description, members, packages) or null (destroy it) is expected.')
      only(spec, ['description', 'members', 'packages'], ['teams', name])
      if (spec.description !== undefined && typeof spec.description !== 'string') throw fail(['teams', name, 'description'], 'text is expected.')
      if (spec.members !== undefined) users(spec.members, ['teams', name, 'members'])
      if (spec.packages !== undefined) {
        if (!isObject(spec.packages)) throw fail(['teams', name, 'packages'], 'a mapping of package pattern: read-only | read-write is expected.')
        for (const [p, perm] of Object.entries(spec.packages)) {
          pattern(p, ['teams', name, 'packages', p])
          oneOf(perm, permissions, ['teams', name, 'packages', p])
        }
      }
    }
  }
  if (raw.packages !== undefined) {
    if (!isObject(raw.packages)) throw fail(['packages'], 'a mapping of package pattern: settings is expected.')
    for (const [p, spec] of Object.entries(raw.packages)) {
      pattern(p, ['packages', p])
      if (!isObject(spec)) throw fail(['packages', p], 'a mapping (access, mfa, maintainers, trust) is expected.')
      only(spec, ['access', 'mfa', 'maintainers', 'trust'], ['packages', p])
      if (spec.access !== undefined) oneOf(spec.access, ['restricted', 'public'], ['packages', p, 'access'])
      if (spec.mfa !== undefined) oneOf(spec.mfa, ['none', 'publish', 'automation'], ['packages', p, 'mfa'])
      if (spec.maintainers !== undefined) users(spec.maintainers, ['packages', p, 'maintainers'], true)
      if (spec.trust !== undefined) {
        if (!Array.isArray(spec.trust)) throw fail(['packages', p, 'trust'], 'a list of trusted publishers is expected ([] for none).')
        spec.trust.forEach((t: unknown, i: number) => {
          const at = ['packages', p, 'trust', i]
          if (!isObject(t)) throw fail(at, 'a mapping with provider, its fields and allow is expected.')
          for (const k of Object.keys(t)) if (!trustKeys.includes(k)) throw fail([...at, k], `unknown key "${k}".`, `Known here: ${trustKeys.join(', ')}.`)
          oneOf(t.provider, providers, [...at, 'provider'])
          if (!Array.isArray(t.allow) || !t.allow.length || t.allow.some((a) => a !== 'publish' && a !== 'stage'))
            throw fail([...at, 'allow'], 'a list of publish and/or stage is expected.')
          try {
            trustClaims(t.provider as Provider, trustOptions(t as unknown as TrustSpec))
          } catch (err) {
            throw fail(at, (err as Error).message.replace(/--([a-z-]+)/g, '$1'))
          }
        })
      }
    }
  }
  return { path, policy: { ...(raw as unknown as Policy), org }, lineOf }
}

function trustOptions(t: TrustSpec) {
  return {
    repository: t.repo ?? t.project,
    file: t.file,
    environment: t.env,
    orgId: t['org-id'],
    projectId: t['project-id'],
    pipelineDefinitionId: t['pipeline-definition-id'],
    vcsOrigin: t['vcs-origin'],
    contextIds: t['context-ids'],
  }
}

export function trustOf(t: TrustSpec): TrustConfiguration {
  return {
    type: t.provider,
    claims: trustClaims(t.provider, trustOptions(t)),
    permissions: t.allow.map((a) => (a === 'publish' ? permissionNames.publish : permissionNames.stagePublish)),
  }
}

/** A trusted publisher as the file says it (what export writes). */
export function trustSpecOf(c: TrustConfiguration): TrustSpec | undefined {
  const claims = c.claims as Record<string, any>
  const allow = c.permissions.map((p) => (p === permissionNames.publish ? 'publish' : 'stage')) as TrustSpec['allow']
  const env = claims.environment ? { env: String(claims.environment) } : {}
  if (c.type === 'github') return { provider: 'github', repo: claims.repository, file: claims.workflow_ref?.file, ...env, allow }
  if (c.type === 'gitlab') return { provider: 'gitlab', project: claims.project_path, file: claims.ci_config_ref_uri?.file, ...env, allow }
  if (c.type === 'circleci') {
    const k = (n: string) => claims[`oidc.circleci.com/${n}`]
    return {
      provider: 'circleci',
      'org-id': k('org-id'),
      'project-id': k('project-id'),
      'pipeline-definition-id': k('pipeline-definition-id'),
      'vcs-origin': k('vcs-origin'),
      ...(k('context-ids')?.length ? { 'context-ids': k('context-ids') } : {}),
      allow,
    }
  }
  return undefined
}

/** More specific first: a name before any pattern, then the pattern with more fixed characters. */
const specificity = (p: string) => (p.includes('*') ? 0 : 10_000) + p.replace(/\*/g, '').length

/**
 * The patterns that match a name, most specific first. A name is looked up, only the patterns with
 * `*` are tried: an export names every package, and trying each name on each package is quadratic.
 */
function matcher(patterns: string[]): (name: string) => string[] {
  const exact = new Set(patterns.filter((p) => !p.includes('*')))
  const wild = patterns
    .filter((p) => p.includes('*'))
    .sort((a, b) => specificity(b) - specificity(a))
    .map(
      (p) =>
        [
          p,
          new RegExp(
            `^${p
              .split('*')
              .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
              .join('.*')}$`,
          ),
        ] as const,
    )
  return (name) => [...(exact.has(name) ? [name] : []), ...wild.filter(([, re]) => re.test(name)).map(([p]) => p)]
}

/** Each package's settings: for each key, the most specific pattern that sets it. */
function resolver<T extends object>(patterns: Record<string, T>): (name: string) => Partial<T> {
  const match = matcher(Object.keys(patterns))
  return (name) =>
    Object.assign(
      {},
      ...match(name)
        .reverse()
        .map((p) => patterns[p]),
    ) as Partial<T>
}

/** Patterns that match none of the org's packages: a mistake in the file (exit 2, naming it). */
export function checkPatterns(file: PolicyFile, names: string[]): void {
  const check = (where: string[], patterns: Record<string, unknown> | undefined) => {
    const matched = new Set<string>()
    const match = matcher(Object.keys(patterns ?? {}))
    for (const n of names) for (const p of match(n)) matched.add(p)
    for (const p of Object.keys(patterns ?? {})) {
      if (!matched.has(p))
        throw located(
          file.path,
          file.lineOf([...where, p]),
          [...where, p].join('.'),
          `no package of @${file.policy.org} matches "${p}".`,
          'Check the name: pkgs report lists the packages.',
        )
    }
  }
  check(['packages'], file.policy.packages)
  for (const [team, spec] of Object.entries(file.policy.teams ?? {})) if (spec) check(['teams', team, 'packages'], spec.packages)
}

/** Every user the file names, with where (for an unknown user's message). */
export function usersNamed(file: PolicyFile): { user: string; at: (string | number)[] }[] {
  const p = file.policy
  const named: { user: string; at: (string | number)[] }[] = Object.keys(p.members ?? {}).map((user) => ({ user, at: ['members', user] }))
  for (const [team, spec] of Object.entries(p.teams ?? {})) spec?.members?.forEach((user, i) => named.push({ user, at: ['teams', team, 'members', i] }))
  for (const [pattern, spec] of Object.entries(p.packages ?? {}))
    spec.maintainers?.forEach((user, i) => named.push({ user, at: ['packages', pattern, 'maintainers', i] }))
  return named
}

export function unknownUser(file: PolicyFile, user: string, at: (string | number)[]): PkgsError {
  return located(
    file.path,
    file.lineOf(at),
    at.join('.'),
    `there is no user "${user}" on the registry.`,
    'Check the spelling: give the user name as the registry knows it.',
  )
}

export interface PolicyPlan {
  /** the changes, in the order they are shown: members, teams, packages */
  changes: Change[]
  /** two-factor policies: sent on apply, never compared (the registry does not show them) */
  mfa: Change[]
  /** what the plan leaves as it is, and why (the org's last owner, trust that could not be read) */
  notes: string[]
}

/** What differs between the registry and the policy, as changes that wait for what they need. */
export function planPolicy(plan: OrgPlan, access: OrgAccess, policy: Policy): PolicyPlan {
  const registry = plan.client.target.registry.url
  const notes: string[] = []
  const memberChanges: Change[] = []
  const added = new Map<string, Change>()
  const leaving = new Set<string>()
  if (policy.members) {
    const want = policy.members
    const owners = Object.keys(want).filter((u) => want[u] === 'owner')
    const promotions: Change[] = []
    const demotions: [string, OrgRole | undefined][] = []
    for (const [user, role] of Object.entries(want)) {
      const had = access.members[user]
      if (had === role) continue
      if (had === 'owner') demotions.push([user, role])
      else {
        const c = orgMemberChange(plan, user, had, role)
        if (!had) added.set(user, c)
        if (role === 'owner') promotions.push(c)
        memberChanges.push(c)
      }
    }
    for (const [user, had] of Object.entries(access.members)) {
      if (user in want) continue
      if (had === 'owner') demotions.push([user, undefined])
      else memberChanges.push(orgMemberChange(plan, user, had, undefined))
    }
    for (const c of memberChanges) if (c.action === 'remove') leaving.add(c.from!.split(' ')[0])
    for (const [user, role] of demotions) {
      if (!owners.length) {
        notes.push(`${user} stays owner of ${plan.org}: the file names no owner, and an organisation is never left without one.`)
        continue
      }
      // the new owners first, then the old ones step down
      memberChanges.push(orgMemberChange(plan, user, 'owner', role, promotions))
      if (!role) leaving.add(user)
    }
  }
  const names = access.packages.map((p) => p.name)
  const teamChanges: Change[] = []
  const existing = new Map(access.teams.map((t) => [t.name, t]))
  for (const [name, spec] of Object.entries(policy.teams ?? {})) {
    const team = { org: plan.org, team: name, id: `@${plan.org}:${name}` }
    const current = existing.get(name)
    if (spec === null) {
      if (current) teamChanges.push({ kind: 'team', target: team.id, action: 'remove', registry, risk: 'destroy', apply: () => destroyTeam(plan, team) })
      continue
    }
    const created: Change[] = []
    if (!current) {
      const c: Change = {
        kind: 'team',
        target: team.id,
        action: 'add',
        ...(spec.description ? { to: spec.description } : {}),
        registry,
        apply: () => createTeam(plan, team, spec.description),
      }
      teamChanges.push(c)
      created.push(c)
    }
    const members = new Set(current?.members ?? [])
    if (spec.members) {
      for (const user of spec.members)
        if (!members.has(user)) teamChanges.push(teamMemberChange(plan, team, user, true, [...created, ...(added.has(user) ? [added.get(user)!] : [])]))
      for (const user of members) if (!spec.members.includes(user) && !leaving.has(user)) teamChanges.push(teamMemberChange(plan, team, user, false))
    }
    if (spec.packages) {
      const has = current?.packages ?? {}
      const grants = spec.packages
      const match = matcher(Object.keys(grants))
      for (const pkg of names) {
        const want = grants[match(pkg)[0]] as Permission | undefined
        const had = has[pkg]
        if (want && want !== had)
          teamChanges.push({
            kind: 'grant',
            target: pkg,
            action: had ? 'change' : 'add',
            ...(had ? { from: `${team.id} ${had}` } : {}),
            to: `${team.id} ${want}`,
            registry,
            after: created,
            apply: () => grantTeam(plan.client, team, pkg, want),
          })
        if (!want && had)
          teamChanges.push({
            kind: 'grant',
            target: pkg,
            action: 'remove',
            from: `${team.id} ${had}`,
            registry,
            risk: 'access-removed',
            apply: () => revokeTeam(plan.client, team, pkg),
          })
      }
    }
  }
  const packageChanges: Change[] = []
  const mfa: Change[] = []
  const settingsOf = resolver(policy.packages ?? {})
  for (const p of access.packages) {
    const spec = settingsOf(p.name)
    const client = plan.client.forPackage(p.name)
    if (spec.access && p.access && spec.access !== p.access) {
      const to = spec.access
      packageChanges.push({
        kind: 'access',
        target: p.name,
        action: 'change',
        from: p.access === 'restricted' ? 'private' : 'public',
        to: to === 'restricted' ? 'private' : 'public',
        registry,
        ...(to === 'public' ? { risk: 'public' as const } : {}),
        apply: () => setVisibility(client, p.name, to === 'public' ? 'public' : 'private'),
      })
    }
    if (spec.mfa) {
      const level = spec.mfa
      mfa.push({ kind: 'mfa', target: p.name, action: 'change', to: level, registry, apply: () => setMfa(client, p.name, level) })
    }
    if (spec.maintainers && p.owners) {
      const had = p.owners.owners.map((o) => o.name)
      const adds = spec.maintainers.filter((u) => !had.includes(u)).map((u) => ownerAdded(plan, p.name, u))
      // one package's owners are written one after the other: each write names the revision it read
      const chain = adds.map((c, i) => ((c.after = i ? [adds[i - 1]] : []), c))
      let last = chain.at(-1)
      packageChanges.push(...chain)
      for (const u of had.filter((u) => !spec.maintainers!.includes(u))) {
        const c = ownerRemoved(plan, p.name, u, last ? [last] : [])
        packageChanges.push(c)
        last = c
      }
    }
    if (spec.trust) {
      if (!p.trust) {
        notes.push(`${p.name}: its trusted publishers could not be read, so they are left as they are.`)
        continue
      }
      const want = spec.trust.map(trustOf)
      for (const t of want.filter((w) => !p.trust!.some((h) => sameTrust(h, w))))
        packageChanges.push({
          kind: 'trust',
          target: p.name,
          action: 'add',
          to: describe(t),
          registry,
          apply: () => addTrust(client, p.name, t),
        })
      for (const t of p.trust.filter((h) => !want.some((w) => sameTrust(h, w))))
        packageChanges.push({
          kind: 'trust',
          target: p.name,
          action: 'remove',
          from: describe(t),
          registry,
          risk: 'access-removed',
          apply: () => revokeTrust(client, p.name, t.id!),
        })
    }
  }
  return { changes: [...memberChanges, ...teamChanges, ...packageChanges], mfa, notes }
}

function describe(t: TrustConfiguration): string {
  const s = trustSpecOf(t)
  return s
    ? `${s.provider} ${s.repo ?? s.project ?? s['vcs-origin']}${s.file ? ` ${s.file}` : ''}${s.env ? ` (${s.env})` : ''} [${s.allow.join(', ')}]`
    : t.type
}

const collator = new Intl.Collator('en')
const sortedKeys = <T>(o: Record<string, T>) =>
  Object.fromEntries(
    Object.keys(o)
      .sort(collator.compare)
      .map((k) => [k, o[k]]),
  )

/** What the registry has, as a policy: every key filled and sorted. */
export function exportedPolicy(access: OrgAccess, registry: string): Policy {
  return {
    org: access.org,
    registry,
    members: sortedKeys(access.members),
    teams: Object.fromEntries(
      [...access.teams]
        .sort((a, b) => collator.compare(a.name, b.name))
        .map((t) => [t.name, { members: [...t.members].sort(collator.compare), packages: sortedKeys(t.packages) }]),
    ),
    packages: Object.fromEntries(
      access.packages.map((p) => [
        p.name,
        {
          ...(p.access ? { access: p.access } : {}),
          ...(p.owners ? { maintainers: p.owners.owners.map((o) => o.name).sort(collator.compare) } : {}),
          ...(p.trust ? { trust: p.trust.map(trustSpecOf).filter((t): t is TrustSpec => Boolean(t)) } : {}),
        },
      ]),
    ),
  }
}

const mfaComment = " mfa: not exported: the registry does not show a package's two-factor policy (set it here, and apply sends it)"

/**
 * `value` written over the file's `node`, in place where the shapes agree, so that what the file
 * says keeps its comments and order: a scalar keeps its node (and the comment on its line), a map
 * its keys in their order (new ones last, those gone removed), a list as it was when it is the same.
 */
function merged(doc: Document, node: unknown, value: unknown): unknown {
  if (isScalar(node) && (value === null || typeof value !== 'object')) {
    node.value = value
    return node
  }
  if (isSeq(node) && Array.isArray(value) && JSON.stringify(node.toJSON()) === JSON.stringify(value)) return node
  // an empty map ({}) is no order to keep, and would print what it gets in flow style
  if (!isMap(node) || !node.items.length || !value || typeof value !== 'object' || Array.isArray(value)) return doc.createNode(value)
  const entries = value as Record<string, unknown>
  const keyOf = (key: unknown) => String(isScalar(key) ? key.value : key)
  node.items = node.items.filter((pair) => Object.hasOwn(entries, keyOf(pair.key)))
  for (const [key, v] of Object.entries(entries)) {
    const pair = node.items.find((p) => keyOf(p.key) === key)
    if (pair) pair.value = merged(doc, pair.value, v) as never
    else node.items.push(doc.createPair(key, v) as never)
  }
  return node
}

/**
 * The policy as YAML. An existing file keeps its comments, the order of its keys and anything it
 * says beyond what is exported; each exported section is written over what the file says (merged).
 */
export function policyText(policy: Policy, existing?: string): string {
  const doc: Document = existing ? parseDocument(existing) : parseDocument('')
  if (!existing || !isMap(doc.contents)) doc.contents = doc.createNode({}) as never
  for (const key of ['org', 'registry', 'members', 'teams', 'packages'] as const) {
    const value = policy[key]
    if (value !== undefined) doc.set(key, merged(doc, doc.get(key, true), value))
  }
  const packages = doc.get('packages', true)
  if (isMap(packages)) for (const pair of packages.items) if (isMap(pair.value) && !pair.value.commentBefore) pair.value.comment = mfaComment
  if (!existing)
    doc.commentBefore = ` The access of @${policy.org}, as pkgs policy export found it. pkgs policy plan shows what differs; pkgs policy apply makes it so.`
  return doc.toString({ lineWidth: 0 })
}
