export { freePort, waitForHttp } from './ports.js';
export { startMoto, resetMoto, motoClientConfig, queueEndpointResults, type MotoServer } from './moto.js';
export { repoRoot, venvPython } from './paths.js';
export { grayscalePng } from './png.js';
