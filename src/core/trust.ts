// Trusted publishing (`npm trust`): which CI workflow may publish a package without a token.
// The requests npm 11 sends (lib/trust-cmd.js, lib/commands/trust/*.js): GET, POST (a JSON
// array of {type, claims, permissions}) and DELETE under /-/package/<pkg>/trust; one small
// function per endpoint, and each provider's flags turned into npm's claims.
import { createRequire } from 'node:module'
import type { RegistryClient } from './client.js'
import { usageError } from './errors.js'
import { unsupportedBy } from './registry.js'
import { escapedName } from '../package/names.js'

const require = createRequire(import.meta.url)

export type Provider = 'github' | 'gitlab' | 'circleci'

/** npm's permission names, and the flags that give them. */
export const permissionNames = { publish: 'createPackage', stagePublish: 'createStagedPackage' } as const

export type TrustPermission = (typeof permissionNames)[keyof typeof permissionNames]

export interface TrustConfiguration {
  id?: string
  type: Provider | string
  claims: Record<string, unknown>
  permissions: TrustPermission[]
}

export const trustWhat = 'trusted publishing (npm trust)'

export interface ProviderOptions {
  /** github owner/repo, gitlab group/project */
  repository?: string
  file?: string
  environment?: string
  orgId?: string
  projectId?: string
  pipelineDefinitionId?: string
  vcsOrigin?: string
  contextIds?: string[]
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function requireValue(value: string | undefined, flag: string, example: string): string {
  if (!value) throw usageError(`${flag} is required.`, `e.g. ${flag} ${example}`)
  return value
}

function checkWorkflowFile(file: string | undefined, flag: string, example: string): string {
  const name = requireValue(file, flag, example)
  if (!/\.ya?ml$/.test(name)) throw usageError(`${flag} ${name}: a workflow file ends in .yml or .yaml.`, `e.g. ${flag} ${example}`)
  if (name.includes('/') || name.includes('\\'))
    throw usageError(`${flag} ${name}: give the file's name, not a path.`, `e.g. ${flag} ${name.split(/[/\\]/).pop()}`)
  return name
}

/** Check a provider's options before any request, as npm does, and turn them into npm's claims. */
export function trustClaims(provider: Provider, o: ProviderOptions): Record<string, unknown> {
  if (provider === 'github') {
    const repository = requireValue(o.repository, '--repo', 'acme/widgets (or a "repository" in package.json)')
    if (repository.split('/').length !== 2 || repository.split('/').some((p) => !p))
      throw usageError(`--repo ${repository}: a GitHub repository is owner/repo.`, 'e.g. --repo acme/widgets')
    const file = checkWorkflowFile(o.file, '--file', 'release.yml')
    return { repository, workflow_ref: { file }, ...(o.environment ? { environment: o.environment } : {}) }
  }
  if (provider === 'gitlab') {
    const project = requireValue(o.repository, '--project', 'acme/widgets (or a "repository" in package.json)')
    if (project.split('/').length < 2 || project.split('/').some((p) => !p))
      throw usageError(`--project ${project}: a GitLab project is group/project or group/subgroup/project.`, 'e.g. --project acme/widgets')
    const file = checkWorkflowFile(o.file, '--file', '.gitlab-ci.yml')
    return { project_path: project, ci_config_ref_uri: { file }, ...(o.environment ? { environment: o.environment } : {}) }
  }
  const ids: [string, string | undefined][] = [
    ['--org-id', o.orgId],
    ['--project-id', o.projectId],
    ['--pipeline-definition-id', o.pipelineDefinitionId],
  ]
  for (const [flag, value] of ids) {
    if (!uuid.test(requireValue(value, flag, '<uuid>')))
      throw usageError(`${flag} ${value}: a CircleCI id is a UUID.`, 'Copy it from the CircleCI project settings.')
  }
  const vcsOrigin = requireValue(o.vcsOrigin, '--vcs-origin', 'github.com/acme/widgets')
  if (vcsOrigin.includes('://') || vcsOrigin.split('/').length < 3)
    throw usageError(`--vcs-origin ${vcsOrigin}: it is provider/owner/repo, without a scheme.`, 'e.g. --vcs-origin github.com/acme/widgets')
  for (const id of o.contextIds ?? []) if (!uuid.test(id)) throw usageError(`--context-id ${id}: a CircleCI context id is a UUID.`)
  return {
    'oidc.circleci.com/org-id': o.orgId,
    'oidc.circleci.com/project-id': o.projectId,
    'oidc.circleci.com/pipeline-definition-id': o.pipelineDefinitionId,
    'oidc.circleci.com/vcs-origin': vcsOrigin,
    ...(o.contextIds?.length ? { 'oidc.circleci.com/context-ids': o.contextIds } : {}),
  }
}

/** package.json's `repository` as written: a string, or the `url` of an object. */
export function repositoryUrlOf(manifest: Record<string, unknown> | undefined): string | undefined {
  const repo = manifest?.repository
  const url = typeof repo === 'string' ? repo : repo && typeof repo === 'object' ? (repo as { url?: unknown }).url : undefined
  return typeof url === 'string' && url ? url : undefined
}

/** owner/repo from package.json's `repository`, when it is on this provider's host (npm's rule, with hosted-git-info). */
export function repositoryOf(manifest: Record<string, unknown> | undefined, provider: Provider): string | undefined {
  const url = repositoryUrlOf(manifest)
  if (!url) return undefined
  const { fromUrl } = require('hosted-git-info') as { fromUrl(url: string): { type: string; user: string; project: string } | undefined }
  const info = fromUrl(url)
  return info && info.type === provider ? `${info.user}/${info.project}` : undefined
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(value ?? null)
}

/** The same trust: the same provider, claims and permissions (in any order). */
export function sameTrust(a: TrustConfiguration, b: TrustConfiguration): boolean {
  return a.type === b.type && canonical(a.claims) === canonical(b.claims) && canonical([...a.permissions].sort()) === canonical([...b.permissions].sort())
}

function path(name: string): string {
  return `/-/package/${escapedName(name)}/trust`
}

function asConfigurations(body: unknown): TrustConfiguration[] {
  const items = Array.isArray(body) ? body : body && typeof body === 'object' ? [body] : []
  return items
    .filter((c): c is Record<string, unknown> => Boolean(c) && typeof c === 'object')
    .map((c) => ({
      ...(typeof c.id === 'string' ? { id: c.id } : {}),
      type: String(c.type ?? ''),
      claims: c.claims && typeof c.claims === 'object' ? (c.claims as Record<string, unknown>) : {},
      permissions: Array.isArray(c.permissions) ? (c.permissions as TrustPermission[]) : [],
    }))
}

/** A trust request under the run's two-factor session; a registry without trusted publishing said so (exit 4). */
async function trustCall<T>(client: RegistryClient, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (err) {
    throw unsupportedBy(err, client.target, 'trust', trustWhat) ?? err
  }
}

/** GET /-/package/<pkg>/trust (`npm trust list`): npmjs may ask for a one-time password to read it. */
export async function getTrust(client: RegistryClient, name: string): Promise<TrustConfiguration[]> {
  const res = await trustCall(client, () =>
    client.challenged((code) => client.json<unknown>(path(name), { preferOnline: true, ...(code ? { otp: code } : {}) }, { packageName: name })),
  )
  return asConfigurations(res.body)
}

/** POST /-/package/<pkg>/trust with [configuration] (`npm trust github|gitlab|circleci`); the registry's answer, with its id. */
export async function addTrust(client: RegistryClient, name: string, trust: TrustConfiguration): Promise<TrustConfiguration> {
  const { default: fetch } = await import('npm-registry-fetch')
  const body = [{ type: trust.type, claims: trust.claims, permissions: trust.permissions }]
  const answer = await trustCall(client, () =>
    client.write((opts) => fetch.json(client.url(path(name)), { ...opts, method: 'POST', body }), { packageName: name }),
  )
  return asConfigurations(answer)[0] ?? trust
}

/** DELETE /-/package/<pkg>/trust/<id> (`npm trust revoke`). */
export async function revokeTrust(client: RegistryClient, name: string, id: string): Promise<void> {
  const { default: fetch } = await import('npm-registry-fetch')
  await trustCall(client, () =>
    client.write((opts) => fetch(client.url(`${path(name)}/${encodeURIComponent(id)}`), { ...opts, method: 'DELETE' }), { packageName: name }),
  )
}

/** The claims in words: "acme/widgets release.yml (environment production)". */
export function describeClaims(t: TrustConfiguration): string {
  const c = t.claims
  const file = (x: unknown) => (x && typeof x === 'object' ? String((x as { file?: unknown }).file ?? '') : '')
  if (t.type === 'github') return `${String(c.repository)} ${file(c.workflow_ref)}${c.environment ? ` (environment ${String(c.environment)})` : ''}`
  if (t.type === 'gitlab') return `${String(c.project_path)} ${file(c.ci_config_ref_uri)}${c.environment ? ` (environment ${String(c.environment)})` : ''}`
  if (t.type === 'circleci') return `${String(c['oidc.circleci.com/vcs-origin'])} (pipeline ${String(c['oidc.circleci.com/pipeline-definition-id'])})`
  return JSON.stringify(c)
}

/** npm's labels: "publish, stage publish". */
export function describePermissions(permissions: TrustPermission[]): string {
  return permissions.map((p) => (p === permissionNames.publish ? 'publish' : p === permissionNames.stagePublish ? 'stage publish' : p)).join(', ')
}
