// What the tests, the benchmarks and the README's tables use; the rest stays inside the service.
export { writerSettings } from './config.ts';
export { DOCUMENT_INDEXES } from './document-indexes.ts';
export { startWriter, type WriterService, writerServiceSettings } from './start-writer.ts';
export {
  type SourceRecord,
  type StoredDocument,
  toNewSourceRecord,
  toStoredDocument,
} from './stored-records.ts';
