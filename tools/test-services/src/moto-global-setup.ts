/**
 * vitest globalSetup: one moto_server for the whole run of a project.
 * Tests read its address with `inject('motoEndpoint')` and call `resetMoto` in `beforeEach`/`beforeAll`.
 */
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startMoto } from './moto.js';

declare module 'vitest' {
  export interface ProvidedContext {
    motoEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const moto = await startMoto();
  project.provide('motoEndpoint', moto.endpoint);
  return async () => {
    await moto.stop();
  };
}
