// `node scripts/precompress.mjs <brotli quality> <file>...`: writes FILE.br and FILE.gz
// beside each built asset, which the server sends to a browser that accepts them
// (server/src/router.rs, built_assets) instead of compressing at every page load. Node's
// own zlib: no package to install. Quality 11 (brotli's best) for the optimised builds;
// the debug build's 7 MB wasm uses a lower one, which takes a fraction of the time.
import { readFileSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const [quality, ...files] = process.argv.slice(2);
let plain = 0;
let brotli = 0;
let gzip = 0;
for (const file of files) {
  const input = readFileSync(file);
  const br = brotliCompressSync(input, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: Number(quality),
      [constants.BROTLI_PARAM_SIZE_HINT]: input.length,
    },
  });
  const gz = gzipSync(input, { level: 9 });
  writeFileSync(`${file}.br`, br);
  writeFileSync(`${file}.gz`, gz);
  plain += input.length;
  brotli += br.length;
  gzip += gz.length;
}
const kb = (n) => `${Math.round(n / 1024)} KB`;
console.log(`precompressed ${files.length} files: ${kb(plain)}, brotli ${kb(brotli)}, gzip ${kb(gzip)}`);
