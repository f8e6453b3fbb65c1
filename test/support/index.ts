export {
  type BrokerEndpoint,
  brokerEndpoint,
  type DatabaseEndpoint,
  databaseEndpoint,
  defaultManagementUrl,
  dockerReachable,
  SERVICES_MISSING_MESSAGE,
  ServicesUnavailableError,
} from './endpoints.ts';
export { type TakenMessage, takeAll } from './queues.ts';
export {
  type ConnectionInfo,
  ManagementApiError,
  type QueueInfo,
  RabbitMQManagement,
} from './rabbitmq-management.ts';
export { registryMetric } from './registry-metric.ts';
export { type NodeRunResult, runNode } from './run-node.ts';
export { type ServiceName, type ServiceProcess, ServiceProcesses, serviceMain } from './service-processes.ts';
export { countMessages, type TestBroker, type TestDatabase, useBroker, useDatabase } from './services.ts';
export { waitFor } from './wait-for.ts';
