/**
 * Entry of the local DynamoDB server's own process (see `dynamodb-process.ts`):
 * `dynamodb-main.ts <port> [<data folder>]`. Prints `listening <port>` once
 * it serves, and stops when its parent closes its stdin (the parent ended,
 * even by SIGKILL) or on SIGTERM.
 *
 * @module
 */
import { startLocalDynamo } from './dynamodb-server.js';

const [portArg, dataDir] = process.argv.slice(2);
const db = await startLocalDynamo({ port: Number(portArg), ...(dataDir ? { dataDir } : {}) });
process.stdout.write(`listening ${db.port}\n`);
const stop = (): void => {
  db.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
