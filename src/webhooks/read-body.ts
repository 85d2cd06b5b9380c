/**
 * Reads a request body raw, at most `limit` bytes (docs/webhooks.md, "A delivery" step 1): a
 * Content-Length over the limit is refused before reading anything, and a chunked body is cut off
 * as soon as it passes the limit, so an oversize delivery never sits in memory whole.
 */

/** The body's bytes, or `too_large` (nothing more is read). */
export type BodyResult = { ok: true; bytes: Buffer } | { ok: false; reason: 'too_large' };

/**
 * @example const body = await readCapped(c.req.raw, 5 * 1024 * 1024);
 */
export async function readCapped(request: Request, limit: number): Promise<BodyResult> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) return { ok: false, reason: 'too_large' };
  const stream = request.body;
  if (!stream) return { ok: true, bytes: Buffer.alloc(0) };
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return { ok: false, reason: 'too_large' };
    }
    chunks.push(value);
  }
  return { ok: true, bytes: chunks.length === 1 ? toBuffer(chunks[0] as Uint8Array) : Buffer.concat(chunks) };
}

/** A view of the chunk's bytes, not a copy. */
function toBuffer(chunk: Uint8Array): Buffer {
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
