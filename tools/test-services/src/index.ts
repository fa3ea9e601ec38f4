export { freePort, waitForHttp } from './ports.js';
export { pollFor, pollUntil, PollTimeoutError, type PollOptions } from './poll.js';
export { startMoto, resetMoto, motoClientConfig, queueEndpointResults, type MotoServer } from './moto.js';
export { repoRoot, venvPython } from './paths.js';
export { grayscalePng } from './png.js';
export {
  standInModelArchive,
  standInModelCode,
  standInModelTarball,
  type StandInModelConfig,
} from './stand-in-model.js';
