// A fault-injecting HTTP proxy in front of a registry (Verdaccio or the npmjs-like one): real
// HTTP on a loopback port, forwarding every request to the upstream unless a fault is armed, in
// which case the matching requests get the fault instead: refused, reset before an answer, an
// answer cut off mid-way, no answer at all, a status (500, 502, 503, 429 with Retry-After), JSON
// that does not parse, an HTML page (a captive portal), or the upstream's packument made several
// MB large.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

export type Fault =
  /** the connection is closed as soon as the request has arrived */
  | { kind: 'reset' }
  /** a 200 whose JSON body stops half-way, the connection closed */
  | { kind: 'cut' }
  /** the request is read and never answered */
  | { kind: 'hang' }
  | { kind: 'status'; status: number; headers?: Record<string, string> }
  /** a 200 application/json answer that does not parse */
  | { kind: 'badjson' }
  /** a 200 text/html page, as a captive portal or a misconfigured proxy answers */
  | { kind: 'html' }
  /** the upstream's answer, with a packument grown to several MB (a long readme and many times) */
  | { kind: 'big' }

export interface ArmOptions {
  /** how many matching requests get the fault (then they pass); default: all of them */
  times?: number
  /** which requests: default every one */
  match?: (method: string, path: string) => boolean
}

export interface ProxiedRequest {
  method: string
  path: string
  /** the fault it got, or undefined when it was forwarded */
  fault?: Fault['kind']
}

export interface FaultProxy {
  /** http://127.0.0.1:PORT/ */
  url: string
  readonly requests: ProxiedRequest[]
  arm(fault: Fault, opts?: ArmOptions): void
  disarm(): void
  close(): Promise<void>
}

const bigPadding = 'This readme is long. '.repeat(200_000) // ~4 MB

function grow(body: Buffer): Buffer {
  try {
    const doc = JSON.parse(body.toString('utf8')) as Record<string, unknown>
    if (!doc || typeof doc !== 'object' || !('versions' in doc)) return body
    const time = { ...(doc.time as Record<string, string> | undefined) }
    for (let i = 0; i < 20_000; i++) time[`0.0.${i}-padding`] = '2020-01-01T00:00:00.000Z'
    return Buffer.from(JSON.stringify({ ...doc, readme: bigPadding, time }))
  } catch {
    return body
  }
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const up = new URL(upstream)
  const requests: ProxiedRequest[] = []
  const sockets = new Set<Socket>()
  let armed: { fault: Fault; left: number; match: (method: string, path: string) => boolean } | undefined

  function forward(req: IncomingMessage, res: ServerResponse, body: Buffer, transform?: (b: Buffer) => Buffer): void {
    const headers = { ...req.headers, host: up.host }
    const out = request(
      { host: up.hostname, port: up.port, method: req.method, path: up.pathname.replace(/\/$/, '') + (req.url ?? '/'), headers },
      (answer) => {
        const chunks: Buffer[] = []
        answer.on('data', (c: Buffer) => chunks.push(c))
        answer.on('end', () => {
          let payload: Buffer = Buffer.concat(chunks)
          const h = { ...answer.headers }
          if (transform && answer.statusCode === 200) {
            payload = transform(payload)
            delete h.etag
          }
          delete h['transfer-encoding']
          h['content-length'] = String(payload.length)
          res.writeHead(answer.statusCode ?? 502, h)
          res.end(payload)
        })
      },
    )
    out.on('error', () => res.destroy())
    out.end(body)
  }

  function answerWith(fault: Fault, req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    switch (fault.kind) {
      case 'reset':
        req.socket.destroy()
        return
      case 'hang':
        return
      case 'cut': {
        const full = JSON.stringify({ name: 'x', versions: {}, padding: 'y'.repeat(4000) })
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(full.length) })
        res.write(full.slice(0, 1500), () => setTimeout(() => req.socket.destroy(), 20))
        return
      }
      case 'status': {
        const text = JSON.stringify({ error: `injected ${fault.status}` })
        res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers })
        res.end(text)
        return
      }
      case 'badjson':
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end('{"name": "@acme/x", "versions": {"1.0.0": ')
        return
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        res.end('<!doctype html><html><head><title>Sign in to the Wi-Fi</title></head><body><h1>Welcome</h1><p>Accept the terms to continue.</p></body></html>')
        return
      case 'big':
        forward(req, res, body, grow)
        return
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const method = req.method ?? 'GET'
      const path = req.url ?? '/'
      const fault = armed && armed.left > 0 && armed.match(method, path) ? armed.fault : undefined
      requests.push({ method, path, fault: fault?.kind })
      if (fault && armed) {
        armed.left--
        answerWith(fault, req, res, body)
      } else forward(req, res, body)
    })
  })
  server.keepAliveTimeout = 1000
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  const url = `http://127.0.0.1:${port}/`

  return {
    url,
    requests,
    arm(fault, opts = {}) {
      armed = { fault, left: opts.times ?? Infinity, match: opts.match ?? (() => true) }
    },
    disarm() {
      armed = undefined
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

/**
 * A URL that refuses every connection: a registry that is down. Port 9 (discard), where nothing
 * listens: a port that was free a moment ago may be handed to another test's server meanwhile.
 */
export async function refusingRegistry(): Promise<string> {
  return 'http://127.0.0.1:9/'
}
