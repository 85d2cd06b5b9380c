/**
 * Response bodies in `content-encoding` gzip, deflate or br, decoded under the same size limit as
 * the wire bytes: undici's `request()` does not decompress (undici docs, "Dispatcher.request"), and
 * a 50 KiB gzip body can expand to gigabytes.
 */
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate, inflateRaw, type ZlibOptions } from 'node:zlib';

/** What the client asks for when the request does not say (RFC 9110 §12.5.3). */
export const ACCEPT_ENCODING = 'gzip, br';

type Decode = (body: Uint8Array, options: ZlibOptions) => Promise<Buffer>;
const gunzipAsync = promisify(gunzip) as Decode;
const inflateAsync = promisify(inflate) as Decode;
const inflateRawAsync = promisify(inflateRaw) as Decode;
const DECODERS: Record<string, Decode> = {
  gzip: gunzipAsync,
  'x-gzip': gunzipAsync,
  br: promisify(brotliDecompress) as Decode,
  // RFC 9110 §8.4.1.2 says zlib-wrapped, but some servers send raw deflate.
  deflate: (body, options) =>
    inflateAsync(body, options).catch((error: { code?: string }) =>
      error.code === 'ERR_BUFFER_TOO_LARGE' ? Promise.reject(error) : inflateRawAsync(body, options),
    ),
};

/** Why a body could not be decoded; `tooLarge` when it decodes past the limit. */
export class DecodeFailure extends Error {
  constructor(
    message: string,
    readonly tooLarge = false,
  ) {
    super(message);
  }
}

/**
 * `body` decoded as `encoding` says (a list is applied last first), at most `limit` bytes decoded;
 * rejects with DecodeFailure for an unknown coding, corrupt data or a body past the limit.
 * @example await decodeBody(gzipSync('{}'), 'gzip', 1024) // <Buffer 7b 7d>
 */
export async function decodeBody(body: Uint8Array, encoding: string, limit: number): Promise<Uint8Array> {
  let out = body;
  const codings = encoding.split(',').map((c) => c.trim().toLowerCase());
  for (const coding of codings.reverse()) {
    if (coding === '' || coding === 'identity') continue;
    const decode = DECODERS[coding];
    if (!decode) throw new DecodeFailure(`content-encoding ${JSON.stringify(coding)} is not supported`);
    try {
      // zlib stops at maxOutputLength with ERR_BUFFER_TOO_LARGE instead of allocating it all.
      out = await decode(out, { maxOutputLength: limit });
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new DecodeFailure('', true);
      throw new DecodeFailure(`invalid ${coding} body: ${(error as Error).message}`);
    }
  }
  return out;
}
