import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import { describe, expect, it } from 'vitest';
import { countMessages, useBroker, useDatabase } from '../support/index.ts';
import { waitFor } from '../support/wait-for.ts';

describe('test support: the real broker and database', () => {
  it('delivers a published message with its body and headers through a queue in the test vhost', async () => {
    await using broker = await useBroker();
    const connection = await amqplib.connect(broker.amqpUrl);
    try {
      const channel = await connection.createConfirmChannel();
      const queue = 'smoke.messages';
      await channel.assertQueue(queue, { durable: true });
      const messageId = randomUUID();
      const body = { hello: 'world', n: 42 };

      channel.sendToQueue(queue, Buffer.from(JSON.stringify(body)), {
        contentType: 'application/json',
        messageId,
        persistent: true,
        headers: { 'x-attempt': 1, 'x-tributary-version': 1 },
      });
      await channel.waitForConfirms();
      expect(await countMessages(broker.amqpUrl, queue)).toBe(1);

      const received = await new Promise<amqplib.ConsumeMessage>((resolve, reject) => {
        channel
          .consume(queue, (message) => {
            if (message) resolve(message);
            else reject(new Error('consumer cancelled by the broker'));
          })
          .catch(reject);
      });
      channel.ack(received);

      expect(JSON.parse(received.content.toString('utf8'))).toEqual(body);
      expect(received.properties.messageId).toBe(messageId);
      expect(received.properties.contentType).toBe('application/json');
      expect(received.properties.deliveryMode).toBe(2);
      expect(received.properties.headers).toMatchObject({ 'x-attempt': 1, 'x-tributary-version': 1 });
      await waitFor(async () => (await countMessages(broker.amqpUrl, queue)) === 0, {
        timeoutMs: 5_000,
        what: 'the acked message to leave the queue',
      });
    } finally {
      await connection.close();
    }
  });

  it('keeps the test vhost to itself: a queue declared there is not in the default vhost', async () => {
    await using broker = await useBroker();
    const connection = await amqplib.connect(broker.amqpUrl);
    try {
      const channel = await connection.createChannel();
      await channel.assertQueue('smoke.isolated');
    } finally {
      await connection.close();
    }
    await waitFor(async () => (await broker.queueMessageCount('smoke.isolated')) === 0, {
      timeoutMs: 10_000,
      what: 'the management API to list the queue',
    });
    const defaultVhostUrl = new URL(broker.amqpUrl);
    defaultVhostUrl.pathname = '/%2F';
    await expect(countMessages(defaultVhostUrl.toString(), 'smoke.isolated')).rejects.toThrow(/NOT_FOUND/);
  });

  it('closes every connection in the vhost on request, as a lost broker would', async () => {
    await using broker = await useBroker();
    const connection = await amqplib.connect(broker.amqpUrl);
    connection.on('error', () => {});
    const closed = new Promise<Error | undefined>((resolve) => connection.on('close', resolve));

    await broker.closeAllConnections();

    const error = await closed;
    expect(error?.message).toMatch(/CONNECTION_FORCED/);
  });

  it('inserts a document and reads it back from the real database', async () => {
    await using database = await useDatabase();
    const collection = database.db.collection<{ _id: string; text: string; chunkIndex: number }>('documents');
    const document = { _id: `doc-${randomUUID()}`, text: 'a chunk of text', chunkIndex: 0 };

    await collection.insertOne(document);

    expect(await collection.findOne({ _id: document._id })).toEqual(document);
    expect(await collection.countDocuments()).toBe(1);
    const names = (await database.client.db(database.dbName).listCollections().toArray()).map((c) => c.name);
    expect(names).toContain('documents');
  });
});
