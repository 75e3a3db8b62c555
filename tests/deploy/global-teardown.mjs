// See global-setup.mjs: the TypeScript teardown is loaded through tsx.
import { register } from 'tsx/esm/api';

register();
const { default: teardown } = await import('./package-teardown.ts');
export default teardown;
