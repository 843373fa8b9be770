// Child process of crash.test.ts: records a long run to argv[2] (via FileSink: `<path>.partial`
// until done) for the scenario under the package root argv[3], and prints "started" once the header is on disk. The test kills it with SIGKILL.
import { FileSink, makeModel, recordRun } from '../../src/index.js';
import { crashScenario } from './crashScenario.js';

const out = process.argv[2] as string;
const sink = new FileSink(out);
const write = sink.write.bind(sink);
let announced = false;
sink.write = (b: Uint8Array): void => {
  write(b);
  if (!announced) {
    announced = true;
    process.stdout.write('started\n');
  }
};
recordRun(makeModel(crashScenario(process.argv[3])), { seed: 11, maxSteps: 1e9 }, sink, {
  chunkEvents: 256,
  checkpointEvery: 1024,
});
sink.commit();
