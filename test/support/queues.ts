import amqplib, { type MessageProperties } from 'amqplib';

export interface TakenMessage<T = unknown> {
  body: T;
  headers: Record<string, unknown>;
  properties: MessageProperties;
}

/** Takes every message now in `queue` (acking it) with a connection of its own; bodies are parsed as JSON. */
export async function takeAll<T = unknown>(amqpUrl: string, queue: string): Promise<TakenMessage<T>[]> {
  const connection = await amqplib.connect(amqpUrl);
  try {
    const channel = await connection.createChannel();
    const out: TakenMessage<T>[] = [];
    for (;;) {
      const msg = await channel.get(queue, { noAck: true });
      if (!msg) return out;
      out.push({
        body: JSON.parse(msg.content.toString()) as T,
        headers: (msg.properties.headers ?? {}) as Record<string, unknown>,
        properties: msg.properties,
      });
    }
  } finally {
    await connection.close();
  }
}
