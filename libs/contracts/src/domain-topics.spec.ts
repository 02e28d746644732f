import { EVENT_SCHEMAS } from './event-schemas';
import { DOMAIN_TOPICS, EVENT_TYPES_OF_TOPIC } from './domain-topics';

describe('EVENT_TYPES_OF_TOPIC', () => {
  it('names the types of every domain topic, and no other topic', () => {
    expect([...EVENT_TYPES_OF_TOPIC.keys()].sort()).toEqual(
      DOMAIN_TOPICS.map((topic) => topic.name).sort(),
    );
  });

  it('puts every event type with a schema on a topic, and no type without one', () => {
    const carried = new Set([...EVENT_TYPES_OF_TOPIC.values()].flatMap((types) => [...types]));
    expect([...carried].sort()).toEqual(Object.keys(EVENT_SCHEMAS).sort());
  });
});
