import { compress, decompress } from '@mongodb-js/zstd';

export interface Compressor {
  compress(data: Buffer): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
}

/** zstd frames readable by `zstd -dc`. Level 3 is zstd's default: fast, and a good ratio on JSON. */
export function createZstd(level = 3): Compressor {
  return {
    compress: (data) => compress(data, level),
    decompress: (data) => decompress(data),
  };
}
