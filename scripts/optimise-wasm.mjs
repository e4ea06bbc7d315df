// `node scripts/optimise-wasm.mjs <file.wasm>...`: wasm-opt -Oz on every file, in place, in
// one process. The split wasm is the main module and some 40 chunks (305 when every page was
// a split point); one wasm-opt run per file spent most of its time starting binaryen (a
// wasm itself) again: 6.5 minutes against 1 for those 305 files. npm's binaryen, as before
// (Debian's wasm-opt 108 breaks the release wasm).
import { readFileSync, writeFileSync } from 'node:fs';

const binaryen = (await import(new URL('../end2end/node_modules/binaryen/index.js', import.meta.url))).default;
const F = binaryen.Features;
// What the wasm32 target emits (and the flags scripts/build gave wasm-opt).
const features = F.MVP | F.BulkMemory | F.BulkMemoryOpt | F.NontrappingFPToInt | F.SignExt
  | F.MutableGlobals | F.ReferenceTypes;
binaryen.setOptimizeLevel(2); // -Oz: -O2 passes,
binaryen.setShrinkLevel(2); //   shrinking as hard as it goes
binaryen.setDebugInfo(false);

let before = 0;
let after = 0;
for (const file of process.argv.slice(2)) {
  const input = readFileSync(file);
  const module = binaryen.readBinary(input);
  module.setFeatures(features);
  module.optimize();
  const output = module.emitBinary();
  module.dispose();
  writeFileSync(file, output);
  before += input.length;
  after += output.length;
}
console.log(`optimised ${process.argv.length - 2} wasm files: ${before} -> ${after} bytes`);
