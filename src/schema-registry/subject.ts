/** The three strategies of Confluent's serializers, by their Java class names, so operators recognise them. */
export type SubjectNameStrategy = 'TopicNameStrategy' | 'RecordNameStrategy' | 'TopicRecordNameStrategy';

export const SUBJECT_NAME_STRATEGIES: readonly SubjectNameStrategy[] = [
  'TopicNameStrategy',
  'RecordNameStrategy',
  'TopicRecordNameStrategy',
];

/**
 * The subject a value schema is registered under. TopicNameStrategy (`<topic>-value`) is what Flink, ksqlDB and
 * Kafka Connect look up by default; the record strategies let several record types share a topic.
 */
export function subjectName(strategy: SubjectNameStrategy, topic: string, recordFullName: string): string {
  switch (strategy) {
    case 'TopicNameStrategy':
      return `${topic}-value`;
    case 'RecordNameStrategy':
      return recordFullName;
    case 'TopicRecordNameStrategy':
      return `${topic}-${recordFullName}`;
  }
}
