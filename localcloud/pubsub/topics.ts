/**
 * A topic's settings: labels and retention are kept and returned (retention is not enforced: with
 * no seek there is nothing to replay), as are the KMS key and storage policy. Schemas, ingestion
 * from other systems and message transforms are refused by name.
 */
import { invalidArgument, unimplemented } from './errors.js';
import { checkLabels, retention, snakeCase } from './settings.js';
import { durationOf, type FieldMask, type Labels, type Topic } from './wire.js';

export interface TopicSettings {
  readonly labels: Labels;
  readonly retentionMs: number | undefined;
  readonly kmsKeyName: string;
  readonly messageStoragePolicy: object | null;
}

export function topicSettings(request: Topic): TopicSettings {
  refuseUnsupported(request);
  return {
    labels: checkLabels(request.labels),
    retentionMs: topicRetention(request),
    kmsKeyName: request.kmsKeyName,
    messageStoragePolicy: request.messageStoragePolicy,
  };
}

export function updatedTopicSettings(
  current: TopicSettings,
  patch: Topic,
  mask: FieldMask | null,
): TopicSettings {
  const paths = mask?.paths ?? [];
  if (paths.length === 0) throw invalidArgument('update_mask must name at least one field to update');
  let next = current;
  for (const path of paths) {
    switch (snakeCase(path)) {
      case 'labels':
        next = { ...next, labels: checkLabels(patch.labels) };
        break;
      case 'message_retention_duration':
        next = { ...next, retentionMs: topicRetention(patch) };
        break;
      case 'kms_key_name':
        next = { ...next, kmsKeyName: patch.kmsKeyName };
        break;
      case 'message_storage_policy':
        next = { ...next, messageStoragePolicy: patch.messageStoragePolicy };
        break;
      default:
        refuseUnsupported(patch);
        throw invalidArgument(`Invalid update_mask path "${path}" for a topic`);
    }
  }
  return next;
}

export function topicProto(name: string, s: TopicSettings): Partial<Topic> {
  return {
    name,
    labels: s.labels,
    kmsKeyName: s.kmsKeyName,
    messageStoragePolicy: s.messageStoragePolicy,
    messageRetentionDuration: s.retentionMs === undefined ? null : durationOf(s.retentionMs),
    state: 'ACTIVE',
  };
}

function topicRetention(topic: Topic): number | undefined {
  if (topic.messageRetentionDuration === null) return undefined;
  return retention(topic.messageRetentionDuration, 'message_retention_duration');
}

function refuseUnsupported(topic: Topic): void {
  if (topic.schemaSettings !== null) throw unimplemented('Topic schemas (schema_settings)');
  if (topic.ingestionDataSourceSettings !== null) {
    throw unimplemented('Ingestion from other sources (ingestion_data_source_settings)');
  }
  if (topic.messageTransforms.length > 0) throw unimplemented('Message transforms (message_transforms)');
}
