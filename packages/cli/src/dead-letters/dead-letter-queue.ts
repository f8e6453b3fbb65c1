import type { Stage, TopologyNames } from '@tributary/contracts';
import type { ConfirmChannel, GetMessage } from 'amqplib';
import { type DeadLetterView, replayHeaders, viewDeadLetter } from './dead-letter.ts';

export type DeadLetterAction = 'keep' | 'replay' | 'remove';

/**
 * Walks a stage's dead-letter queue with basic.get, at most `limit` matching messages, and does `decide`'s
 * action on each: `replay` publishes it back to its stage (attempts reset) and removes it only once the broker
 * confirmed the publish, so a crash in between loses nothing and duplicates at most the message in hand;
 * `remove` acks it; `keep` leaves it. Kept messages are held unacked until the walk ends, so none is read twice,
 * and then all return to the queue in their order.
 */
export async function walkDeadLetters(
  channel: ConfirmChannel,
  names: TopologyNames,
  stage: Stage,
  options: { limit: number; matches: (view: DeadLetterView) => boolean; action: DeadLetterAction },
  onEach?: (view: DeadLetterView, action: DeadLetterAction) => void,
): Promise<{ seen: number; matched: number }> {
  const stageNames = names.stage(stage);
  let seen = 0;
  let matched = 0;
  const held: GetMessage[] = [];
  try {
    while (matched < options.limit) {
      const message = await channel.get(stageNames.deadQueue, { noAck: false });
      if (message === false) break;
      seen++;
      const view = viewDeadLetter(stage, message.content, message.properties);
      if (!options.matches(view)) {
        held.push(message);
        continue;
      }
      matched++;
      if (options.action === 'keep') {
        held.push(message);
      } else {
        if (options.action === 'replay') {
          await publishConfirmed(channel, stageNames.exchange, stageNames.routingKey, message, view);
        }
        channel.ack(message);
      }
      onEach?.(view, options.action);
    }
  } finally {
    for (const message of held) channel.nack(message, false, true);
  }
  return { seen, matched };
}

function publishConfirmed(
  channel: ConfirmChannel,
  exchange: string,
  routingKey: string,
  message: GetMessage,
  view: DeadLetterView,
): Promise<void> {
  const { properties } = message;
  return new Promise((resolve, reject) => {
    channel.publish(
      exchange,
      routingKey,
      message.content,
      {
        persistent: true,
        contentType: typeof properties.contentType === 'string' ? properties.contentType : 'application/json',
        ...(view.id ? { messageId: view.id } : {}),
        timestamp: Math.floor(Date.now() / 1000),
        headers: replayHeaders(view.headers),
      },
      (err) => (err ? reject(err) : resolve()),
    );
  });
}
