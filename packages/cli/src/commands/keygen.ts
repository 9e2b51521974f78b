import { access, writeFile } from 'node:fs/promises'
import { generateSigningKeys, InvalidArgumentError } from '@cybernetic/wasm'
import { defineCommand, UsageError, type CommandDef } from '../args.js'
import { commonExits, EXIT } from '../exit.js'

const DEF: CommandDef = {
  name: 'keygen',
  usage: ['[--out NAME] [--force] [--json]'],
  summary: 'make an Ed25519 key pair for signing artifacts',
  description: `Makes an Ed25519 key pair for signing artifacts: NAME.key (the private key,
PKCS#8 PEM, mode 0600: keep it on the build machine) and NAME.pub (the
public key, SPKI PEM: give it to runtimes as a trusted key).`,
  options: {
    out: { value: 'NAME', alias: 'o', help: 'write NAME.key and NAME.pub (default: cwasm-signing)' },
    force: { help: 'replace existing files (default: refuse to overwrite)' },
    json: { help: 'print the file names and the public key as JSON' },
  },
  exits: commonExits('the files could not be written'),
}

/** `cwasm keygen`. */
export const keygenCommand = defineCommand(DEF, async ({ flags, positionals }) => {
  if (positionals.length) throw new UsageError('cwasm keygen takes no arguments; name the files with --out NAME')
  const name = typeof flags['out'] === 'string' ? flags['out'] : 'cwasm-signing'
  const [priv, pub] = [`${name}.key`, `${name}.pub`]
  if (!flags['force']) {
    for (const f of [priv, pub]) {
      if (await access(f).then(() => true, () => false)) throw new UsageError(`${f} exists; pass --force to replace it`)
    }
  }
  const keys = generateSigningKeys()
  try {
    await writeFile(priv, keys.privateKey, { mode: 0o600 })
    await writeFile(pub, keys.publicKey)
  } catch (e) {
    throw new InvalidArgumentError(`cannot write the key pair ${name}: ${(e as Error).message}`)
  }
  if (flags['json']) process.stdout.write(`${JSON.stringify({ privateKey: priv, publicKey: pub, publicKeyHex: keys.publicKeyHex }, null, 2)}\n`)
  else process.stdout.write(`wrote ${priv} (private) and ${pub} (public key ${keys.publicKeyHex})\n`)
  return EXIT.ok
})
