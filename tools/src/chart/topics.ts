import { join } from 'node:path';
import * as contracts from '@scale-chat/contracts';
import { TOPIC_NAME_PATTERN, type TopicSpec } from '@scale-chat/contracts';
import { stringify } from 'yaml';
import { CHART_DIR } from './render';

/** The chart's copy of the topics, read by its KafkaTopic template. */
export const CHART_TOPICS_FILE = join(CHART_DIR, 'files', 'topics.yaml');

function isTopicSpec(value: unknown): value is TopicSpec {
  const spec = value as Partial<TopicSpec> | null;
  return (
    typeof spec === 'object' &&
    spec !== null &&
    typeof spec.name === 'string' &&
    TOPIC_NAME_PATTERN.test(spec.name) &&
    typeof spec.partitions === 'number'
  );
}

/**
 * Every topic libs/contracts declares (each `defineTopic` export, and those grouped in an
 * exported table such as the saga command topics), by name.
 */
export function contractTopics(): TopicSpec[] {
  const found = new Map<string, TopicSpec>();
  for (const value of Object.values(contracts)) {
    const candidates = isTopicSpec(value)
      ? [value]
      : typeof value === 'object' && value !== null
        ? Object.values(value).filter(isTopicSpec)
        : [];
    for (const spec of candidates) found.set(spec.name, spec);
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The text of files/topics.yaml: what `node tools/run.js chart-topics` writes. */
export function chartTopicsText(): string {
  const topics = contractTopics().map(({ name, partitions, config }) => ({
    name,
    partitions,
    config: { ...config },
  }));
  return `# Generated from libs/contracts by \`node tools/run.js chart-topics\`; do not edit.
# tools/src/chart/chart.spec.ts fails when it differs from the contracts.
${stringify(topics, { singleQuote: true })}`;
}
