import type { CommandModule } from './types.js';
import { scenariosCommand } from './scenarios.js';
import { registriesCommand } from './registries.js';
import { protocolsCommand } from './protocols.js';
import { runCommand } from './run.js';
import { replayCommand } from './replay.js';
import { logCommand } from './log.js';
import { matrixCommand } from './matrix.js';
import { exploreCommand } from './explore.js';
import { showCommand } from './show.js';
import { exportCommand } from './export.js';
import { diffCommand } from './diff.js';
import { auditCommand } from './audit.js';
import { bisectCommand } from './bisect.js';
import { workerCommand } from './worker.js';
import { conformCommand } from './conform.js';
import { importCommand } from './import.js';

/** Every CLI command; one line each. */
export const COMMANDS: readonly CommandModule[] = [
  scenariosCommand,
  registriesCommand,
  protocolsCommand,
  runCommand,
  replayCommand,
  logCommand,
  matrixCommand,
  exploreCommand,
  showCommand,
  exportCommand,
  diffCommand,
  auditCommand,
  bisectCommand,
  workerCommand,
  conformCommand,
  importCommand,
];
