// A linear replacement for kafkajs 2.2.4 src/producer/groupMessagesPerPartition.js, whose reduce copies the
// partition's array for every message ([...current, message]): quadratic in the messages per partition.
// Experiment only (bench/experiments/kafka-grouping.ts preloads it with --linear-grouping).
'use strict';
const path = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');
function groupMessagesPerPartition({ topic, partitionMetadata, messages, partitioner }) {
  if (partitionMetadata.length === 0) return {};
  const result = {};
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    (result[partition] ??= []).push(message);
  }
  return result;
}
const Module = require('node:module');
const patched = new Module(path);
patched.filename = path;
patched.loaded = true;
patched.exports = groupMessagesPerPartition;
require.cache[path] = patched;
