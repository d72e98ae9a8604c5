import { describe, expect, it } from 'vitest';
import { SUBJECT_NAME_STRATEGIES, subjectName } from '../../src/schema-registry/subject.js';

const record = 'io.github.presenceconnector.v1.PresenceChange';

describe('subjectName', () => {
  it('follows the three Confluent strategies', () => {
    expect(subjectName('TopicNameStrategy', 'presence', record)).toBe('presence-value');
    expect(subjectName('RecordNameStrategy', 'presence', record)).toBe(record);
    expect(subjectName('TopicRecordNameStrategy', 'presence', record)).toBe(`presence-${record}`);
  });

  it('lists every strategy, so config validation can offer them', () => {
    expect(SUBJECT_NAME_STRATEGIES).toEqual(['TopicNameStrategy', 'RecordNameStrategy', 'TopicRecordNameStrategy']);
  });

  it('keeps topic names as they are, dots and dashes included', () => {
    expect(subjectName('TopicNameStrategy', 'teams.presence-v1', record)).toBe('teams.presence-v1-value');
  });
});
