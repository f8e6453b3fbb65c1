export { contentKind } from './content-type.ts';
export { defaultTransform } from './default-transform.ts';
export { InvalidTransformResultError, UnsupportedContentTypeError } from './errors.ts';
export { parseJson } from './extract-json.ts';
export { loadTransform, resolveTransformSpecifier } from './load-transform.ts';
export {
  defineTransform,
  type Transform,
  type TransformConfig,
  type TransformContext,
  type TransformResult,
} from './plugin.ts';
export { runTransform } from './run-transform.ts';
export { notModifiedMessage } from './store-message.ts';
export { getTokenizer } from './tokenizer.ts';
