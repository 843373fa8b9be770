import { main } from '../../tools/main.js';
import { bufferIo } from '../../tools/io.js';

/** Run the CLI in-process (STYLE §7: end-to-end tests call main(argv)); exit code and output. */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = bufferIo();
  const code = await main(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}
