// What a GitHub Actions job with `permissions: id-token: write` gives npm: the environment that
// tells npm it runs there, and a loopback stand-in for the runner's ID-token service, which answers
// GET <ACTIONS_ID_TOKEN_REQUEST_URL>&audience=… with {value: <ID token>} for the request token.
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ActionsIdTokenService {
  /** GITHUB_ACTIONS, ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN, as the runner sets them */
  env: Record<string, string>
  /** audiences asked for, and whether the request token was right */
  requests: { audience: string | null; authorized: boolean }[]
  close(): Promise<void>
}

/** `mint` makes the ID token for the audience npm asks for (npm asks `npm:<registry host>`). */
export async function startActionsIdTokenService(mint: (audience: string) => string): Promise<ActionsIdTokenService> {
  const requestToken = randomBytes(16).toString('hex')
  const requests: ActionsIdTokenService['requests'] = []
  const server = createServer((req, res) => {
    const audience = new URL(req.url ?? '/', 'http://runner').searchParams.get('audience')
    const authorized = req.headers.authorization === `Bearer ${requestToken}`
    requests.push({ audience, authorized })
    const [status, body] = authorized ? [200, { count: 1, value: mint(audience ?? '') }] : [401, { message: 'Unauthorized' }]
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    env: {
      GITHUB_ACTIONS: 'true',
      // the runner's URL already has a query, so npm appends &audience=
      ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/_apis/pipelines/idtoken?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
