export { transformerSettings } from './config.ts';
