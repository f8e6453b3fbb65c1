// The demo API's deterministic content, for tests that compute what the pipeline must make of it: a test imports
// it from here rather than taking a dependency on the demo service from a library package.
export { pageFor, recordFor } from '@tributary/demo-api';
