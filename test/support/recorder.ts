// A registry that only records: every request is kept (by the path prefix of the run that sent
// it) and answered 503, so a test can prove that a command sent nothing before refusing its input.
import { createServer } from 'node:http'

export interface Recorder {
  /** a registry URL of its own for one run: http://127.0.0.1:PORT/<id>/ */
  urlFor(id: string): string
  /** what arrived under that run's URL: "METHOD /path" */
  requestsFor(id: string): string[]
  close(): Promise<void>
}

export async function startRecorder(): Promise<Recorder> {
  const seen: string[] = []
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`)
    req.resume()
    res.writeHead(503, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error: 'this registry only records requests' }))
  })
  server.keepAliveTimeout = 500
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    urlFor: (id) => `http://127.0.0.1:${port}/${id}/`,
    requestsFor: (id) => seen.filter((line) => line.split(' ')[1].startsWith(`/${id}/`)),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
