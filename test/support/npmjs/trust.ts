// Trusted publishing: trusted publishers of a package (npm trust) and the OIDC exchange of a CI's
// ID token for a short-lived publish token.
import { randomUUID } from 'node:crypto'
import type { TrustConfig, TrustPermission, IdTokenSpec } from './types.js'
import { type Registry, type Call, type Answer, type Body, HttpError, fail, ok, noContent, messages, newToken } from './common.js'
import { signedIn, writer, writable } from './auth.js'

const issuers = { github: 'https://token.actions.githubusercontent.com', gitlab: 'https://gitlab.com', circleci: 'https://oidc.circleci.com/org/' }

// how long a token from the OIDC exchange lasts
const trustTokenTtlMs = 15 * 60_000

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** The claims GitHub, GitLab or CircleCI put in an ID token for a workflow, as an unsigned JWT. */
export function mintIdToken(registryUrl: string, spec: IdTokenSpec): string {
  const now = Math.floor(Date.now() / 1000)
  const common = { aud: spec.audience ?? `npm:${new URL(registryUrl).hostname}`, jti: randomUUID(), iat: now, nbf: now, exp: now + (spec.ttlSeconds ?? 300) }
  let claims: Record<string, unknown>
  if (spec.provider === 'github') {
    const ref = spec.ref ?? 'refs/heads/main'
    const workflowRef = `${spec.repository}/.github/workflows/${spec.workflow}@${ref}`
    claims = {
      iss: issuers.github,
      sub: `repo:${spec.repository}:${spec.environment ? `environment:${spec.environment}` : `ref:${ref}`}`,
      repository: spec.repository,
      repository_owner: spec.repository.split('/')[0],
      repository_visibility: spec.visibility ?? 'private',
      ref,
      ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
      workflow: spec.workflow,
      workflow_ref: workflowRef,
      job_workflow_ref: workflowRef,
      event_name: 'push',
      runner_environment: 'github-hosted',
      ...(spec.environment && { environment: spec.environment }),
    }
  } else if (spec.provider === 'gitlab') {
    const ref = spec.ref ?? 'main'
    claims = {
      iss: issuers.gitlab,
      sub: `project_path:${spec.project}:ref_type:branch:ref:${ref}`,
      project_path: spec.project,
      namespace_path: spec.project.split('/').slice(0, -1).join('/'),
      project_visibility: spec.visibility ?? 'private',
      ref,
      ref_type: 'branch',
      ci_config_ref_uri: `gitlab.com/${spec.project}//${spec.file}@refs/heads/${ref}`,
      ...(spec.environment && { environment: spec.environment }),
    }
  } else {
    claims = {
      iss: `${issuers.circleci}${spec.orgId}`,
      sub: `org/${spec.orgId}/project/${spec.projectId}/user/${randomUUID()}`,
      'oidc.circleci.com/org-id': spec.orgId,
      'oidc.circleci.com/project-id': spec.projectId,
      'oidc.circleci.com/pipeline-definition-id': spec.pipelineDefinitionId,
      'oidc.circleci.com/vcs-origin': spec.vcsOrigin,
      'oidc.circleci.com/context-ids': spec.contextIds ?? [],
    }
  }
  // unsigned: the registry believes the claims, so a test can forge any it needs
  const signature = Buffer.from('unsigned').toString('base64url')
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ ...common, ...claims, ...spec.claims })}.${signature}`
}

/** The file in a workflow_ref (`owner/repo/.github/workflows/<file>@ref`) or ci_config_ref_uri (`host/group/project//<file>@ref`). */
function pipelineFile(ref: unknown): string | undefined {
  return typeof ref === 'string' ? /(?:\/\.github\/workflows\/|\/\/)([^@]+)@/.exec(ref)?.[1] : undefined
}

/** Whether an ID token's claims are those a trusted publisher names (npmjs's matching, as far as npm's request bodies tell it). */
function claimsMatch(config: TrustConfig, claims: Body): boolean {
  const wanted = config.claims
  if (wanted.environment && wanted.environment !== claims.environment) return false
  if (config.type === 'github') {
    return claims.iss === issuers.github && wanted.repository === claims.repository && wanted.workflow_ref?.file === pipelineFile(claims.workflow_ref)
  }
  if (config.type === 'gitlab') {
    return (
      claims.iss === issuers.gitlab && wanted.project_path === claims.project_path && wanted.ci_config_ref_uri?.file === pipelineFile(claims.ci_config_ref_uri)
    )
  }
  const keys = ['org-id', 'project-id', 'pipeline-definition-id', 'vcs-origin'].map((k) => `oidc.circleci.com/${k}`)
  const contexts = (claims['oidc.circleci.com/context-ids'] ?? []) as string[]
  return (
    claims.iss === `${issuers.circleci}${wanted['oidc.circleci.com/org-id']}` &&
    keys.every((k) => wanted[k] === claims[k]) &&
    ((wanted['oidc.circleci.com/context-ids'] ?? []) as string[]).every((c) => contexts.includes(c))
  )
}

/** GET /-/package/<name>/trust: the trusted publishers, for those who may publish the package. */
export function listTrust(r: Registry, call: Call): Answer {
  return ok(writable(r, call.params[0], signedIn(r, call)).trust)
}

function trustConfig(entry: Body): TrustConfig {
  const { type, claims, permissions } = entry
  const text = (v: unknown) => typeof v === 'string' && v.length > 0
  const valid =
    type === 'github'
      ? text(claims?.repository) && text(claims?.workflow_ref?.file)
      : type === 'gitlab'
        ? text(claims?.project_path) && text(claims?.ci_config_ref_uri?.file)
        : type === 'circleci' && ['org-id', 'project-id', 'pipeline-definition-id', 'vcs-origin'].every((k) => text(claims?.[`oidc.circleci.com/${k}`]))
  if (!valid) throw fail(400, `Invalid trust configuration for ${String(type)}`)
  const known: TrustPermission[] = ['createPackage', 'createStagedPackage']
  if (!Array.isArray(permissions) || !permissions.length || !permissions.every((p) => known.includes(p))) {
    throw fail(400, `permissions must list some of ${known.join(', ')}`)
  }
  return { id: randomUUID(), type, claims, permissions: [...new Set(permissions as TrustPermission[])] }
}

/** POST /-/package/<name>/trust with npm trust's body, a list of {type, claims, permissions}; answers them with their ids. */
export function createTrust(r: Registry, call: Call): Answer {
  const pkg = writable(r, call.params[0], writer(r, call))
  if (!Array.isArray(call.value) || !call.value.length) throw fail(400, 'Expected a list of trust configurations')
  const created = (call.value as Body[]).map(trustConfig)
  pkg.trust.push(...created)
  return ok(created, 201)
}

export function revokeTrust(r: Registry, call: Call): Answer {
  const [name, id] = call.params
  const pkg = writable(r, name, writer(r, call))
  const index = pkg.trust.findIndex((t) => t.id === id)
  if (index < 0) throw fail(404, messages.notFound)
  pkg.trust.splice(index, 1)
  return noContent()
}

/** The claims of the ID token npm sends as its bearer; npmjs answers 401 for a token it does not accept. */
function idTokenClaims(r: Registry, call: Call): Body {
  const unauthorized = new HttpError(401, { message: messages.oidc('unauthorized') })
  const [kind, jwt = ''] = (call.req.headers.authorization ?? '').split(' ')
  const parts = jwt.split('.')
  let claims: Body
  try {
    claims = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'))
  } catch {
    throw unauthorized
  }
  const audience = `npm:${new URL(r.url).hostname}`
  const issuer = typeof claims.iss === 'string' && (claims.iss === issuers.github || claims.iss === issuers.gitlab || claims.iss.startsWith(issuers.circleci))
  const fresh = typeof claims.exp === 'number' && claims.exp * 1000 > Date.now()
  if (kind !== 'Bearer' || parts.length !== 3 || !issuer || !fresh || ![claims.aud].flat().includes(audience)) throw unauthorized
  return claims
}

/**
 * POST /-/npm/v1/oidc/token/exchange/package/<name>, bearer: the CI's ID token. A trusted
 * publisher of the package must match the claims and allow what npm is doing (its npm-command
 * header: `stage` for npm stage publish); then a short-lived token for that package. Errors
 * carry a `message`, which is what npm's oidc.js reads.
 */
export function exchangeIdToken(r: Registry, call: Call): Answer {
  const [name] = call.params
  const claims = idTokenClaims(r, call)
  const pkg = r.state.packages.get(name)
  // npmjs says "package not found" for a package without trusted publishers too
  if (!pkg || !pkg.trust.length) throw new HttpError(404, { message: messages.oidc('package not found') })
  const matching = pkg.trust.filter((t) => claimsMatch(t, claims))
  if (!matching.length) throw new HttpError(403, { message: messages.oidc('no trusted publisher of the package matches the token') })
  const stage = call.req.headers['npm-command'] === 'stage'
  const config = matching.find((t) => t.permissions.includes(stage ? 'createStagedPackage' : 'createPackage'))
  if (!config) throw new HttpError(403, { message: messages.oidc(`the trusted publisher does not allow ${stage ? 'stage publish' : 'publish'}`) })
  const token = newToken()
  r.state.trustTokens.set(token, { package: name, configId: config.id, expiresAt: Date.now() + trustTokenTtlMs })
  return ok({ token }, 201)
}
