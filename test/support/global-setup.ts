import { assertEnvironmentServicesAnswer, assertServicesAvailable } from './endpoints.ts';

/**
 * Global setup of the integration project: stops the run before any test when there is no broker and database
 * to test against (neither AMQP_URL and MONGO_URL nor a Docker engine), or when the variables point at services
 * that do not accept connections, with one message that says how to provide them.
 */
export async function setup(): Promise<void> {
  await assertServicesAvailable();
  await assertEnvironmentServicesAnswer();
}
