import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';

/** A shard read to its end (closed and every record delivered). */
export const SHARD_FINISHED = 'END';

/** Per shard, the sequence number of the last record delivered, or SHARD_FINISHED. */
export type ShardPositions = Record<string, string>;

interface SavedMapping {
  streamArn: string;
  shards: ShardPositions;
}

/**
 * Where each DynamoDB stream event source mapping is in each shard, kept in a JSON file so that a
 * restarted local stack resumes its mappings where they were, like Lambda's per-shard
 * checkpoints, instead of starting at LATEST again (skipping what was written but not yet
 * delivered) or TRIM_HORIZON (delivering everything again). A position is saved after its batch
 * was delivered; a kill between the two delivers that batch again (at least once, as on AWS).
 */
export class StreamPositionsFile {
  private readonly mappings: Record<string, SavedMapping>;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;

  constructor(private readonly file: string) {
    this.mappings = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, SavedMapping>) : {};
  }

  /**
   * The positions saved for a mapping on this stream, or undefined the first time (or when the
   * stream is another one, e.g. the table was recreated). Later calls to save() go to this stream.
   */
  open(mappingId: string, streamArn: string): MappingPositions {
    const saved = this.mappings[mappingId];
    const resumed = saved?.streamArn === streamArn ? { ...saved.shards } : undefined;
    const mapping: SavedMapping = { streamArn, shards: resumed ?? {} };
    this.mappings[mappingId] = mapping;
    this.schedule();
    return {
      resumed,
      save: (shardId, position) => {
        mapping.shards[shardId] = position;
        this.schedule();
      },
    };
  }

  /** Resolves once everything saved so far is on disk. */
  async flush(): Promise<void> {
    while (this.dirty) await this.writing;
    await this.writing;
  }

  /** One write at a time; saves made meanwhile go into the next one. Written to a temp file, then renamed. */
  private schedule(): void {
    if (this.dirty) return;
    this.dirty = true;
    this.writing = this.writing
      .then(async () => {
        this.dirty = false;
        const temp = `${this.file}.tmp`;
        await writeFile(temp, JSON.stringify(this.mappings, null, 2));
        await rename(temp, this.file);
      })
      .catch(() => {
        // A position not written means that batch is delivered again after a restart: at least once.
      });
  }
}

export interface MappingPositions {
  /** What was saved by an earlier run, per shard; undefined when this mapping starts afresh. */
  resumed: ShardPositions | undefined;
  save(shardId: string, position: string): void;
}
