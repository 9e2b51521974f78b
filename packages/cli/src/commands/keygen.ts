import { access, writeFile } from 'node:fs/promises'
import { generateSigningKeys } from '@cybernetic/wasm'
import { parseArgs, UsageError, type Command } from '../args.js'

const HELP = `usage: cwasm keygen [--out NAME] [--force]

Makes an Ed25519 key pair for signing artifacts: NAME.key (the private key,
PKCS#8 PEM, mode 0600: keep it on the build machine) and NAME.pub (the
public key, SPKI PEM: give it to runtimes as a trusted key). NAME defaults
to cwasm-signing. Existing files are not overwritten without --force.`

/** `cwasm keygen`. */
export const keygenCommand: Command = async (argv) => {
  const { flags, positionals } = parseArgs(argv, { out: { value: true, alias: 'o' }, force: { value: false }, help: { value: false, alias: 'h' } })
  if (flags['help']) {
    process.stdout.write(`${HELP}\n`)
    return 0
  }
  if (positionals.length) throw new UsageError('cwasm keygen takes no arguments; name the files with --out NAME')
  const name = typeof flags['out'] === 'string' ? flags['out'] : 'cwasm-signing'
  const [priv, pub] = [`${name}.key`, `${name}.pub`]
  if (!flags['force']) {
    for (const f of [priv, pub]) {
      if (await access(f).then(() => true, () => false)) throw new UsageError(`${f} exists; pass --force to replace it`)
    }
  }
  const keys = generateSigningKeys()
  await writeFile(priv, keys.privateKey, { mode: 0o600 })
  await writeFile(pub, keys.publicKey)
  process.stdout.write(`wrote ${priv} (private) and ${pub} (public key ${keys.publicKeyHex})\n`)
  return 0
}
