/**
 * Reads a request body raw, at most `limit` bytes (docs/webhooks.md, "A delivery" step 1): a
 * Content-Length over the limit is refused before reading anything, and a chunked body is cut off
 * as soon as it passes the limit, so an oversize delivery never sits in memory whole.
 */

/** The body's bytes, or `too_large` (nothing more is read). */
export type BodyResult = { ok: true; bytes: Buffer } | { ok: false; reason: 'too_large' };

/**
 * `declared` is the request's Content-Length, when it has one.
 * @example const body = await readCapped(c.req.raw, 5 * 1024 * 1024, headers['content-length']);
 */
export async function readCapped(
  request: Request,
  limit: number,
  declared: string | undefined,
): Promise<BodyResult> {
  if (declared !== undefined) {
    if (Number(declared) > limit) return { ok: false, reason: 'too_large' };
    // Framed by Content-Length (node:http reads no more than declared): read whole, in one piece;
    // with @hono/node-server this reads the message directly, without a web stream.
    const bytes = Buffer.from(await request.arrayBuffer());
    return bytes.length > limit ? { ok: false, reason: 'too_large' } : { ok: true, bytes };
  }
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
