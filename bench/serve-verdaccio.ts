// Start a Verdaccio for manual measurements: prints its URL and alice's .npmrc lines, runs until killed.
import { nerfDart } from '../test/support/sandbox.js'
import { startVerdaccio } from '../test/support/verdaccio.js'

const verdaccio = await startVerdaccio(process.argv[2] === 'next' ? 'next' : 'stable')
console.log(`registry=${verdaccio.url}\n${nerfDart(verdaccio.url)}:_authToken=${verdaccio.users.alice.token}`)
process.on('SIGTERM', () => verdaccio.close().then(() => process.exit(0)))
process.on('SIGINT', () => verdaccio.close().then(() => process.exit(0)))
