// Host and guest path rules shared by the manifest reader and the policy
// intersection: where a host path really points, and whether it stays inside
// a directory.
import { lstatSync, readlinkSync, realpathSync } from 'node:fs'
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'

/** More symbolic links than this in one path is a loop (Linux's limit is 40). */
const MAX_LINKS = 40

/**
 * The absolute path `p` really names: symbolic links resolved in the longest
 * prefix that exists, the rest appended as written. A dangling link is
 * followed to where it points, so a link to a directory that does not exist
 * yet cannot later lead outside. Returns `null` for a symbolic-link loop.
 */
export function realResolve(p: string): string | null {
  let head = resolve(p)
  const tail: string[] = []
  for (let links = 0; ; ) {
    try {
      return tail.length ? join(realpathSync.native(head), ...tail) : realpathSync.native(head)
    } catch {
      // `head` does not exist, or is a link that leads nowhere (yet).
    }
    let isLink = false
    try {
      isLink = lstatSync(head).isSymbolicLink()
    } catch {
      isLink = false
    }
    if (isLink) {
      if (++links > MAX_LINKS) return null
      head = resolve(dirname(head), readlinkSync(head))
      continue
    }
    const parent = dirname(head)
    if (parent === head) return join(head, ...tail)
    tail.unshift(basename(head))
    head = parent
  }
}

/** Whether absolute path `child` is `parent` itself or below it. */
export function isInside(child: string, parent: string): boolean {
  const r = relative(parent, child)
  return r === '' || !(r === '..' || r.startsWith(`..${sep}`) || isAbsolute(r))
}

/**
 * A guest path in the form programs open it: `.` segments and repeated or
 * trailing slashes dropped, so `./data/` becomes `data` and `/a//b` becomes
 * `/a/b`; `.` (or `./`) stays `.`. Returns `null` if it has a `..` segment.
 */
export function normalizeGuest(guest: string): string | null {
  const parts = guest.split('/')
  if (parts.includes('..')) return null
  const kept = parts.filter((s) => s !== '' && s !== '.')
  if (guest.startsWith('/')) return `/${kept.join('/')}`
  return kept.length ? kept.join('/') : '.'
}
