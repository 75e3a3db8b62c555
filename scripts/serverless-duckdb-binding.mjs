/**
 * Serverless plugin (serverless.yml `plugins`, listed before serverless-esbuild
 * so that its hooks run first): before a package or a single-function deploy,
 * runs scripts/lambda-duckdb-binding.ts, which puts DuckDB's binding for
 * Lambda's Linux x64 in node_modules, whatever machine packages the service,
 * and checks it; serverless-esbuild then copies it into the zips of the
 * functions whose `package.patterns` name it. `serverless offline` never runs
 * it: the local stack loads the host's own binding.
 */
import { execFileSync } from 'node:child_process';

/** Hooks the binding check into the package lifecycle. */
export default class DuckdbBindingPlugin {
  /** @param {{ serviceDir: string }} serverless */
  constructor(serverless) {
    const ensure = () =>
      // A child process: the script is TypeScript, run by the project's Node with tsx as every
      // npm script is, and serverless loads plugins without a TypeScript loader.
      execFileSync(process.execPath, ['--import', 'tsx', 'scripts/lambda-duckdb-binding.ts'], {
        cwd: serverless.serviceDir,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
    this.hooks = {
      'before:package:createDeploymentArtifacts': ensure,
      'before:deploy:function:packageFunction': ensure,
    };
  }
}
