// Minimal typings for npm's libraries, which ship none: only what pkgs calls.
declare module '@npmcli/config' {
  const Config: new (opts: Record<string, unknown>) => unknown
  export default Config
}

declare module 'npm-registry-fetch' {
  interface FetchResponse {
    status: number
    headers: { get(name: string): string | null }
    json(): Promise<unknown>
    text(): Promise<string>
    arrayBuffer(): Promise<ArrayBuffer>
  }
  interface RegFetch {
    (uri: string, opts?: Record<string, unknown>): Promise<FetchResponse>
    json(uri: string, opts?: Record<string, unknown>): Promise<unknown>
  }
  const fetch: RegFetch
  export default fetch
}

declare module '@npmcli/redact' {
  export function redact(value: string): string
  export function redactLog(value: string | string[]): string | string[]
}

declare module 'validate-npm-package-name' {
  function validate(name: string): {
    validForNewPackages: boolean
    validForOldPackages: boolean
    errors?: string[]
    warnings?: string[]
  }
  export default validate
}

declare module 'write-file-atomic' {
  function writeFileAtomic(file: string, data: string | Buffer, opts?: { mode?: number; encoding?: string; fsync?: boolean }): Promise<void>
  export default writeFileAtomic
}

declare module '@npmcli/promise-spawn' {
  interface PromiseSpawn {
    open(url: string, opts?: Record<string, unknown>): Promise<unknown>
  }
  const promiseSpawn: PromiseSpawn
  export default promiseSpawn
}

declare module 'npm-profile' {
  export function webAuthOpener(
    opener: (url: string, opts: { signal: AbortSignal }) => Promise<void>,
    loginUrl: string,
    doneUrl: string,
    opts: Record<string, unknown>,
  ): Promise<{ token: string; username?: string }>
  export function loginCouch(username: string, password: string, opts?: Record<string, unknown>): Promise<{ token: string; username?: string }>
  export function loginWeb(
    opener: (url: string, opts: { signal: AbortSignal }) => Promise<void>,
    opts?: Record<string, unknown>,
  ): Promise<{ token: string; username?: string }>
}

declare module '@npmcli/package-json' {
  class PackageJson {
    static fix(path: string, opts?: { changes?: string[] }): Promise<PackageJson>
    static load(path: string, opts?: { create?: boolean }): Promise<PackageJson>
    static create(path: string, opts?: { data?: Record<string, unknown> }): Promise<PackageJson>
    prepare(opts?: Record<string, unknown>): Promise<PackageJson>
    update(content: Record<string, unknown>): PackageJson
    save(opts?: { sort?: boolean }): Promise<void>
    readonly content: Record<string, unknown>
    readonly filename: string
  }
  export default PackageJson
}

declare module 'pacote' {
  const pacote: {
    manifest(spec: string, opts?: Record<string, unknown>): Promise<Record<string, unknown>>
  }
  export default pacote
}

declare module 'libnpmpack' {
  function pack(spec: string, opts?: Record<string, unknown>): Promise<Buffer>
  export default pack
}

declare module 'libnpmpublish' {
  export function publish(manifest: Record<string, unknown>, tarball: Buffer, opts?: Record<string, unknown>): Promise<unknown>
}

declare module '@npmcli/run-script' {
  function runScript(opts: {
    event: string
    path: string
    stdio?: 'inherit' | 'pipe'
    pkg?: Record<string, unknown>
    scriptShell?: string
    env?: Record<string, string>
  }): Promise<{ code: number | null; signal: string | null; stdout?: string; stderr?: string }>
  export default runScript
}

declare module 'libnpmaccess' {
  export function setAccess(pkg: string, access: 'public' | 'restricted', opts?: Record<string, unknown>): Promise<boolean>
  export function setMfa(pkg: string, level: 'none' | 'publish' | 'automation', opts?: Record<string, unknown>): Promise<boolean>
  export function setPermissions(team: string, pkg: string, permissions: 'read-only' | 'read-write', opts?: Record<string, unknown>): Promise<boolean>
  export function removePermissions(team: string, pkg: string, opts?: Record<string, unknown>): Promise<boolean>
}

// CommonJS modules that fill `module.exports` through an alias: Node sees no named exports
declare module 'libnpmteam' {
  const team: {
    create(team: string, opts?: Record<string, unknown>): Promise<unknown>
    destroy(team: string, opts?: Record<string, unknown>): Promise<boolean>
    add(user: string, team: string, opts?: Record<string, unknown>): Promise<unknown>
    rm(user: string, team: string, opts?: Record<string, unknown>): Promise<boolean>
  }
  export default team
}

declare module 'libnpmorg' {
  const org: {
    set(org: string, user: string, role: string, opts?: Record<string, unknown>): Promise<unknown>
    rm(org: string, user: string, opts?: Record<string, unknown>): Promise<null>
  }
  export default org
}

declare module 'make-fetch-happen' {
  interface Response {
    status: number
    ok: boolean
    json(): Promise<unknown>
  }
  export default function fetch(url: string, opts?: Record<string, unknown>): Promise<Response>
}

declare module '@npmcli/map-workspaces' {
  /** npm's workspace discovery: each workspace package's name and folder. */
  export default function mapWorkspaces(opts: { cwd: string; pkg: { workspaces?: unknown } }): Promise<Map<string, string>>
}
