// Jest loads global setup outside its module system (no moduleNameMapper), so
// the TypeScript setup is loaded through tsx, which resolves `.js` imports to `.ts`.
import { register } from 'tsx/esm/api';

register();
const { default: setup } = await import('./package-setup.ts');
export default setup;
