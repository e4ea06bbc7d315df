// `node scripts/optimise-wasm.mjs <file.wasm>...`: wasm-opt -Oz on every file, in place, in
// one process. The split wasm is the main module and some 40 chunks (305 when every page was
// a split point); one wasm-opt run per file spent most of its time starting binaryen (a
// wasm itself) again: 6.5 minutes against 1 for those 305 files. npm's binaryen, as before
// (Debian's wasm-opt 108 breaks the release wasm).
//
// One worker thread per core, each with its own binaryen, takes the largest file left
// whenever it is free: the main module (13 s of the 42 s the 40 files took on one core)
// starts at once and the chunks fill the other cores.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';

if (isMainThread) {
  const files = process.argv.slice(2).sort((a, b) => statSync(b).size - statSync(a).size);
  const workers = Math.max(1, Math.min(availableParallelism(), files.length));
  let next = 0;
  let before = 0;
  let after = 0;
  const work = () => new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url));
    let done = false;
    const give = () => {
      if (next < files.length) {
        worker.postMessage(files[next++]);
      } else {
        done = true;
        worker.terminate().then(resolve, reject);
      }
    };
    worker.on('message', ([input, output]) => {
      before += input;
      after += output;
      give();
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (!done) reject(new Error(`a wasm-opt worker stopped (exit code ${code})`));
    });
    give();
  });
  await Promise.all(Array.from({ length: workers }, work));
  console.log(`optimised ${files.length} wasm files on ${workers} threads: ${before} -> ${after} bytes`);
} else {
  const binaryen = (await import(new URL('../end2end/node_modules/binaryen/index.js', import.meta.url))).default;
  const F = binaryen.Features;
  // What the wasm32 target emits (and the flags scripts/build gave wasm-opt).
  const features = F.MVP | F.BulkMemory | F.BulkMemoryOpt | F.NontrappingFPToInt | F.SignExt
    | F.MutableGlobals | F.ReferenceTypes;
  binaryen.setOptimizeLevel(2); // -Oz: -O2 passes,
  binaryen.setShrinkLevel(2); //   shrinking as hard as it goes
  binaryen.setDebugInfo(false);
  parentPort.on('message', (file) => {
    const input = readFileSync(file);
    const module = binaryen.readBinary(input);
    module.setFeatures(features);
    module.optimize();
    const output = module.emitBinary();
    module.dispose();
    writeFileSync(file, output);
    parentPort.postMessage([input.length, output.length]);
  });
}
