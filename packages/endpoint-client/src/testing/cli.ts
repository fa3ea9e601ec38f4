#!/usr/bin/env node
import { main } from './cli-main.js';

main(process.argv).then(
  (code) => {
    // Exit explicitly: the report is out, and a stray handle (a keep-alive socket, a model server a runtime
    // left behind) must not keep a CI job waiting.
    process.exitCode = code;
    setTimeout(() => process.exit(code), 200).unref();
  },
  (error: unknown) => {
    process.stderr.write(
      `sm-endpoint-test: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 2;
  },
);
