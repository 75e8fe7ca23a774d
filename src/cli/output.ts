import { open, rename } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { VectorsHeader } from '../engine/vectors-file.js';
import { decodeHeader, encodeHeader, recordBytes } from '../engine/vectors-file.js';

/** What a vectors file is made of; two runs with the same identity produce the same file. */
export type OutputIdentity = Omit<VectorsHeader, 'version' | 'headerBytes'>;

/** The output refuses to resume: an existing partial file was made by another model, dtype, quantization or catalog. */
export class ResumeMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResumeMismatchError';
  }
}

export interface Output {
  /** Vectors already in the file from an interrupted run (resumed), 0 when starting afresh. */
  readonly resumed: number;
  /** True when `out` already is the finished file for this identity: nothing to do. */
  readonly upToDate: boolean;
  appendRecords(records: Uint8Array): Promise<void>;
  /** Writes the ids, makes the file durable and moves it to its final name. */
  finish(ids: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Names of identity fields that differ, with both values. */
function differences(found: VectorsHeader, wanted: OutputIdentity): string[] {
  const out: string[] = [];
  const compare = (name: string, a: string | number, b: string | number): void => {
    if (a !== b) out.push(`${name} ${JSON.stringify(a)} (wanted ${JSON.stringify(b)})`);
  };
  compare('encoder', found.encoder, wanted.encoder);
  compare('dtype', found.dtype, wanted.dtype);
  compare('quantization', found.quantization, wanted.quantization);
  compare('dimension', found.dimension, wanted.dimension);
  compare('item count', found.count, wanted.count);
  if (hex(found.digest) !== hex(wanted.digest)) out.push('catalog (the ids or texts of the items differ)');
  return out;
}

async function readHeader(path: string): Promise<{ header: VectorsHeader; size: number } | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const head = new Uint8Array(Math.min(size, 4096));
    await handle.read(head, 0, head.length, 0);
    return { header: decodeHeader(head), size };
  } finally {
    await handle.close();
  }
}

/**
 * Opens the output for writing. Vectors go to `<out>.partial` as they are
 * computed (the file format puts records before ids, so the partial file is
 * a prefix of the finished one); `finish` appends the ids and renames it.
 * An existing partial file with the same identity is resumed from its last
 * whole record; one with another identity is refused unless `force`.
 */
export async function openOutput(out: string, identity: OutputIdentity, force: boolean): Promise<Output> {
  const partial = `${out}.partial`;
  const header = encodeHeader(identity);
  const size = recordBytes(identity.quantization, identity.dimension);

  if (!force) {
    const finished = await readHeader(out).catch(() => null);
    if (finished && differences(finished.header, identity).length === 0 && finished.size >= finished.header.headerBytes + identity.count * size) {
      return { resumed: identity.count, upToDate: true, appendRecords: async () => undefined, finish: async () => undefined, close: async () => undefined };
    }
  }

  let resumed = 0;
  let handle: FileHandle | undefined;
  const existing = force ? null : await readHeader(partial).catch((error: Error) => {
    throw new ResumeMismatchError(`${partial} exists but is not a vectors file LocalRank can resume (${error.message}); delete it or pass --force to start over`);
  });
  if (existing) {
    const diff = differences(existing.header, identity);
    if (diff.length > 0) {
      throw new ResumeMismatchError(`${partial} is an interrupted run with different settings: ${diff.join('; ')}. Rerun with the same catalog and options to resume, or pass --force to start over`);
    }
    // A kill can leave half a record: keep whole records only.
    resumed = Math.min(identity.count, Math.max(0, Math.floor((existing.size - existing.header.headerBytes) / size)));
    handle = await open(partial, 'r+');
    await handle.truncate(existing.header.headerBytes + resumed * size);
  } else {
    handle = await open(partial, 'w');
    await handle.write(header, 0, header.length, 0);
    await handle.sync();
  }
  let position = header.length + resumed * size;
  const file = handle;

  return {
    resumed,
    upToDate: false,
    async appendRecords(records) {
      await file.write(records, 0, records.length, position);
      position += records.length;
      // A checkpoint: what is written survives a kill or a power cut.
      await file.datasync();
    },
    async finish(ids) {
      await file.write(ids, 0, ids.length, position);
      await file.truncate(position + ids.length);
      await file.sync();
      await file.close();
      await rename(partial, out);
    },
    close: () => file.close().catch(() => undefined),
  };
}
