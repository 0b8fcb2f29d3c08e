import { createHmac, timingSafeEqual } from 'node:crypto';
import { ValidationError } from './errors/validation-error';
import type { JobFilter, JobListing, JobPage } from './ports/job-listing';

const INVALID_CURSOR = () =>
  new ValidationError([{ field: 'cursor', message: 'must be a cursor from a previous page of this listing' }]);

/** Signatures are HMAC-SHA256 truncated to 128 bits: plenty against forgery, short in a URL. */
const SIGNATURE_BYTES = 16;

/**
 * Listing cursors carry index keys back to the server. Signing them with a key only the stack
 * holds, bound to the filter they were issued for, means a tampered cursor, one from another
 * deployment, or one reused with a different filter is refused as a 400 naming `cursor` rather
 * than reaching DynamoDB as a crafted ExclusiveStartKey.
 */
export class CursorSigner {
  private readonly key: Buffer;

  constructor(key: string) {
    if (key.length < 16) throw new Error('The cursor signing key must be at least 16 characters');
    this.key = Buffer.from(key, 'utf8');
  }

  sign(filter: JobFilter, cursor: string): string {
    return `${cursor}.${this.signature(filter, cursor).toString('base64url')}`;
  }

  /** The cursor as the listing issued it; ValidationError naming `cursor` for anything else. */
  verify(filter: JobFilter, signed: string): string {
    const dot = signed.lastIndexOf('.');
    if (dot <= 0) throw INVALID_CURSOR();
    const cursor = signed.slice(0, dot);
    const given = Buffer.from(signed.slice(dot + 1), 'base64url');
    const expected = this.signature(filter, cursor);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw INVALID_CURSOR();
    return cursor;
  }

  private signature(filter: JobFilter, cursor: string): Buffer {
    return createHmac('sha256', this.key)
      .update(JSON.stringify([filter.status ?? null, filter.type ?? null, cursor]))
      .digest()
      .subarray(0, SIGNATURE_BYTES);
  }
}

/** `listing` with every cursor it issues signed and every cursor it is given verified first. */
export function withSignedCursors(listing: JobListing, signer: CursorSigner): JobListing {
  return {
    async list(filter: JobFilter, limit: number, cursor?: string): Promise<JobPage> {
      const page = await listing.list(filter, limit, cursor === undefined ? undefined : signer.verify(filter, cursor));
      return page.nextCursor === undefined ? page : { ...page, nextCursor: signer.sign(filter, page.nextCursor) };
    },
  };
}
