import { z } from 'zod';
import { type Setting, setting } from './config.ts';

/**
 * The database every part that talks to MongoDB reads from the environment: the writer, which writes the chunks
 * and sources, and the command line, which refreshes and sweeps them.
 */
export const databaseSettings = {
  mongoUrl: {
    env: 'MONGO_URL',
    description: 'MongoDB connection string (MongoDB 6, 7, 8 or FerretDB)',
    expected: 'a mongodb:// or mongodb+srv:// URL',
    defaultRaw: 'mongodb://localhost:27017',
    schema: z
      .string()
      .trim()
      .regex(/^mongodb(\+srv)?:\/\/\S+$/),
    secret: true,
  } satisfies Setting<string>,
  mongoDb: setting.string('MONGO_DB', {
    default: 'tributary',
    nonEmpty: true,
    description: 'database the documents, sources and batch records are written to',
  }),
  documentsCollection: setting.string('MONGO_DOCUMENTS_COLLECTION', {
    default: 'documents',
    nonEmpty: true,
    description: 'collection of the chunks, one document per chunk keyed by its deterministic _id',
  }),
  sourcesCollection: setting.string('MONGO_SOURCES_COLLECTION', {
    default: 'sources',
    nonEmpty: true,
    description: 'collection of the sources, one record per job',
  }),
};
